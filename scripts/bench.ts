/**
 * Benchmark of the Comet Video node against the CometAPI simulator, inside real n8n workflow
 * executions (tools/harness). `npm run bench` builds first; then:
 *
 *   npx tsx scripts/bench.ts [--job-seconds 10] [--items 1,10,50] [--baseline-items 1,10,50]
 *                         [--memory-runs 5] [--memory-mib 1024]
 *                         [--video-kib 64] [--latency-ms 250] [--queue-executions 40]
 *                         [--skip-concurrency] [--skip-memory] [--skip-queue] [--quick] [--json FILE]
 *
 * Every flag also reads from the environment: BENCH_JOB_SECONDS, BENCH_ITEMS,
 * BENCH_BASELINE_ITEMS, BENCH_MEMORY_RUNS, BENCH_MEMORY_MIB, BENCH_VIDEO_KIB,
 * BENCH_LATENCY_MS, BENCH_QUEUE_EXECUTIONS, BENCH_JSON. An empty list skips that part (e.g. --memory-mode-mib '').
 * `--quick` is T = 2 s, N = 1,10, one memory round of 64 MiB, 20 queue-mode executions.
 * The full run (defaults) takes about 13 minutes, most of it the 50-item baseline (~9 min at T=10).
 * `--baseline-items` lists the N whose one-at-a-time baseline is measured; for the others the
 * baseline is extrapolated (N × the mean single-item execution) and marked so.
 *
 * 1. Concurrency (simulator in a child process, scripts/bench/sim-server.ts, its request log and
 *    in-flight counter read over IPC): one execution of Create (wait on, download on, default
 *    options) with N items, beside a baseline of N sequential single-item executions in the same
 *    process. One more run of the largest N with --latency-ms added to every simulator answer,
 *    so requests queue and the in-flight limit is actually exercised.
 * 2. Download memory (scripts/bench/memory.ts): in real n8n 2.8.4, Comet Video's Download beside
 *    n8n's own OpenAI node and a plain Node copy, a big file against 300 KiB, interleaved rounds.
 * 3. Queue mode (scripts/bench/queue.ts): n8n 2.8.4 with Postgres, Redis, one main and two workers
 *    at n8n's default concurrency (10); N webhook calls at once, each one execution of Create
 *    (wait, download) for one T-second job, against N × one execution alone.
 */
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { NODE_TYPE } from '../tools/constants';
import { simulatorCredentialData } from '../tools/simulator-access';
import { sha256 } from '../tools/files';
import { runWorkflow, type RunWorkflowOptions, type WorkflowResult } from '../tools/harness';
import type { RuntimeOptions, SimulatorOptions } from '../tools/simulator';
import { TYPESCRIPT_NODE_FLAGS } from '../tools/typescript-runner';

import { listOf, markdownTable } from './bench/lib';
import { runMemoryBench } from './bench/memory';
import { queueTable, runQueueBench } from './bench/queue';
import type {
	CommandMessage,
	ReplyMessage,
	SimulatorCommands,
	SimulatorStats,
} from './bench/sim-server';

// The node's defaults, as nodes/CometVideo/actions/options.ts declares them.
const DEFAULT_MAX_IN_FLIGHT = 5;
const DEFAULT_POLL_INTERVAL_S = 10;
const API_KEY = 'sk-bench-key';

// ------------------------------------------------------------------------------------------ args

