/**
 * The harness's only reach into n8n-core's private files, checked against n8n-core 2.8.1.
 *
 * Every node execution context builds its SSH-tunnel and scheduling helpers, which pulls
 * SSHClientsManager and ScheduledTaskManager out of the DI container. Their constructors may
 * start long-lived `setInterval`s meant for a server process (SSHClientsManager always does;
 * ScheduledTaskManager only when cron logging is configured); left alone they keep Jest (and
 * scripts) from exiting. Neither class is exported from n8n-core's index, hence the deep
 * imports (a newer n8n-core that moves them fails here, at load, saying which file is gone);
 * the timer fields are private, hence the casts.
 */
import { Container } from '@n8n/di';
import { ScheduledTaskManager } from 'n8n-core/dist/execution-engine/scheduled-task-manager';
import { SSHClientsManager } from 'n8n-core/dist/execution-engine/ssh-clients-manager';

type TimerOwner = Record<string, NodeJS.Timeout | undefined>;

/** Creates those services up front and unrefs their timers. */
export function unrefServiceTimers(): void {
	const sshClients = Container.get(SSHClientsManager) as unknown as TimerOwner;
	sshClients.cleanupTimer?.unref();
	const scheduledTasks = Container.get(ScheduledTaskManager) as unknown as TimerOwner;
	scheduledTasks.logInterval?.unref();
}
