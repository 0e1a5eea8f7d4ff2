/**
 * Queue-mode suite: this package inside n8n's own distributed engine.
 *
 *   npm run test:queue       (builds first)
 *
 * Starts PostgreSQL and Redis from Debian's packages (installed with apt-get when missing) on
 * loopback ports in a temporary folder, the CometAPI simulator in this process, and n8n 2.8.4
 * (the end-to-end suite's install, tools/n8n) in queue mode: one main (`n8n start`, which
 * answers the webhooks and puts executions on Redis) and two workers (`n8n worker`, which run
 * them), one shared encryption key, the packed package installed in each one's user folder.
 * Binary data stays in n8n's queue-mode default, the `database` mode, with its cap lowered to
 * 2 MiB (N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE) so the over-the-cap case stays small.
 *
 * Checks, in order:
 * 1. One key, one budget per process. The simulator records, per API key, the most requests in
 *    flight at once; it cannot tell which n8n process sent a request, so the proof is in two
 *    phases. First only worker-1 runs: 8 webhook calls of 5 prompts each, the API answering
 *    after 250 ms, Max Requests in Flight = 5. Each execution alone may have 5 requests in flight,
 *    so as soon as two executions overlap on the worker (checked from their start and stop
 *    times in Postgres) per-execution budgets would let 10 or more reach the key: the most in
 *    flight must still be <= 5. Then worker-2 starts, and during the load (check 5) the most
 *    in flight must be <= 10, i.e. 5 per worker: budgets add up across processes, as the
 *    README says.
 * 2. The example webhook workflow (examples/webhook-create-job.json) answers with a job id; the
 *    execution was started by a worker (its log says "Worker started execution <id>").
 * 3. Webhook -> Comet Video (Create, wait, download) -> Write Files to Disk: runs on a worker,
 *    the video is in n8n's database binary store (Postgres table binary_data) and the file the
 *    following node wrote has the sha256 of what the simulator served.
 * 4. A video over the database store's cap fails with a message naming the setting, the
 *    alternatives (filesystem on a shared volume, S3) and the job id; no file is stored or
 *    written. The message is printed as the user sees it.
 * 5. Load: 200 webhook calls within about 2 s, each a Create + wait + download of a 10 s job,
 *    across both workers: all succeed, the simulator saw exactly 200 creates; prints wall time,
 *    throughput and each worker's peak memory (VmHWM of the worker process).
 * 6. Create -> Wait 65 s -> Retrieve (started just before the load): n8n parks the execution in
 *    Postgres, which frees its worker slot, and a worker resumes it: the workers' logs say it
 *    was started twice, and the video it downloads after the wait is stored as served.
 * 7. No API key in any execution's stored data (Postgres execution_data) nor in n8n's logs.
 *
 * One case per check (tools/suite: PASS/FAIL lines, `N passed, N failed`, `--only <case>`;
 * checks 5 form the case `load`). Everything started is stopped at the end, on failure and on
 * Ctrl-C. QUEUE_KEEP=1 keeps the temporary folder (user folders, database, written videos).
 */
import fs from 'node:fs';
import path from 'node:path';

import { sha256 } from '../../tools/files';
import { seconds } from '../../tools/process';
import {
	N8N_VERSION,
	type N8nMain,
	type N8nWorker,
	type Postgres,
	type QueueStack,
	Teardown,
	type WebhookAnswer,
	peakRssBytes,
	startQueueStack,
	timedStep,
	waitFor,
} from '../../tools/queue';
import { assert, defineCase, runSuite, say } from '../../tools/suite';
import {
	createWaitRetrieveWorkflow,
	exampleWorkflow,
	videoWorkflow,
} from '../../tools/queue/workflows';
import {
	type ExecutionRow,
	executionOutcome,
	executionsAfter,
	executionsContaining,
	lastExecutionId,
	mostAtOnce,
	storedFiles,
} from './executions';