function parseArgs(argv: string[]) {
	const flags: Record<string, string | true> = {};
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		if (!arg.startsWith('--')) throw new Error(`Unexpected argument: ${arg}`);
		const [name, inline] = arg.slice(2).split('=', 2);
		if (['quick', 'skip-concurrency', 'skip-memory', 'skip-queue', 'help'].includes(name)) {
			flags[name] = true;
		} else if (inline !== undefined) {
			flags[name] = inline;
		} else if (i + 1 < argv.length) {
			flags[name] = argv[++i];
		} else {
			throw new Error(`${arg} needs a value`);
		}
	}
	const known = new Set([
		'quick',
		'skip-concurrency',
		'skip-memory',
		'skip-queue',
		'help',
		'job-seconds',
		'items',
		'baseline-items',
		'memory-runs',
		'memory-mib',
		'video-kib',
		'latency-ms',
		'queue-executions',
		'json',
	]);
	for (const name of Object.keys(flags))
		if (!known.has(name)) throw new Error(`Unknown flag --${name}`);
	const env = (name: string) => process.env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
	const flagValue = (name: string) => {
		const value = flags[name];
		return typeof value === 'string' ? value : undefined;
	};
	const pick = (name: string, quick: string, normal: string) =>
		flagValue(name) ?? env(name) ?? (flags.quick ? quick : normal);

	const items = listOf(pick('items', '1,10', '1,10,50'));
	const config = {
		help: flags.help === true,
		quick: flags.quick === true,
		jobSeconds: Number(pick('job-seconds', '2', '10')),
		items,
		baselineItems: listOf(pick('baseline-items', items.join(','), items.join(','))),
		memoryRuns: Number(pick('memory-runs', '1', '5')),
		memoryMiB: Number(pick('memory-mib', '64', '1024')),
		videoKiB: Number(pick('video-kib', '64', '64')),
		latencyMs: Number(pick('latency-ms', '250', '250')),
		skipConcurrency: flags['skip-concurrency'] === true,
		skipMemory: flags['skip-memory'] === true,
		queueExecutions: Number(pick('queue-executions', '20', '40')),
		skipQueue: flags['skip-queue'] === true,
		json: flagValue('json') ?? env('json'),
	};
	if (!(config.jobSeconds >= 0)) throw new Error('--job-seconds must be a number ≥ 0');
	return config;
}

type Config = ReturnType<typeof parseArgs>;
type RunWorkflow = (options: RunWorkflowOptions) => Promise<WorkflowResult>;

/** One execution with N items. */
interface NodeRun {
	wallMs: number;
	status: WorkflowResult['status'];
	error: string | undefined;
	verified: string | undefined;
	stats: SimulatorStats;
}

/** N single-item executions one after the other, measured or extrapolated. */
interface BaselineRun {
	wallMs: number;
	measured: boolean;
	meanRunMs: number;
	runs?: number[];
	verified?: string;
	stats?: SimulatorStats;
}

type MeasuredBaseline = BaselineRun & { runs: number[]; verified: string; stats: SimulatorStats };

interface ConcurrencyRow {
	n: number;
	node: NodeRun;
	baseline?: BaselineRun;
	latencyMs?: number;
	/** Row title in the table, instead of N. */
	label?: string;
}

interface Concurrency {
	jobSeconds: number;
	videoBytes: number;
	rows: ConcurrencyRow[];
	latencyRows: ConcurrencyRow[];
}

/** The simulator process of the concurrency part, as the bench drives it. */
type SimulatorServer = { url: string; apiKey: string } & {
	[K in keyof SimulatorCommands]: (
		...args: Parameters<SimulatorCommands[K]>
	) => Promise<Awaited<ReturnType<SimulatorCommands[K]>>>;
};

// ------------------------------------------------------------------------------------ formatting

const s = (ms: number) => (ms / 1000).toFixed(2);
const log = (...args: string[]) => process.stderr.write(`${args.join(' ')}\n`);

function machine() {
	const cpus = os.cpus();
	return {
		cpus: cpus.length,
		cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
		node: process.version,
		platform: `${os.type()} ${os.release()} ${os.arch()}`,
		memoryGiB: (os.totalmem() / 1024 ** 3).toFixed(1),
		loadAvg: os
			.loadavg()
			.map((n) => n.toFixed(2))
			.join(' '),
	};
}

// ----------------------------------------------------------------------------------- concurrency

