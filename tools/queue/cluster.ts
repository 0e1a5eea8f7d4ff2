/**
 * n8n in queue mode on one machine: one main (`n8n start`: editor, webhooks, puts executions on
 * Redis) and workers (`n8n worker`: take executions off Redis and run them), all on one
 * PostgreSQL, one Redis and one encryption key, each with its own user folder holding this
 * package installed the way n8n's community-nodes screen installs it.
 *
 * Facts this relies on (n8n 2.8.4, measured):
 * - every n8n process on one machine needs its own N8N_PORT and N8N_RUNNERS_BROKER_PORT (a worker
 *   whose task-runner broker port is taken refuses to start), and each worker its own
 *   QUEUE_HEALTH_CHECK_PORT;
 * - a workflow published with the CLI (`publish:workflow`) takes effect when main starts;
 * - workers log `Worker started execution <id> (job <n>)`, which tells which process ran what;
 * - in queue mode n8n's binary data mode defaults to `database`: each file is buffered whole and
 *   stored in Postgres, capped by N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE (MiB, default 512).
 */
import fs from 'node:fs';
import path from 'node:path';

import { type N8nInstall, freePort } from '../n8n/install-n8n';
import { installPackage } from '../n8n/package-install';
import { startProcess, tail, type RunningProcess } from '../process';
import { LOOPBACK, type Postgres, type Redis, type Teardown, waitFor } from './services';

const CLI_TIMEOUT_MS = 180_000;
// Shared by every process: credentials encrypted by one must be readable by the others.
const ENCRYPTION_KEY = 'n8n-queue-suite-shared-encryption-key';

export interface QueueClusterOptions {
	install: N8nInstall;
	/** Temporary folder for the user folders (removed by the caller). */
	dir: string;
	postgres: Postgres;
	redis: Redis;
	/** The packed package (tools/n8n/package-install's packPackage). */
	tarball: string;
	teardown: Teardown;
	/** Extra env for every process, e.g. N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE. */
	env?: Record<string, string>;
	/** Jobs one worker runs at once (`n8n worker --concurrency`). */
	concurrency: number;
}

export interface N8nWorker extends RunningProcess {
	name: string;
	/** Ids of the executions this worker started, from its log. */
	executionIds(): string[];
}

/** A webhook call's status and body (JSON when it parses); status 0 when no answer came. */
export interface WebhookAnswer {
	status: number;
	body: unknown;
}

export interface N8nMain extends RunningProcess {
	url: string;
	/** POSTs `body` as JSON to a production webhook. */
	postJson(hookPath: string, body: object): Promise<WebhookAnswer>;
}

async function postJson(url: string, body: object): Promise<WebhookAnswer> {
	let response: Response;
	let text: string;
	try {
		response = await fetch(url, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(body),
		});
		text = await response.text();
	} catch (error) {
		return { status: 0, body: String(error) };
	}
	try {
		return { status: response.status, body: JSON.parse(text) };
	} catch {
		return { status: response.status, body: text };
	}
}

/** The env that makes an n8n process one member of this queue-mode cluster. */
export function queueModeEnv(
	postgres: Postgres,
	redis: Redis,
	extra: Record<string, string> = {},
): Record<string, string> {
	return {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: LOOPBACK,
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: LOOPBACK,
		DB_POSTGRESDB_PORT: String(postgres.port),
		DB_POSTGRESDB_USER: postgres.user,
		DB_POSTGRESDB_DATABASE: postgres.database,
		// n8n's queue-mode default, said explicitly: the installer's env says `filesystem`.
		N8N_DEFAULT_BINARY_DATA_MODE: 'database',
		N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
		N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '5',
		...extra,
	};
}

/** Peak resident memory of a process (VmHWM), in bytes; 0 once it has exited. */
export function peakRssBytes(pid: number): number {
	try {
		const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
		const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
		return match ? Number(match[1]) * 1024 : 0;
	} catch {
		return 0;
	}
}

export class QueueCluster {
	readonly workers: N8nWorker[] = [];

	private readonly env: Record<string, string>;

	constructor(private readonly options: QueueClusterOptions) {
		this.env = queueModeEnv(options.postgres, options.redis, options.env);
	}

	/** A user folder for one process, with this package installed in it. */
	private async userFolder(name: string): Promise<string> {
		const folder = path.join(this.options.dir, name);
		fs.mkdirSync(folder, { recursive: true });
		await installPackage(this.options.install, folder, this.options.tarball);
		return folder;
	}