const MAX_IN_FLIGHT = 5;
const API_LATENCY_MS = 250;
const WORKER_CONCURRENCY = 50;
const DATABASE_CAP_MIB = 2;
const OVER_CAP_BYTES = 3 * 1024 * 1024;
const ONE_WORKER_CALLS = 8;
const PROMPTS_PER_CALL = 5;
const LOAD_CALLS = 200;
const LOAD_JOB_MS = 10_000;
const LOAD_SPREAD_MS = 2_000;
const EXAMPLE_ID = 'queueExWebhook01';
const EXAMPLE_HOOK = 'comet-video';
// n8n parks executions whose Wait node lasts at least this long (shorter waits stay in memory).
const PARKING_WAIT_SECONDS = 65;

/**
 * Prompts carry the simulator's plan for their job, so one simulator serves every case:
 * `[job-ms=N]` sets how long the job runs, `[bytes=N]` the video's size.
 */
function planFromPrompt(create: { prompt: string }): { durationMs?: number; videoBytes?: number } {
	const number = (name: string) => {
		const match = new RegExp(`\\[${name}=(\\d+)\\]`).exec(create.prompt);
		return match ? Number(match[1]) : undefined;
	};
	return { durationMs: number('job-ms'), videoBytes: number('bytes') };
}

interface VideoItem {
	id: string;
	status: string;
}

function videoItems(answer: WebhookAnswer, expected: number): VideoItem[] {
	assert(
		answer.status === 200 && Array.isArray(answer.body) && answer.body.length === expected,
		`webhook answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 500)}`,
	);
	const items = answer.body as VideoItem[];
	for (const item of items)
		assert(item.status === 'completed', `item not completed: ${JSON.stringify(item)}`);
	return items;
}

/** The executions of a workflow after `afterId`, once `count` of them have finished. */
async function finishedExecutions(
	postgres: Postgres,
	workflowId: string,
	afterId: number,
	count: number,
	timeoutMs?: number,
): Promise<ExecutionRow[]> {
	let executions: ExecutionRow[] = [];
	await waitFor(
		`${count} finished execution(s) of ${workflowId}`,
		async () => {
			executions = await executionsAfter(postgres, workflowId, afterId);
			return (
				executions.length >= count &&
				executions.every((execution) => !['new', 'running', 'waiting'].includes(execution.status))
			);
		},
		{ timeoutMs },
	);
	return executions;
}

function ranOn(workers: N8nWorker[], executionId: string): N8nWorker {
	const worker = workers.find((candidate) => candidate.executionIds().includes(executionId));
	assert(worker, `no worker's log says it started execution ${executionId}`);
	return worker;
}