function createWorkflow(
	n: number,
	credentials: RunWorkflowOptions['credentials'],
): RunWorkflowOptions {
	return {
		nodes: [
			{
				name: 'Start',
				type: 'test.start',
				parameters: { items: Array.from({ length: n }, (_, i) => ({ json: { i } })) },
			},
			{
				name: 'Video',
				type: NODE_TYPE,
				parameters: {
					operation: 'create',
					model: { __rl: true, mode: 'list', value: 'veo3.1-fast' },
					prompt: '=A paper boat drifting down a rainy street, take {{ $json.i }}',
					waitForCompletion: true,
					downloadWhenComplete: true,
					binaryPropertyName: 'data',
					options: {},
				},
				credentials: { cometVideoApi: { id: '1', name: 'CometAPI' } },
			},
		],
		connections: { Start: { main: [[{ node: 'Video', type: 'main', index: 0 }]] } },
		credentials,
		binaryMode: 'default',
	};
}

/** The simulator in a child process (scripts/bench/sim-server.ts), driven over IPC. */
async function startSimulatorServer(options: Partial<SimulatorOptions>): Promise<SimulatorServer> {
	const child = fork(path.join(__dirname, 'bench/sim-server.ts'), [JSON.stringify(options)], {
		stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
		execArgv: [...TYPESCRIPT_NODE_FLAGS],
	});
	const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
	let nextId = 0;
	const ready = new Promise<{ url: string; apiKey: string }>((resolve, reject) => {
		child.once('exit', (code) => reject(new Error(`simulator process exited (${code})`)));
		child.on('message', (message: ReplyMessage) => {
			if (message.ready) return resolve(message);
			const waiter = pending.get(message.id);
			pending.delete(message.id);
			if (message.error) waiter?.reject(new Error(message.error));
			else waiter?.resolve(message.result);
		});
	});
	const { url, apiKey } = await ready;
	const call = <T>(message: Omit<CommandMessage, 'id'>) =>
		new Promise<T>((resolve, reject) => {
			const id = ++nextId;
			pending.set(id, { resolve: (value) => resolve(value as T), reject });
			child.send({ ...message, id });
		});
	return {
		url,
		apiKey,
		reset: () => call({ cmd: 'reset', args: [] }),
		configure: (partial: Partial<RuntimeOptions>) => call({ cmd: 'configure', args: [partial] }),
		latency: (ms: number) => call({ cmd: 'latency', args: [ms] }),
		stats: () => call({ cmd: 'stats', args: [] }),
		sha256: (ids: string[]) => call({ cmd: 'sha256', args: [ids] }),
		async close() {
			const exited = new Promise((resolve) => child.once('exit', resolve));
			await call({ cmd: 'close', args: [] }).catch(() => undefined);
			await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
			if (child.exitCode === null) child.kill('SIGTERM');
		},
	};
}

/** Checks every output item carries its job's exact video; returns 'ok' or what is wrong. */
async function verifyOutput(
	result: WorkflowResult,
	sim: SimulatorServer,
	expected: number,
): Promise<string> {
	const items = result.output('Video');
	if (items.length !== expected) return `${items.length}/${expected} items`;
	const shas = await sim.sha256(items.map((item) => String(item.json.id)));
	for (const item of items) {
		const binary = item.binary?.data;
		if (!binary) return `item without binary (${item.json?.error ?? 'no error'})`;
		const buffer = await result.readBinary(binary);
		if (sha256(buffer) !== shas[String(item.json.id)]) return `wrong bytes for ${item.json.id}`;
	}
	return 'ok';
}

async function nodeRun(
	runWorkflow: RunWorkflow,
	sim: SimulatorServer,
	credentials: RunWorkflowOptions['credentials'],
	n: number,
): Promise<NodeRun> {
	await sim.reset();
	const started = performance.now();
	const result = await runWorkflow(createWorkflow(n, credentials));
	const wallMs = performance.now() - started;
	return {
		wallMs,
		status: result.status,
		error: result.error?.message,
		verified:
			result.status === 'success' ? await verifyOutput(result, sim, n) : result.error?.message,
		stats: await sim.stats(),
	};
}

