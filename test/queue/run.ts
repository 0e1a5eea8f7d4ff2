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
 * Prints PASS/FAIL per check and `N passed, M failed`; exits 1 on any failure. Everything
 * started is stopped at the end, on failure and on Ctrl-C. QUEUE_KEEP=1 keeps the temporary
 * folder (user folders, database, written videos).
 */
import fs from 'node:fs';
import path from 'node:path';

import { sha256 } from '../../tools/files';
import { fmtMs } from '../../tools/n8n/install-n8n';
import {
	N8N_VERSION,
	type N8nWorker,
	type Postgres,
	Teardown,
	type WebhookAnswer,
	peakRssBytes,
	startQueueStack,
	timedStep,
	waitFor,
} from '../../tools/queue';
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

interface CheckResult {
	name: string;
	passed: boolean;
}

const results: CheckResult[] = [];

function say(line: string): void {
	process.stdout.write(`${line}\n`);
}

function indent(text: string): string {
	return text.split('\n').join('\n      ');
}

function assert(condition: unknown, message: string): asserts condition {
	if (!condition) throw new Error(message);
}

async function check(name: string, body: () => Promise<string>): Promise<void> {
	const started = Date.now();
	try {
		const detail = await body();
		say(
			`PASS  ${name} (${fmtMs(Date.now() - started)})${detail ? `\n      ${indent(detail)}` : ''}`,
		);
		results.push({ name, passed: true });
	} catch (error) {
		const message = error instanceof Error ? error.message : String(error);
		say(`FAIL  ${name} (${fmtMs(Date.now() - started)})\n      ${indent(message)}`);
		results.push({ name, passed: false });
	}
}

function step<T>(name: string, body: () => Promise<T>): Promise<T> {
	return timedStep(say, name, body);
}

