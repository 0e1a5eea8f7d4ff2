/**
 * Everything n8n's queue mode needs, brought up in one call for the queue-mode suite
 * (test/queue) and the benchmark's queue row: Postgres and Redis (services.ts), the CometAPI
 * simulator in this process, n8n 2.8.4 from the end-to-end suite's install with this package
 * packed, ready to install in each n8n process (cluster.ts). The caller then starts main with its
 * workflows (they may write files to `outDir`) and the workers, possibly one at a time.
 *
 *   const teardown = new Teardown();
 *   teardown.stopOnInterruptOrCrash();
 *   try {
 *     const stack = await startQueueStack({ teardown, log, concurrency: 10 });
 *     const main = await stack.startMain([videoWorkflow('wf1', stack.outDir, 5).workflow], ['wf1']);
 *     await stack.cluster.startWorker();
 *     ...
 *   } finally {
 *     await teardown.run();
 *   }
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ensureN8n } from '../n8n/install-n8n';
import { seconds } from '../process';
import { packPackage } from '../n8n/package-install';
import { type Simulator, type SimulatorOptions, startSimulator } from '../simulator';
import { type N8nMain, QueueCluster } from './cluster';
import {
	type Postgres,
	type Teardown,
	ensureDebianPackages,
	startPostgres,
	startRedis,
} from './services';
import { simulatorCredential } from '../simulator-access';
import { CREDENTIAL_ID } from './workflows';

export { type N8nMain, type N8nWorker, type WebhookAnswer, peakRssBytes } from './cluster';
export { type Postgres, Teardown, waitFor } from './services';

export const N8N_VERSION = '2.8.4';

export interface QueueStack {
	/** Temporary folder of this run (removed at teardown unless QUEUE_KEEP is set). */
	dir: string;
	/** Where workflows may write files (N8N_RESTRICT_FILE_ACCESS_TO). */
	outDir: string;
	postgres: Postgres;
	sim: Simulator;
	/** The API key of the simulator and of the credential every workflow uses. */
	apiKey: string;
	cluster: QueueCluster;
	/** Imports the workflows (and the credential), publishes the given ids and starts main. */
	startMain(workflows: object[], publish: string[]): Promise<N8nMain>;
}

/** Runs `body`, then logs how long it took as a setup step. */
export async function timedStep<T>(
	log: (line: string) => void,
	name: string,
	body: () => Promise<T>,
): Promise<T> {
	const started = Date.now();
	const value = await body();
	log(`  [setup] ${name}: ${seconds(Date.now() - started)}`);
	return value;
}

export async function startQueueStack({
	teardown,
	log,
	concurrency,
	env = {},
	simulator = {},
}: {
	teardown: Teardown;
	log: (line: string) => void;
	/** Jobs each worker runs at once. */
	concurrency: number;
	/** Extra env for every n8n process. */
	env?: Record<string, string>;
	simulator?: Partial<Omit<SimulatorOptions, 'apiKey'>>;
}): Promise<QueueStack> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-queue-'));
	teardown.add('temporary folder', async () => {
		if (process.env.QUEUE_KEEP) log(`kept ${dir}`);
		else fs.rmSync(dir, { recursive: true, force: true });
	});
	const outDir = path.join(dir, 'videos');
	fs.mkdirSync(outDir);
	const services = await timedStep(log, 'Debian packages (postgresql, redis-server)', () =>
		ensureDebianPackages((line) => log(`  ${line}`)),
	);
	const [postgres, redis] = await timedStep(log, 'start Postgres and Redis', () =>
		Promise.all([
			startPostgres(services.postgresBinDir, dir, teardown),
			startRedis(services.redisServer, dir, teardown),
		]),
	);
	log(`  postgres on port ${postgres.port}, redis on port ${redis.port}`);
	const apiKey = `sk-queue-${crypto.randomBytes(12).toString('hex')}`;
	const sim = await startSimulator({ ...simulator, apiKey });
	teardown.add('simulator', () => sim.close());
	const install = await timedStep(log, `n8n ${N8N_VERSION} install (cache)`, () =>
		ensureN8n({ version: N8N_VERSION, node: 20 }),
	);
	const { tgz } = await timedStep(log, 'npm pack', () => packPackage(dir));
	const cluster = new QueueCluster({
		install,
		dir,
		postgres,
		redis,
		tarball: tgz,
		teardown,
		concurrency,
		env: { N8N_RESTRICT_FILE_ACCESS_TO: outDir, ...env },
	});
	return {
		dir,
		outDir,
		postgres,
		sim,
		apiKey,
		cluster,
		startMain: (workflows, publish) =>
			timedStep(log, 'import, publish, n8n start (main)', () =>
				cluster.startMain({
					credentials: [simulatorCredential(CREDENTIAL_ID, sim)],
					workflows,
					publish,
				}),
			),
	};
}