async function baselineRun(
	runWorkflow: RunWorkflow,
	sim: SimulatorServer,
	credentials: RunWorkflowOptions['credentials'],
	n: number,
): Promise<MeasuredBaseline> {
	await sim.reset();
	const started = performance.now();
	const failures: (string | undefined)[] = [];
	const runs: number[] = [];
	for (let i = 0; i < n; i++) {
		const t0 = performance.now();
		const one = await runWorkflow(createWorkflow(1, credentials));
		runs.push(performance.now() - t0);
		if (one.status !== 'success') failures.push(one.error?.message);
		else {
			const check = await verifyOutput(one, sim, 1);
			if (check !== 'ok') failures.push(check);
		}
	}
	const wallMs = performance.now() - started;
	return {
		wallMs,
		measured: true,
		runs,
		meanRunMs: wallMs / n,
		verified: failures.length ? failures.slice(0, 3).join('; ') : 'ok',
		stats: await sim.stats(),
	};
}

async function runConcurrency(config: Config): Promise<Concurrency> {
	const jobMs = Math.round(config.jobSeconds * 1000);
	const sim = await startSimulatorServer({
		jobDurationMs: jobMs,
		videoBytes: Math.round(config.videoKiB * 1024),
		apiKey: API_KEY,
	});
	const credentials = { cometVideoApi: simulatorCredentialData(sim) };
	const rows: ConcurrencyRow[] = [];
	const latencyRows: ConcurrencyRow[] = [];
	try {
		// Warm-up: module loading, the engine's first run and the first connections.
		await sim.configure({ jobDurationMs: 0 });
		const warm = await runWorkflow(createWorkflow(1, credentials));
		if (warm.status !== 'success') throw new Error(`warm-up failed: ${warm.error?.message}`);

		const singleRunMs: number[] = [];
		const ns = [...new Set([...config.items, ...config.baselineItems])].sort((a, b) => a - b);
		for (const n of ns) {
			let node: NodeRun | undefined;
			let baseline: BaselineRun | undefined;
			if (config.items.includes(n)) {
				log(`concurrency: N=${n}, one execution with ${n} items (T=${config.jobSeconds} s)…`);
				node = await nodeRun(runWorkflow, sim, credentials, n);
				log(
					`  ${s(node.wallMs)} s, ${node.status}, ${node.verified}, max in flight ${node.stats.maxInFlight}`,
				);
			}
			if (config.baselineItems.includes(n)) {
				log(`concurrency: N=${n}, baseline of ${n} single-item executions…`);
				const measured = await baselineRun(runWorkflow, sim, credentials, n);
				singleRunMs.push(...measured.runs);
				log(
					`  ${s(measured.wallMs)} s, ${measured.verified}, max in flight ${measured.stats.maxInFlight}`,
				);
				baseline = measured;
			}
			if (node) rows.push({ n, node, baseline });
		}
		// Baselines not measured: N × the mean single-item execution measured above.
		const meanSingle = singleRunMs.length
			? singleRunMs.reduce((a, b) => a + b, 0) / singleRunMs.length
			: undefined;
		for (const row of rows) {
			if (!row.baseline && meanSingle !== undefined) {
				row.baseline = { wallMs: meanSingle * row.n, measured: false, meanRunMs: meanSingle };
			}
		}
		// With an API that takes time to answer, requests pile up: this is where the limit shows.
		if (config.latencyMs > 0 && config.items.length) {
			const n = Math.max(...config.items);
			await sim.latency(config.latencyMs);
			log(`concurrency: N=${n} with ${config.latencyMs} ms API latency…`);
			const node = await nodeRun(runWorkflow, sim, credentials, n);
			log(
				`  ${s(node.wallMs)} s, ${node.status}, ${node.verified}, max in flight ${node.stats.maxInFlight}`,
			);
			latencyRows.push({ n, node, latencyMs: config.latencyMs });
			await sim.latency(0);
		}
	} finally {
		await sim.close();
	}
	return {
		jobSeconds: config.jobSeconds,
		videoBytes: Math.round(config.videoKiB * 1024),
		rows,
		latencyRows,
	};
}