function mib(bytes: number): string {
	return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

function range(count: number): number[] {
	return Array.from({ length: count }, (_, index) => index);
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

interface QueueContext extends QueueStack {
	n8nMain: N8nMain;
	workers: N8nWorker[];
	/** Starts workers until there are `count`. */
	ensureWorkers(count: number): Promise<N8nWorker[]>;
	postVideos(prompts: string[]): Promise<WebhookAnswer>;
	/** The parked execution, started once (the load case starts it first, so its wait overlaps the load). */
	startParked(): Promise<{ marker: number; prompt: string; answer: Promise<WebhookAnswer> }>;
}

const video = (outDir: string) => videoWorkflow('queueVideo000001', outDir, MAX_IN_FLIGHT);
const parked = (outDir: string) =>
	createWaitRetrieveWorkflow('queueParked00001', outDir, PARKING_WAIT_SECONDS);

async function queueContext(teardown: Teardown): Promise<QueueContext> {
	const stack = await startQueueStack({
		teardown,
		log: say,
		concurrency: WORKER_CONCURRENCY,
		env: { N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE: String(DATABASE_CAP_MIB) },
		simulator: { jobDurationMs: 3000, plan: planFromPrompt },
	});
	const [videoFlow, parkedFlow] = [video(stack.outDir), parked(stack.outDir)];
	const n8nMain = await stack.startMain(
		[
			exampleWorkflow('webhook-create-job.json', EXAMPLE_ID),
			videoFlow.workflow,
			parkedFlow.workflow,
		],
		[EXAMPLE_ID, videoFlow.id, parkedFlow.id],
	);
	let parkedRun: ReturnType<QueueContext['startParked']> | undefined;
	const context: QueueContext = {
		...stack,
		n8nMain,
		workers: stack.cluster.workers,
		async ensureWorkers(count) {
			while (stack.cluster.workers.length < count)
				await timedStep(say, `n8n worker-${stack.cluster.workers.length + 1}`, () =>
					stack.cluster.startWorker(),
				);
			return stack.cluster.workers;
		},
		postVideos: (prompts) => n8nMain.postJson(videoFlow.hookPath, { prompts }),
		startParked() {
			parkedRun ??= (async () => {
				const marker = await lastExecutionId(stack.postgres);
				const prompt = `parked [job-ms=${(PARKING_WAIT_SECONDS / 2) * 1000}]`;
				const answer = n8nMain.postJson(parkedFlow.hookPath, { prompt });
				await waitFor("the parked workflow's create", () =>
					stack.sim.creates.some((create) => create.prompt === prompt),
				);
				return { marker, prompt, answer };
			})();
			return parkedRun;
		},
	};
	return context;
}

const oneWorker = defineCase<QueueContext>(
	'one-worker',
	`one worker: at most ${MAX_IN_FLIGHT} requests in flight for the key (Max Requests in Flight ${MAX_IN_FLIGHT}, API answering after ${API_LATENCY_MS} ms)`,
	async (c) => {
		assert((await c.ensureWorkers(1)).length === 1, 'a second worker runs already');
		c.sim.configure({ latencyMs: API_LATENCY_MS });
		c.sim.resetStats();
		const marker = await lastExecutionId(c.postgres);
		const answers = await Promise.all(
			range(ONE_WORKER_CALLS).map((call) =>
				c.postVideos(range(PROMPTS_PER_CALL).map((p) => `one worker ${call}.${p} [job-ms=3000]`)),
			),
		);
		c.sim.configure({ latencyMs: 0 });
		for (const answer of answers) videoItems(answer, PROMPTS_PER_CALL);
		const executions = await finishedExecutions(
			c.postgres,
			'queueVideo000001',
			marker,
			ONE_WORKER_CALLS,
		);
		for (const execution of executions) ranOn(c.workers, execution.id);
		const overlapping = mostAtOnce(executions);
		const most = c.sim.maxInFlightForKey(c.apiKey);
		const detail =
			`most requests in flight for the key: ${most} (limit ${MAX_IN_FLIGHT}); ` +
			`${overlapping} executions ran at once on worker-1, allowed ${overlapping * MAX_IN_FLIGHT} with a budget per execution`;
		assert(
			overlapping >= 2,
			`${detail}: the phase needs overlapping executions to tell the two apart`,
		);
		assert(most <= MAX_IN_FLIGHT, detail);
		return detail;
	},
);

const webhookExample = defineCase<QueueContext>(
	'webhook-example',
	'example webhook-create-job answers with a job id; its execution ran on a worker',
	async (c) => {
		const workers = await c.ensureWorkers(2);
		const marker = await lastExecutionId(c.postgres);
		const answer = await c.n8nMain.postJson(EXAMPLE_HOOK, {
			prompt: 'A lighthouse in a storm, from a queue-mode webhook',
		});
		const id = (answer.body as { id?: string }).id;
		assert(
			answer.status === 202 && typeof id === 'string' && c.sim.jobs.has(id),
			`webhook answered ${answer.status}: ${JSON.stringify(answer.body)}`,
		);
		const [execution] = await finishedExecutions(c.postgres, EXAMPLE_ID, marker, 1);
		assert(execution.status === 'success', `execution ${execution.id}: ${execution.status}`);
		return `job ${id}, execution ${execution.id} on ${ranOn(workers, execution.id).name}`;
	},
);

const storedVideo = defineCase<QueueContext>(
	'stored-video',
	'create + wait + download on a worker: video in the database binary store, the next node writes the served bytes',
	async (c) => {
		const workers = await c.ensureWorkers(2);
		const marker = await lastExecutionId(c.postgres);
		const [item] = videoItems(await c.postVideos(['one video [job-ms=3000]']), 1);
		const [execution] = await finishedExecutions(c.postgres, 'queueVideo000001', marker, 1);
		assert(execution.status === 'success', `execution ${execution.id}: ${execution.status}`);
		const served = c.sim.videoSha256(item.id);
		const stored = (await storedFiles(c.postgres, execution.id)).find(
			(file) => file.fileName === `${item.id}.mp4`,
		);
		assert(
			stored?.mimeType === 'video/mp4' && stored.sha256 === served,
			`binary_data of execution ${execution.id}: ${JSON.stringify(stored)}; served sha256 ${served}`,
		);
		const written = sha256(fs.readFileSync(path.join(c.outDir, `${item.id}.mp4`)));
		assert(written === served, `written file sha256 ${written} != served ${served}`);
		return `job ${item.id}, execution ${execution.id} on ${ranOn(workers, execution.id).name}: ${stored.fileSize} bytes in binary_data, written file matches`;
	},
);

const overCap = defineCase<QueueContext>(
	'over-cap',
	`a video over the database store's cap (${DATABASE_CAP_MIB} MiB) fails naming the setting, the alternatives and the job id; nothing stored`,
	async (c) => {
		const workers = await c.ensureWorkers(2);
		const marker = await lastExecutionId(c.postgres);
		const prompt = `too big [bytes=${OVER_CAP_BYTES}] [job-ms=1000]`;
		const answer = await c.postVideos([prompt]);
		assert(answer.status !== 200, `webhook answered 200: ${JSON.stringify(answer.body)}`);
		const jobId = c.sim.creates.find((create) => create.prompt === prompt)?.id;
		assert(jobId, 'the simulator saw no create for the over-cap prompt');
		const [execution] = await finishedExecutions(c.postgres, 'queueVideo000001', marker, 1);
		assert(execution.status === 'error', `execution ${execution.id}: ${execution.status}`);
		ranOn(workers, execution.id);
		const outcome = await executionOutcome(c.postgres, execution.id);
		const shown = [outcome.errorMessage, outcome.errorDescription].filter(Boolean).join('\n');
		for (const [what, pattern] of [
			['the setting', /N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE/],
			['S3', /S3/],
			['the filesystem mode', /filesystem/i],
			['the job id', new RegExp(jobId)],
		] as const)
			assert(pattern.test(shown), `the message does not name ${what}: ${shown}`);
		assert(
			!outcome.nodesRun.includes('Write Video'),
			'the node after Comet Video ran: a file was passed on',
		);
		const stored = await storedFiles(c.postgres, execution.id);
		assert(!stored.length, `binary_data holds ${JSON.stringify(stored)}`);
		assert(!fs.existsSync(path.join(c.outDir, `${jobId}.mp4`)), 'a file was written');
		return `the message as the user sees it:\n  ${shown.split('\n').join('\n  ')}`;
	},
);

const load = defineCase<QueueContext>(
	'load',
	`load: ${LOAD_CALLS} webhook calls (${LOAD_JOB_MS / 1000} s jobs) all succeed across both workers, exactly ${LOAD_CALLS} creates, at most ${MAX_IN_FLIGHT} in flight per worker, every written file as served`,
	async (c) => {
		const workers = await c.ensureWorkers(2);
		await c.startParked();
		c.sim.configure({ latencyMs: API_LATENCY_MS });
		c.sim.resetStats();
		const marker = await lastExecutionId(c.postgres);
		const createsBefore = c.sim.creates.length;
		const started = Date.now();
		const answers = await Promise.all(
			range(LOAD_CALLS).map(async (call) => {
				await sleep((call * LOAD_SPREAD_MS) / LOAD_CALLS);
				return c.postVideos([`load ${call} [job-ms=${LOAD_JOB_MS}]`]);
			}),
		);
		const wallMs = Date.now() - started;
		c.sim.configure({ latencyMs: 0 });
		const mostInFlight = c.sim.maxInFlightForKey(c.apiKey);
		const executions = await finishedExecutions(c.postgres, 'queueVideo000001', marker, LOAD_CALLS);
		const perWorker = workers.map((worker) => {
			const ran = new Set(worker.executionIds());
			return executions.filter((execution) => ran.has(execution.id)).length;
		});
		for (const answer of answers) {
			const [item] = videoItems(answer, 1);
			const written = sha256(fs.readFileSync(path.join(c.outDir, `${item.id}.mp4`)));
			assert(
				written === c.sim.videoSha256(item.id),
				`${item.id}.mp4 differs from the served video`,
			);
		}
		const failed = executions.filter((execution) => execution.status !== 'success');
		assert(
			executions.length === LOAD_CALLS && !failed.length,
			`${executions.length} executions, ${failed.length} not successful`,
		);
		assert(
			perWorker.every((count) => count > 0),
			`executions per worker: ${perWorker.join(' + ')}`,
		);
		const creates = c.sim.creates.length - createsBefore;
		assert(creates === LOAD_CALLS, `${creates} creates`);
		assert(mostInFlight <= MAX_IN_FLIGHT * workers.length, `${mostInFlight} in flight for the key`);
		const rss = workers.map((w) => `${w.name} peak RSS ${mib(peakRssBytes(w.pid))}`).join(', ');
		return `${LOAD_CALLS} executions (${perWorker.join(' + ')} per worker) in ${seconds(wallMs)}, ${((LOAD_CALLS * 1000) / wallMs).toFixed(1)} executions/s, ${creates} creates, most in flight ${mostInFlight}; ${rss}`;
	},
);

const parkedWait = defineCase<QueueContext>(
	'parked-wait',
	`create -> Wait ${PARKING_WAIT_SECONDS} s -> retrieve: the wait parks the execution in Postgres (its worker slot freed), a worker resumes it and downloads`,
	async (c) => {
		const workers = await c.ensureWorkers(2);
		const { marker, prompt, answer } = await c.startParked();
		assert((await answer).status === 200, `webhook answered ${(await answer).status}`);
		const timeoutMs = (PARKING_WAIT_SECONDS + 60) * 1000;
		const [execution] = await finishedExecutions(
			c.postgres,
			'queueParked00001',
			marker,
			1,
			timeoutMs,
		);
		assert(execution.status === 'success', `execution ${execution.id}: ${execution.status}`);
		const startedOn = workers.flatMap((worker) =>
			worker
				.executionIds()
				.filter((id) => id === execution.id)
				.map(() => worker.name),
		);
		assert(
			startedOn.length === 2,
			`started ${startedOn.length} time(s), expected 2 (before and after the wait)`,
		);
		const jobId = c.sim.creates.find((create) => create.prompt === prompt)?.id as string;
		const [stored] = await storedFiles(c.postgres, execution.id);
		const served = c.sim.videoSha256(jobId);
		assert(stored?.sha256 === served, `binary_data: ${JSON.stringify(stored)}, served ${served}`);
		const written = sha256(fs.readFileSync(path.join(c.outDir, `${jobId}.mp4`)));
		assert(written === served, `written file sha256 ${written} != served ${served}`);
		return `job ${jobId}, execution ${execution.id}: started on ${startedOn[0]}, parked, resumed on ${startedOn[1]}`;
	},
);

const noKey = defineCase<QueueContext>(
	'no-key',
	'no API key in any execution data (Postgres execution_data) or n8n log',
	async (c) => {
		const leaks = await executionsContaining(c.postgres, c.apiKey);
		assert(leaks === 0, `${leaks} executions hold the key`);
		const logs = [c.n8nMain.logs(), ...c.workers.map((worker) => worker.logs())];
		assert(!logs.some((text) => text.includes(c.apiKey)), 'an n8n log holds the key');
		const [[executions]] = await c.postgres.query('SELECT count(*) FROM execution_data');
		return `searched ${executions} executions' data and ${logs.length} logs`;
	},
);

runSuite('test:queue', async (suite) => {
	const teardown = new Teardown();
	teardown.stopOnInterruptOrCrash();
	say(`test:queue: n8n ${N8N_VERSION} in queue mode (main + 2 workers), Postgres, Redis`);
	await suite.group(
		{
			label: 'queue',
			context: async () => ({ ...(await queueContext(teardown)), close: () => teardown.run() }),
		},
		[oneWorker, webhookExample, storedVideo, overCap, load, parkedWait, noKey],
	);
	await teardown.run();
});