function range(count: number): number[] {
	return Array.from({ length: count }, (_, index) => index);
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

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

async function main(): Promise<void> {
	const suiteStarted = Date.now();
	const teardown = new Teardown();
	teardown.stopOnInterruptOrCrash();
	say(`test:queue: n8n ${N8N_VERSION} in queue mode (main + 2 workers), Postgres, Redis`);
	try {
		const { outDir, postgres, sim, apiKey, cluster, startMain } = await startQueueStack({
			teardown,
			log: say,
			concurrency: WORKER_CONCURRENCY,
			env: { N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE: String(DATABASE_CAP_MIB) },
			simulator: { jobDurationMs: 3000, plan: planFromPrompt },
		});
		const video = videoWorkflow('queueVideo000001', outDir, MAX_IN_FLIGHT);
		const parked = createWaitRetrieveWorkflow('queueParked00001', outDir, PARKING_WAIT_SECONDS);
		const n8nMain = await startMain(
			[exampleWorkflow('webhook-create-job.json', EXAMPLE_ID), video.workflow, parked.workflow],
			[EXAMPLE_ID, video.id, parked.id],
		);
		const postVideos = (prompts: string[]) => n8nMain.postJson(video.hookPath, { prompts });
		await step('n8n worker-1', () => cluster.startWorker());

		await check(
			`one worker: at most ${MAX_IN_FLIGHT} requests in flight for the key (Max Requests in Flight ${MAX_IN_FLIGHT}, API answering after ${API_LATENCY_MS} ms)`,
			async () => {
				sim.configure({ latencyMs: API_LATENCY_MS });
				sim.resetStats();
				const marker = await lastExecutionId(postgres);
				const answers = await Promise.all(
					range(ONE_WORKER_CALLS).map((call) =>
						postVideos(
							range(PROMPTS_PER_CALL).map((prompt) => `one worker ${call}.${prompt} [job-ms=3000]`),
						),
					),
				);
				sim.configure({ latencyMs: 0 });
				for (const answer of answers) videoItems(answer, PROMPTS_PER_CALL);
				const executions = await finishedExecutions(postgres, video.id, marker, ONE_WORKER_CALLS);
				for (const execution of executions) ranOn(cluster.workers, execution.id);
				const overlapping = mostAtOnce(executions);
				const most = sim.maxInFlightForKey(apiKey);
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

		await step('n8n worker-2', () => cluster.startWorker());
		const { workers } = cluster;

		await check(
			'example webhook-create-job answers with a job id; its execution ran on a worker',
			async () => {
				const marker = await lastExecutionId(postgres);
				const answer = await n8nMain.postJson(EXAMPLE_HOOK, {
					prompt: 'A lighthouse in a storm, from a queue-mode webhook',
				});
				const id = (answer.body as { id?: string }).id;
				assert(
					answer.status === 202 && typeof id === 'string' && sim.jobs.has(id),
					`webhook answered ${answer.status}: ${JSON.stringify(answer.body)}`,
				);
				const [execution] = await finishedExecutions(postgres, EXAMPLE_ID, marker, 1);
				assert(execution.status === 'success', `execution ${execution.id}: ${execution.status}`);
				return `job ${id}, execution ${execution.id} on ${ranOn(workers, execution.id).name}`;
			},
		);

		await check(
			'create + wait + download on a worker: video in the database binary store, the next node writes the served bytes',
			async () => {
				const marker = await lastExecutionId(postgres);
				const [item] = videoItems(await postVideos(['one video [job-ms=3000]']), 1);
				const [execution] = await finishedExecutions(postgres, video.id, marker, 1);
				assert(execution.status === 'success', `execution ${execution.id}: ${execution.status}`);
				const worker = ranOn(workers, execution.id);
				const served = sim.videoSha256(item.id);
				const stored = await storedFiles(postgres, execution.id);
				const storedVideo = stored.find((file) => file.fileName === `${item.id}.mp4`);
				assert(
					storedVideo && storedVideo.mimeType === 'video/mp4' && storedVideo.sha256 === served,
					`binary_data rows of execution ${execution.id}: ${JSON.stringify(stored)}; served sha256 ${served}`,
				);
				const written = sha256(fs.readFileSync(path.join(outDir, `${item.id}.mp4`)));
				assert(written === served, `written file sha256 ${written} != served ${served}`);
				return `job ${item.id}, execution ${execution.id} on ${worker.name}: ${storedVideo.fileSize} bytes in binary_data, written file sha256 ${served.slice(0, 16)}… matches`;
			},
		);

		await check(
			`a video over the database store's cap (${DATABASE_CAP_MIB} MiB) fails naming the setting, the alternatives and the job id; nothing stored`,
			async () => {
				const marker = await lastExecutionId(postgres);
				const prompt = `too big [bytes=${OVER_CAP_BYTES}] [job-ms=1000]`;
				const answer = await postVideos([prompt]);
				assert(answer.status !== 200, `webhook answered 200: ${JSON.stringify(answer.body)}`);
				const jobId = sim.creates.find((create) => create.prompt === prompt)?.id;
				assert(jobId, 'the simulator saw no create for the over-cap prompt');
				const [execution] = await finishedExecutions(postgres, video.id, marker, 1);
				assert(execution.status === 'error', `execution ${execution.id}: ${execution.status}`);
				ranOn(workers, execution.id);
				const outcome = await executionOutcome(postgres, execution.id);
				const shown = [outcome.errorMessage, outcome.errorDescription].filter(Boolean).join('\n');
				const downloads = sim.requests.filter(
					(request) => request.route === 'content' && request.path.includes(jobId),
				).length;
				say(
					`      the message as the user sees it (after ${downloads} download attempt(s)):\n        ${shown.split('\n').join('\n        ')}`,
				);
				for (const [what, pattern] of [
					['the setting', /N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE/],
					['S3', /S3/],
					['the filesystem mode', /filesystem/i],
					['the job id', new RegExp(jobId)],
				] as const)
					assert(pattern.test(shown), `the message does not name ${what}`);
				assert(
					!outcome.nodesRun.includes('Write Video'),
					'the node after Comet Video ran: a file was passed on',
				);
				const stored = await storedFiles(postgres, execution.id);
				assert(!stored.length, `binary_data holds ${JSON.stringify(stored)}`);
				assert(!fs.existsSync(path.join(outDir, `${jobId}.mp4`)), 'a file was written');
				return `job ${jobId}, execution ${execution.id}: failed, no stored or written file`;
			},
		);

		// Started before the load so its wait overlaps it; checked after the load.
		const parkedMarker = await lastExecutionId(postgres);
		const parkedPrompt = `parked [job-ms=${(PARKING_WAIT_SECONDS / 2) * 1000}]`;
		const parkedAnswer = await n8nMain.postJson(parked.hookPath, { prompt: parkedPrompt });
		await waitFor("the parked workflow's create", () =>
			sim.creates.some((create) => create.prompt === parkedPrompt),
		);

		sim.configure({ latencyMs: API_LATENCY_MS });
		sim.resetStats();
		const marker = await lastExecutionId(postgres);
		const createsBefore = sim.creates.length;
		const loadStarted = Date.now();
		const answers = await Promise.all(
			range(LOAD_CALLS).map(async (call) => {
				await sleep((call * LOAD_SPREAD_MS) / LOAD_CALLS);
				return postVideos([`load ${call} [job-ms=${LOAD_JOB_MS}]`]);
			}),
		);
		const wallMs = Date.now() - loadStarted;
		sim.configure({ latencyMs: 0 });
		const mostInFlight = sim.maxInFlightForKey(apiKey);
		const loadExecutions = await finishedExecutions(postgres, video.id, marker, LOAD_CALLS);
		const perWorker = workers.map((worker) => {
			const ran = new Set(worker.executionIds());
			return loadExecutions.filter((execution) => ran.has(execution.id)).length;
		});
		say(
			`  load: ${LOAD_CALLS} calls, wall ${fmtMs(wallMs)}, ${((LOAD_CALLS * 1000) / wallMs).toFixed(1)} executions/s, ` +
				`most in flight for the key ${mostInFlight}, ` +
				workers
					.map(
						(worker, index) =>
							`${worker.name}: ${perWorker[index]} executions, peak RSS ${mib(peakRssBytes(worker.pid))}`,
					)
					.join(', '),
		);

		await check(
			`load: ${LOAD_CALLS} webhook calls (${LOAD_JOB_MS / 1000} s jobs) all succeed across both workers, every written file as served`,
			async () => {
				const failedAnswers = answers.filter((answer) => answer.status !== 200);
				if (failedAnswers.length) {
					const example = JSON.stringify(failedAnswers[0]).slice(0, 300);
					throw new Error(`${failedAnswers.length} calls failed, e.g. ${example}`);
				}
				for (const answer of answers) {
					const [item] = videoItems(answer, 1);
					const written = sha256(fs.readFileSync(path.join(outDir, `${item.id}.mp4`)));
					assert(
						written === sim.videoSha256(item.id),
						`${item.id}.mp4 differs from the served video`,
					);
				}
				const statuses = loadExecutions.map((execution) => execution.status);
				assert(
					statuses.length === LOAD_CALLS && statuses.every((status) => status === 'success'),
					`executions: ${statuses.length}, not successful: ${statuses.filter((status) => status !== 'success').join(', ')}`,
				);
				assert(
					perWorker.every((count) => count > 0) && perWorker[0] + perWorker[1] === LOAD_CALLS,
					`executions per worker: ${perWorker.join(' + ')}`,
				);
				return `${LOAD_CALLS} executions succeeded (${perWorker.join(' + ')} per worker) in ${fmtMs(wallMs)}`;
			},
		);

		await check(`load: the simulator saw exactly ${LOAD_CALLS} creates`, async () => {
			const creates = sim.creates.length - createsBefore;
			assert(creates === LOAD_CALLS, `${creates} creates`);
			return `${creates} creates`;
		});

		await check(
			`two workers: at most ${MAX_IN_FLIGHT * workers.length} requests in flight for the key during the load (${MAX_IN_FLIGHT} per worker)`,
			async () => {
				assert(mostInFlight <= MAX_IN_FLIGHT * workers.length, `${mostInFlight} in flight`);
				return `most in flight: ${mostInFlight}`;
			},
		);

		await check(
			`create -> Wait ${PARKING_WAIT_SECONDS} s -> retrieve: the wait parks the execution in Postgres (its worker slot freed), a worker resumes it and downloads`,
			async () => {
				assert(parkedAnswer.status === 200, `webhook answered ${parkedAnswer.status}`);
				const [execution] = await finishedExecutions(
					postgres,
					parked.id,
					parkedMarker,
					1,
					(PARKING_WAIT_SECONDS + 60) * 1000,
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
					`workers started execution ${execution.id} ${startedOn.length} time(s), expected 2 (before and after the wait)`,
				);
				const jobId = sim.creates.find((create) => create.prompt === parkedPrompt)?.id as string;
				const [stored] = await storedFiles(postgres, execution.id);
				const served = sim.videoSha256(jobId);
				assert(
					stored?.sha256 === served,
					`binary_data: ${JSON.stringify(stored)}, served ${served}`,
				);
				const written = sha256(fs.readFileSync(path.join(outDir, `${jobId}.mp4`)));
				assert(written === served, `written file sha256 ${written} != served ${served}`);
				return `job ${jobId}, execution ${execution.id}: started on ${startedOn[0]}, parked, resumed on ${startedOn[1]}; video stored and written as served`;
			},
		);

		await check(
			'no API key in any execution data (Postgres execution_data) or n8n log',
			async () => {
				const leaks = await executionsContaining(postgres, apiKey);
				assert(leaks === 0, `${leaks} executions hold the key`);
				const logs = [n8nMain.logs(), ...workers.map((worker) => worker.logs())];
				assert(!logs.some((text) => text.includes(apiKey)), 'an n8n log holds the key');
				const [[executions]] = await postgres.query('SELECT count(*) FROM execution_data');
				return `searched ${executions} executions' data and ${logs.length} logs`;
			},
		);
	} catch (error) {
		await check('queue-mode setup', async () => {
			throw error;
		});
	} finally {
		await teardown.run();
	}
	say(`total run time: ${fmtMs(Date.now() - suiteStarted)}`);
	const passed = results.filter((result) => result.passed).length;
	say(`${passed} passed, ${results.length - passed} failed`);
	process.exitCode = passed === results.length && passed > 0 ? 0 : 1;
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
	say('0 passed, 1 failed');
	process.exit(1);
});