	/**
	 * Starts an n8n command as a member of the cluster. It is stopped at teardown from the moment
	 * it exists, so an interrupt during a slow start leaves nothing behind.
	 */
	private async spawn(
		name: string,
		userFolder: string,
		args: string[],
		env: Record<string, string> = {},
	): Promise<RunningProcess> {
		const { install, teardown } = this.options;
		const child = startProcess(install.nodeBin, [install.n8nBin, ...args], {
			cwd: userFolder,
			env: {
				...process.env,
				...install.env,
				...this.env,
				N8N_USER_FOLDER: userFolder,
				N8N_PORT: String(await freePort()),
				N8N_RUNNERS_BROKER_PORT: String(await freePort()),
				...env,
			},
		});
		teardown.add(`n8n ${name}`, () => child.stop());
		return child;
	}

	private async cli(args: string[], userFolder: string): Promise<void> {
		const child = await this.spawn(args[0], userFolder, args);
		const timer = setTimeout(() => void child.stop('SIGKILL'), CLI_TIMEOUT_MS);
		const code = await child.finished;
		clearTimeout(timer);
		if (code !== 0) throw new Error(`n8n ${args[0]} exited ${code}:\n${tail(child.logs())}`);
	}

	/** Waits until a started process answers `healthUrl` and has logged `readyLine`. */
	private async ready(
		name: string,
		child: RunningProcess,
		healthUrl: string,
		readyLine: RegExp,
	): Promise<void> {
		await waitFor(
			`n8n ${name}`,
			async () => {
				if (!readyLine.test(child.logs())) return false;
				try {
					return (await fetch(healthUrl)).ok;
				} catch {
					return false;
				}
			},
			{
				timeoutMs: CLI_TIMEOUT_MS,
				failIf: () => (child.exited() ? `exited early:\n${tail(child.logs())}` : undefined),
			},
		);
	}

	/**
	 * Imports credentials and workflows into the shared database, publishes the given workflows,
	 * then starts main: publishing before main starts is what activates their webhooks.
	 */
	async startMain({
		credentials,
		workflows,
		publish,
	}: {
		credentials: object[];
		workflows: object[];
		publish: string[];
	}): Promise<N8nMain> {
		const folder = await this.userFolder('main');
		const credentialsFile = path.join(folder, 'credentials.json');
		const workflowsFile = path.join(folder, 'workflows.json');
		fs.writeFileSync(credentialsFile, JSON.stringify(credentials));
		fs.writeFileSync(workflowsFile, JSON.stringify(workflows));
		await this.cli(['import:credentials', `--input=${credentialsFile}`], folder);
		await this.cli(['import:workflow', `--input=${workflowsFile}`], folder);
		for (const id of publish) await this.cli(['publish:workflow', `--id=${id}`], folder);
		const port = await freePort();
		const url = `http://${LOOPBACK}:${port}`;
		const child = await this.spawn('main', folder, ['start'], {
			N8N_PORT: String(port),
			N8N_LISTEN_ADDRESS: LOOPBACK,
			WEBHOOK_URL: `${url}/`,
		});
		// Main logs this line once it has activated the published workflows' webhooks.
		await this.ready('main', child, `${url}/healthz/readiness`, /Editor is now accessible via/);
		return {
			...child,
			url,
			postJson: (hookPath, body) => postJson(`${url}/webhook/${hookPath}`, body),
		};
	}

	/** Starts `n8n worker` number `this.workers.length + 1`; resolves once it takes jobs. */
	async startWorker(): Promise<N8nWorker> {
		const name = `worker-${this.workers.length + 1}`;
		const folder = await this.userFolder(name);
		const healthPort = await freePort();
		const child = await this.spawn(
			name,
			folder,
			['worker', `--concurrency=${this.options.concurrency}`],
			{
				QUEUE_HEALTH_CHECK_ACTIVE: 'true',
				QUEUE_HEALTH_CHECK_PORT: String(healthPort),
				N8N_WORKER_SERVER_ADDRESS: LOOPBACK,
			},
		);
		await this.ready(
			name,
			child,
			`http://${LOOPBACK}:${healthPort}/healthz/readiness`,
			/n8n worker is now ready/,
		);
		const worker: N8nWorker = {
			...child,
			name,
			executionIds: () =>
				[...child.logs().matchAll(/Worker started execution (\S+) \(job/g)].map(
					(match) => match[1],
				),
		};
		this.workers.push(worker);
		return worker;
	}
}
