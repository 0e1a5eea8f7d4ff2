/**
 * The benchmark's queue-mode row: n8n 2.8.4 in queue mode (tools/queue: Postgres, Redis, one
 * main, workers at n8n's default concurrency), N webhook calls at once, each one execution of
 * Webhook -> Comet Video (Create, wait, download) -> Write Files to Disk for one video. Wall
 * time of the N against N × one execution's time (the best of a few executions alone, so the
 * speed-up is if anything understated).
 */
import { seconds } from '../../tools/process';
import { type N8nMain, Teardown, peakRssBytes, startQueueStack } from '../../tools/queue';
import { videoWorkflow } from '../../tools/queue/workflows';
import { markdownTable, MiB } from './lib';

export interface QueueBenchConfig {
	executions: number;
	workers: number;
	/** Jobs each worker runs at once (`n8n worker --concurrency`). */
	concurrency: number;
	jobSeconds: number;
	videoKiB: number;
	/** The node's Max Requests in Flight. */
	maxInFlight: number;
}

export interface QueueBenchResult extends QueueBenchConfig {
	/** Webhook round trips of single executions run one after another. */
	singleMs: number[];
	wallMs: number;
	succeeded: number;
	executionsPerWorker: number[];
	peakRssBytesPerWorker: number[];
}

const SINGLE_RUNS = 3;
const WORKFLOW_ID = 'benchQueueVideo1';

/** One webhook call for one video; its round trip in ms, or NaN when it did not succeed. */
async function oneVideo(main: N8nMain, hookPath: string, prompt: string): Promise<number> {
	const started = Date.now();
	const answer = await main.postJson(hookPath, { prompts: [prompt] });
	const items = answer.body as Array<{ status?: string }>;
	const ok = answer.status === 200 && Array.isArray(items) && items[0]?.status === 'completed';
	return ok ? Date.now() - started : NaN;
}

export async function runQueueBench(
	config: QueueBenchConfig,
	log: (line: string) => void,
): Promise<QueueBenchResult> {
	const teardown = new Teardown();
	teardown.stopOnInterruptOrCrash();
	try {
		const stack = await startQueueStack({
			teardown,
			log,
			concurrency: config.concurrency,
			simulator: { jobDurationMs: config.jobSeconds * 1000, videoBytes: config.videoKiB * 1024 },
		});
		const workflow = videoWorkflow(WORKFLOW_ID, stack.outDir, config.maxInFlight);
		const main = await stack.startMain([workflow.workflow], [workflow.id]);
		for (let index = 0; index < config.workers; index++) await stack.cluster.startWorker();
		const singleMs: number[] = [];
		for (let run = 0; run < SINGLE_RUNS; run++) {
			singleMs.push(await oneVideo(main, workflow.hookPath, `single ${run}`));
			log(`  one execution alone: ${seconds(singleMs[run])}`);
		}
		const workers = stack.cluster.workers;
		const singleRunsPerWorker = workers.map((worker) => worker.executionIds().length);
		const started = Date.now();
		const roundTrips = await Promise.all(
			Array.from({ length: config.executions }, (_, call) =>
				oneVideo(main, workflow.hookPath, `queue ${call}`),
			),
		);
		const wallMs = Date.now() - started;
		return {
			...config,
			singleMs,
			wallMs,
			succeeded: roundTrips.filter(Number.isFinite).length,
			executionsPerWorker: workers.map(
				(worker, index) => worker.executionIds().length - singleRunsPerWorker[index],
			),
			peakRssBytesPerWorker: workers.map((worker) => peakRssBytes(worker.pid)),
		};
	} finally {
		await teardown.run();
	}
}

/** The queue-mode table, in Markdown. */
export function queueTable(result: QueueBenchResult): string {
	const s = (ms: number) => (ms / 1000).toFixed(1);
	const single = Math.min(...result.singleMs);
	const sequential = single * result.executions;
	const header = [
		'executions',
		'workers × concurrency',
		`one execution alone (s, best of ${SINGLE_RUNS})`,
		'N × one (s)',
		'wall time (s)',
		'speed-up',
		'executions/s',
		'executions per worker',
		'peak RSS per worker (MiB)',
		'succeeded',
	];
	const row = [
		result.executions,
		`${result.workers} × ${result.concurrency}`,
		s(single),
		s(sequential),
		s(result.wallMs),
		`${(sequential / result.wallMs).toFixed(1)}×`,
		((result.executions * 1000) / result.wallMs).toFixed(2),
		result.executionsPerWorker.join(' / '),
		result.peakRssBytesPerWorker.map((bytes) => (bytes / MiB).toFixed(0)).join(' / '),
		`${result.succeeded} / ${result.executions}`,
	];
	return markdownTable(header, [row]);
}