function concurrencyTable(concurrency: Concurrency): string {
	const T = concurrency.jobSeconds;
	const header = [
		'N items',
		'node: 1 execution (s)',
		'baseline: N × 1-item executions (s)',
		'node / baseline',
		'first poll after create (s, median)',
		'target ≤ 1.3 × (T + first poll) (s)',
		'requests / job (create + poll + download)',
		'max in flight (limit)',
		'max jobs running at once',
		'output check',
	];
	const all = [
		...concurrency.rows,
		...concurrency.latencyRows.map((row) => ({
			...row,
			label: `${row.n}, +${row.latencyMs} ms API latency`,
		})),
	];
	const rows = all.map(({ n, node, baseline, label }) => {
		const firstPollMs = node.stats.firstPollMs.median;
		const bound = 1.3 * (T * 1000 + firstPollMs);
		const st = node.stats;
		const jobs = st.jobs || 1;
		const pj = {
			creates: st.creates / jobs,
			polls: st.polls / jobs,
			downloads: st.downloads / jobs,
			total: (st.creates + st.polls + st.downloads + st.other) / jobs,
		};
		const ok = node.status === 'success' && node.wallMs <= bound;
		const inFlightOk =
			node.stats.maxInFlight <= DEFAULT_MAX_IN_FLIGHT &&
			(!baseline?.stats || baseline.stats.maxInFlight <= DEFAULT_MAX_IN_FLIGHT);
		let baselineText = '–';
		if (baseline)
			baselineText = baseline.measured
				? s(baseline.wallMs)
				: `≈ ${s(baseline.wallMs)} (extrapolated)`;
		return [
			label ?? n,
			node.status === 'success' ? s(node.wallMs) : `FAILED: ${node.error}`,
			baselineText,
			baseline
				? `${(node.wallMs / baseline.wallMs).toFixed(3)} (${(baseline.wallMs / node.wallMs).toFixed(1)}× faster)`
				: '–',
			`${s(firstPollMs)} (${s(node.stats.firstPollMs.min)}–${s(node.stats.firstPollMs.max)})`,
			`${s(bound)} ${ok ? 'PASS' : 'FAIL'}`,
			`${pj.total.toFixed(2)} (${pj.creates.toFixed(2)} + ${pj.polls.toFixed(2)} + ${pj.downloads.toFixed(2)})`,
			`${node.stats.maxInFlight}${baseline?.stats ? ` / baseline ${baseline.stats.maxInFlight}` : ''} (${DEFAULT_MAX_IN_FLIGHT}) ${inFlightOk ? 'PASS' : 'FAIL'}`,
			node.stats.maxConcurrentJobs,
			node.verified === 'ok' && (!baseline?.verified || baseline.verified === 'ok')
				? 'ok'
				: `${node.verified} / ${baseline?.verified}`,
		];
	});
	return markdownTable(header, rows);
}

// ------------------------------------------------------------------------------------------ main

async function main(): Promise<void> {
	const config = parseArgs(process.argv.slice(2));
	if (config.help) {
		process.stdout.write(fs.readFileSync(__filename, 'utf8').split('*/')[0] + '*/\n');
		return;
	}
	const startedAt = Date.now();
	const before = machine();
	let concurrency: Concurrency | undefined;
	let memory: string | undefined;
	if (!config.skipConcurrency && config.items.length) concurrency = await runConcurrency(config);
	if (!config.skipMemory && config.memoryRuns > 0)
		memory = await runMemoryBench({ runs: config.memoryRuns, bigMiB: config.memoryMiB }, log);
	let queue;
	if (!config.skipQueue && config.queueExecutions > 0) {
		log(`queue mode: ${config.queueExecutions} executions…`);
		queue = await runQueueBench(
			{
				executions: config.queueExecutions,
				workers: 2,
				concurrency: 10,
				jobSeconds: config.jobSeconds,
				videoKiB: config.videoKiB,
				maxInFlight: DEFAULT_MAX_IN_FLIGHT,
			},
			log,
		);
	}
	const after = machine();
	const totalMs = Date.now() - startedAt;

	const out = [];
	out.push('## Comet Video benchmark');
	out.push('');
	out.push(
		`Machine: ${before.cpus} × ${before.cpuModel}, ${before.memoryGiB} GiB RAM, Node ${before.node}, ${before.platform}; ` +
			`load average ${before.loadAvg} at start, ${after.loadAvg} at end (other work was running on this machine). ` +
			`Total bench time ${s(totalMs)} s.`,
	);
	if (concurrency) {
		const T = concurrency.jobSeconds;
		out.push('');
		out.push(
			`### Concurrency: Create (wait for completion, download), ${T} s jobs, ${concurrency.videoBytes / 1024} KiB videos, default options ` +
				`(max ${DEFAULT_MAX_IN_FLIGHT} requests in flight, poll interval ${DEFAULT_POLL_INTERVAL_S} s)`,
		);
		out.push('');
		out.push(concurrencyTable(concurrency));
		out.push('');
		const measured = concurrency.rows.filter((r) => r.baseline?.measured).map((r) => r.n);
		const extrapolated = concurrency.rows
			.filter((r) => r.baseline && !r.baseline.measured)
			.map((r) => r.n);
		out.push(
			`- node: one workflow execution (test.start → Comet Video) with N items, wall time of the whole execution. ` +
				`Baseline: the same work one item at a time, N sequential single-item workflow executions in the same process ` +
				`(what an item-by-item node does), summed wall time; measured for N = ${measured.join(', ') || 'none'}` +
				(extrapolated.length
					? `, extrapolated for N = ${extrapolated.join(', ')} as N × the mean single-item execution.`
					: '.'),
		);
		out.push(
			"- The simulator runs in its own process (scripts/bench/sim-server.ts); first poll = from the job's creation to its first status request, " +
				"from the simulator's request log (min–max in brackets). Requests per job and max in flight are counted by the simulator " +
				'(max in flight: node run / baseline run). The latency row delays every answer of the simulator by that much, so requests queue at the limit.',
		);
		for (const { n, node, latencyMs } of [...concurrency.rows, ...concurrency.latencyRows]) {
			const st = node.stats;
			out.push(
				`- N=${n}${latencyMs ? ` (+${latencyMs} ms latency)` : ''}: ${st.creates} creates, ${st.polls} polls, ${st.downloads} downloads` +
					`${st.other ? `, ${st.other} other` : ''}; jobs created over ${s(st.createSpreadMs)} s; completion seen ${s(st.seenDoneLagMs.median)} s ` +
					`(median, max ${s(st.seenDoneLagMs.max)} s) after the job finished; HTTP statuses ${JSON.stringify(st.statuses)}.`,
			);
		}
	}
	if (memory) {
		out.push('');
		out.push(`### Download memory: ${config.memoryMiB} MiB in real n8n (scripts/bench/memory.ts)`);
		out.push('');
		out.push(memory);
	}
	if (queue) {
		const { header, rows } = queueTable(queue);
		out.push('');
		out.push(
			`### Queue mode: n8n 2.8.4, Postgres, Redis, main + ${queue.workers} workers; ${queue.jobSeconds} s jobs, ${queue.videoKiB} KiB videos in the database binary store`,
		);
		out.push('');
		out.push(markdownTable(header, rows));
		out.push('');
		out.push(
			'- Each execution: Webhook → Comet Video (Create, wait, download) → Write Files to Disk, started by its own webhook call; wall time from sending the N calls to the last answer. ' +
				"A waiting execution holds its worker slot, so N above workers × concurrency runs in waves. Peak RSS is the worker process's VmHWM.",
		);
	}
	process.stdout.write(`${out.join('\n')}\n`);
	if (config.json) {
		fs.writeFileSync(
			config.json,
			JSON.stringify(
				{ config, machine: { before, after }, totalMs, concurrency, memory, queue },
				null,
				2,
			),
		);
	}
}

main().then(
	() => process.exit(0),
	(error) => {
		process.stderr.write(`bench failed: ${error?.stack ?? error}\n`);
		process.exit(1);
	},
);
