/**
 * Benchmark of the Comet Video node against the CometAPI simulator, inside real n8n workflow
 * executions (tools/harness). `npm run bench` builds first; then:
 *
 *   npx tsx scripts/bench.ts [--job-seconds 10] [--items 1,10,50] [--baseline-items 1,10,50]
 *                         [--memory-runs 5] [--memory-mib 1024]
 *                         [--video-kib 64] [--latency-ms 250] [--queue-executions 40]
 *                         [--skip-concurrency] [--skip-memory] [--skip-queue] [--quick] [--json FILE]
 *                         [--rows a,b,c,s6,s50] [--package-dir DIR[,DIR…]] [--key-limit 8]
 *                         [--c-latency-ms 250] [--n8n-rounds 2]
 *
 * An empty list skips that part (e.g. --items '').
 * `--quick` is T = 2 s, N = 1,10, one memory round of 64 MiB, 20 queue-mode executions.
 * The full run (defaults) takes about 25 minutes: the 50-item baseline (~9 min at T=10), the rows
 * (~5 min) and row a-n8n (~3 min) the most.
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
 * 4. Issue 22's rows (scripts/bench/rows.ts), each one execution in the harness against its own
 *    simulator: a = 10,000 items × 5 s jobs, instant API, no download (and this process's peak
 *    memory beside the same items through a NoOp node); b = 1,000 items × 10 s jobs, 250 ms API,
 *    download; c = 200 items × 5 s jobs, --c-latency-ms API, 429 beyond --key-limit in flight,
 *    download; s6 = 6 items × 5 s jobs; s50 = 50 items × 10 s jobs, 250 ms API. Each prints wall
 *    time ÷ job time, requests per job, the node's request budget (peak, final; '–' for a build
 *    without one), 429s, items failed, videos stored; b and c the budget's path every 250 ms.
 *    Row a-n8n (scripts/bench/n8n-row.ts) is row a the way the issue measured it: `n8n execute` in
 *    a real n8n 2.8.4, beside NoOp and two of n8n's HTTP Request nodes sending the same 20,000
 *    requests, --n8n-rounds interleaved rounds, each build packed and installed.
 *    `--rows` picks rows and then runs only them (no concurrency, memory or queue part); without
 *    it every row runs after the other parts. `--package-dir` measures another build (its dist/
 *    must be built; default this repository), several comma-separated: each row for each build.
 *    E.g. `npm run bench -- --rows b,c --package-dir /tmp/before,.`
 * 3. Queue mode (scripts/bench/queue.ts): n8n 2.8.4 with Postgres, Redis, one main and two workers
 *    at n8n's default concurrency (10); N webhook calls at once, each one execution of Create
 *    (wait, download) for one T-second job, against N × one execution alone.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { NODE_TYPE, REPO_ROOT } from '../tools/constants';
import { sha256 } from '../tools/files';
import {
	credentialRef,
	runWorkflow,
	type RunWorkflowOptions,
	type WorkflowResult,
} from '../tools/harness';
import { simulatorCredentialData } from '../tools/simulator-access';

import { markdownTable } from './bench/lib';
import { N8N_ROW_ID, n8nRowSection, runN8nRow, type N8nRowResult } from './bench/n8n-row';
import { runMemoryBench } from './bench/memory';
import { queueTable, runQueueBench, type QueueBenchResult } from './bench/queue';
import {
	ROW_IDS,
	rowSpecs,
	rowsSection,
	runRow,
	type RowId,
	type RowOptions,
	type RowResult,
} from './bench/rows';
import {
	startSimulatorServer,
	type SimulatorServer,
	type SimulatorStats,
} from './bench/sim-server';

/** An option's default, read from the built node (actions/options.ts), so the bench cannot drift. */
function optionDefault(name: string): number {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { optionsProperty } = require(
		path.join(REPO_ROOT, 'dist/nodes/CometVideo/actions/options.js'),
	) as { optionsProperty: { options: Array<{ name: string; default: unknown }> } };
	const option = optionsProperty.options.find((o) => o.name === name);
	if (typeof option?.default !== 'number') throw new Error(`the node has no number option ${name}`);
	return option.default;
}

const DEFAULT_MAX_IN_FLIGHT = optionDefault('maxInFlight');
const DEFAULT_POLL_INTERVAL_S = optionDefault('pollIntervalSeconds');
/** The queue-mode row's Max Requests in Flight per worker, as the queue suite sets it. */
const QUEUE_MAX_IN_FLIGHT = 5;

/** Defaults of the flags with a value: [normal, --quick]. */
const DEFAULTS = {
	'job-seconds': ['10', '2'],
	items: ['1,10,50', '1,10'],
	'memory-runs': ['5', '1'],
	'memory-mib': ['1024', '64'],
	'video-kib': ['64', '64'],
	'latency-ms': ['250', '250'],
	'queue-executions': ['40', '20'],
} as const;

function readConfig(args: string[]) {
	const text = { type: 'string' } as const;
	const flag = { type: 'boolean' } as const;
	const { values } = parseArgs({
		args,
		options: {
			'job-seconds': text,
			items: text,
			'baseline-items': text,
			'memory-runs': text,
			'memory-mib': text,
			'video-kib': text,
			'latency-ms': text,
			'queue-executions': text,
			rows: text,
			'package-dir': text,
			'key-limit': text,
			'c-latency-ms': text,
			'n8n-rounds': text,
			json: text,
			quick: flag,
			'skip-concurrency': flag,
			'skip-memory': flag,
			'skip-queue': flag,
			help: flag,
		},
	});
	const value = (name: keyof typeof DEFAULTS) =>
		values[name] ?? DEFAULTS[name][values.quick ? 1 : 0];
	const numbers = (text: string | undefined) =>
		(text ?? '')
			.split(',')
			.map(Number)
			.filter((n) => Number.isFinite(n) && n > 0);
	const items = numbers(value('items'));
	const config = {
		help: values.help === true,
		jobSeconds: Number(value('job-seconds')),
		items,
		baselineItems:
			values['baseline-items'] === undefined ? items : numbers(values['baseline-items']),
		memoryRuns: Number(value('memory-runs')),
		memoryMiB: Number(value('memory-mib')),
		videoKiB: Number(value('video-kib')),
		latencyMs: Number(value('latency-ms')),
		queueExecutions: Number(value('queue-executions')),
		skipConcurrency: values['skip-concurrency'] === true || values.rows !== undefined,
		skipMemory: values['skip-memory'] === true || values.rows !== undefined,
		skipQueue: values['skip-queue'] === true || values.rows !== undefined,
		rows: (values.rows ?? [...ROW_IDS, N8N_ROW_ID].join(','))
			.split(',')
			.map((id) => id.trim())
			.filter(Boolean),
		n8nRounds: Number(values['n8n-rounds'] ?? 2),
		packageDirs: (values['package-dir'] ?? REPO_ROOT)
			.split(',')
			.map((dir) => path.resolve(dir.trim())),
		rowOptions: {
			keyLimit: Number(values['key-limit'] ?? 8),
			cLatencyMs: Number(values['c-latency-ms'] ?? 250),
			videoKiB: Number(value('video-kib')),
		} satisfies RowOptions,
		json: values.json,
	};
	if (!(config.jobSeconds >= 0)) throw new Error('--job-seconds must be a number ≥ 0');
	const known: readonly string[] = [...ROW_IDS, N8N_ROW_ID];
	const unknownRows = config.rows.filter((id) => !known.includes(id));
	if (unknownRows.length)
		throw new Error(`Unknown row(s) ${unknownRows.join(', ')}: pick from ${known.join(', ')}`);
	if (!(Number.isSafeInteger(config.n8nRounds) && config.n8nRounds >= 1))
		throw new Error('--n8n-rounds must be a positive integer');
	if (!(Number.isSafeInteger(config.rowOptions.keyLimit) && config.rowOptions.keyLimit >= 1))
		throw new Error('--key-limit must be a positive integer');
	if (!(config.rowOptions.cLatencyMs >= 0)) throw new Error('--c-latency-ms must be ≥ 0');
	return config;
}

type Config = ReturnType<typeof readConfig>;

/** One execution with N items. */
interface NodeRun {
	wallMs: number;
	status: WorkflowResult['status'];
	error: string | undefined;
	verified: string;
	stats: SimulatorStats;
}

/** N single-item executions one after the other: measured (with runs, check and stats) or extrapolated. */
interface BaselineRun {
	wallMs: number;
	measured: boolean;
	meanRunMs: number;
	runs?: number[];
	verified?: string;
	stats?: SimulatorStats;
}

interface ConcurrencyRow {
	n: number;
	node: NodeRun;
	baseline?: BaselineRun;
	latencyMs?: number;
}

interface Concurrency {
	jobSeconds: number;
	videoBytes: number;
	rows: ConcurrencyRow[];
	latencyRows: ConcurrencyRow[];
}

const s = (ms: number) => (ms / 1000).toFixed(2);
const log = (line: string) => process.stderr.write(`${line}\n`);

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

function createWorkflow(n: number, sim: SimulatorServer): RunWorkflowOptions {
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
				credentials: credentialRef('cometVideoApi'),
			},
		],
		connections: { Start: { main: [[{ node: 'Video', type: 'main', index: 0 }]] } },
		credentials: { cometVideoApi: simulatorCredentialData(sim) },
		binaryMode: 'default',
	};
}

/** Checks every output item carries its job's exact video; returns 'ok' or what is wrong. */
async function verifyOutput(
	result: WorkflowResult,
	sim: SimulatorServer,
	expected: number,
): Promise<string> {
	if (result.status !== 'success') return String(result.error?.message);
	const items = result.output('Video');
	if (items.length !== expected) return `${items.length}/${expected} items`;
	const shas = await sim.call(
		'sha256',
		items.map((item) => String(item.json.id)),
	);
	for (const item of items) {
		const binary = item.binary?.data;
		if (!binary) return `item without binary (${item.json?.error ?? 'no error'})`;
		const buffer = await result.readBinary(binary);
		if (sha256(buffer) !== shas[String(item.json.id)]) return `wrong bytes for ${item.json.id}`;
	}
	return 'ok';
}

async function nodeRun(sim: SimulatorServer, n: number, what: string): Promise<NodeRun> {
	log(`concurrency: N=${n}, ${what}…`);
	await sim.call('reset');
	const started = performance.now();
	const result = await runWorkflow(createWorkflow(n, sim));
	const run: NodeRun = {
		wallMs: performance.now() - started,
		status: result.status,
		error: result.error?.message,
		verified: await verifyOutput(result, sim, n),
		stats: await sim.call('stats'),
	};
	log(
		`  ${s(run.wallMs)} s, ${run.status}, ${run.verified}, max in flight ${run.stats.maxInFlight}`,
	);
	return run;
}

async function baselineRun(sim: SimulatorServer, n: number): Promise<BaselineRun> {
	log(`concurrency: N=${n}, baseline of ${n} single-item executions…`);
	await sim.call('reset');
	const started = performance.now();
	const failures: string[] = [];
	const runs: number[] = [];
	for (let i = 0; i < n; i++) {
		const t0 = performance.now();
		const one = await runWorkflow(createWorkflow(1, sim));
		runs.push(performance.now() - t0);
		const check = await verifyOutput(one, sim, 1);
		if (check !== 'ok') failures.push(check);
	}
	const wallMs = performance.now() - started;
	const run = {
		wallMs,
		measured: true,
		runs,
		meanRunMs: wallMs / n,
		verified: failures.length ? failures.slice(0, 3).join('; ') : 'ok',
		stats: await sim.call('stats'),
	};
	log(`  ${s(wallMs)} s, ${run.verified}, max in flight ${run.stats.maxInFlight}`);
	return run;
}

async function runConcurrency(config: Config): Promise<Concurrency> {
	const videoBytes = Math.round(config.videoKiB * 1024);
	const sim = await startSimulatorServer({
		jobDurationMs: Math.round(config.jobSeconds * 1000),
		videoBytes,
		apiKey: 'sk-bench-key',
	});
	const rows: ConcurrencyRow[] = [];
	const latencyRows: ConcurrencyRow[] = [];
	try {
		// Warm-up: module loading, the engine's first run and the first connections.
		await sim.call('configure', { jobDurationMs: 0 });
		const warm = await runWorkflow(createWorkflow(1, sim));
		if (warm.status !== 'success') throw new Error(`warm-up failed: ${warm.error?.message}`);

		const singleRunMs: number[] = [];
		const ns = [...new Set([...config.items, ...config.baselineItems])].sort((a, b) => a - b);
		for (const n of ns) {
			const node = config.items.includes(n)
				? await nodeRun(sim, n, `one execution with ${n} items (T=${config.jobSeconds} s)`)
				: undefined;
			const baseline = config.baselineItems.includes(n) ? await baselineRun(sim, n) : undefined;
			singleRunMs.push(...(baseline?.runs ?? []));
			if (node) rows.push({ n, node, baseline });
		}
		// Baselines not measured: N × the mean single-item execution measured above.
		if (singleRunMs.length) {
			const meanRunMs = singleRunMs.reduce((a, b) => a + b, 0) / singleRunMs.length;
			for (const row of rows)
				row.baseline ??= { wallMs: meanRunMs * row.n, measured: false, meanRunMs };
		}
		// With an API that takes time to answer, requests pile up: this is where the limit shows.
		if (config.latencyMs > 0 && config.items.length) {
			const n = Math.max(...config.items);
			await sim.call('latency', config.latencyMs);
			const node = await nodeRun(sim, n, `with ${config.latencyMs} ms API latency`);
			latencyRows.push({ n, node, latencyMs: config.latencyMs });
		}
	} finally {
		await sim.close();
	}
	return { jobSeconds: config.jobSeconds, videoBytes, rows, latencyRows };
}

function concurrencyRow(
	{ n, node, baseline, latencyMs }: ConcurrencyRow,
	jobSeconds: number,
): unknown[] {
	const st = node.stats;
	const firstPollMs = st.firstPollMs.median;
	const bound = 1.3 * (jobSeconds * 1000 + firstPollMs);
	const jobs = st.jobs || 1;
	const perJob = (count: number) => (count / jobs).toFixed(2);
	const withinBound = node.status === 'success' && node.wallMs <= bound;
	const inFlightOk =
		st.maxInFlight <= DEFAULT_MAX_IN_FLIGHT &&
		(!baseline?.stats || baseline.stats.maxInFlight <= DEFAULT_MAX_IN_FLIGHT);
	let baselineText = '–';
	if (baseline)
		baselineText = baseline.measured
			? s(baseline.wallMs)
			: `≈ ${s(baseline.wallMs)} (extrapolated)`;
	return [
		latencyMs ? `${n}, +${latencyMs} ms API latency` : n,
		node.status === 'success' ? s(node.wallMs) : `FAILED: ${node.error}`,
		baselineText,
		baseline
			? `${(node.wallMs / baseline.wallMs).toFixed(3)} (${(baseline.wallMs / node.wallMs).toFixed(1)}× faster)`
			: '–',
		`${s(firstPollMs)} (${s(st.firstPollMs.min)}–${s(st.firstPollMs.max)})`,
		`${s(bound)} ${withinBound ? 'PASS' : 'FAIL'}`,
		`${perJob(st.creates + st.polls + st.downloads + st.other)} (${perJob(st.creates)} + ${perJob(st.polls)} + ${perJob(st.downloads)})`,
		`${st.maxInFlight}${baseline?.stats ? ` / baseline ${baseline.stats.maxInFlight}` : ''} (${DEFAULT_MAX_IN_FLIGHT}) ${inFlightOk ? 'PASS' : 'FAIL'}`,
		st.maxConcurrentJobs,
		node.verified === 'ok' && (!baseline?.verified || baseline.verified === 'ok')
			? 'ok'
			: `${node.verified} / ${baseline?.verified}`,
	];
}

function concurrencySection(concurrency: Concurrency): string[] {
	const allRows = [...concurrency.rows, ...concurrency.latencyRows];
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
	const rowsWhere = (measured: boolean) =>
		concurrency.rows.filter((r) => r.baseline && r.baseline.measured === measured).map((r) => r.n);
	const extrapolated = rowsWhere(false);
	return [
		`### Concurrency: Create (wait for completion, download), ${concurrency.jobSeconds} s jobs, ${concurrency.videoBytes / 1024} KiB videos, default options ` +
			`(max ${DEFAULT_MAX_IN_FLIGHT} requests in flight, poll interval ${DEFAULT_POLL_INTERVAL_S} s)`,
		'',
		markdownTable(
			header,
			allRows.map((row) => concurrencyRow(row, concurrency.jobSeconds)),
		),
		'',
		`- node: one workflow execution (test.start → Comet Video) with N items, wall time of the whole execution. ` +
			`Baseline: the same work one item at a time, N sequential single-item workflow executions in the same process ` +
			`(what an item-by-item node does), summed wall time; measured for N = ${rowsWhere(true).join(', ') || 'none'}` +
			(extrapolated.length
				? `, extrapolated for N = ${extrapolated.join(', ')} as N × the mean single-item execution.`
				: '.'),
		"- The simulator runs in its own process (scripts/bench/sim-server.ts); first poll = from the job's creation to its first status request, " +
			"from the simulator's request log (min–max in brackets). Requests per job and max in flight are counted by the simulator " +
			'(max in flight: node run / baseline run). The latency row delays every answer of the simulator by that much, so requests queue at the limit.',
		...allRows.map(
			({ n, node: { stats: st }, latencyMs }) =>
				`- N=${n}${latencyMs ? ` (+${latencyMs} ms latency)` : ''}: ${st.creates} creates, ${st.polls} polls, ${st.downloads} downloads` +
				`${st.other ? `, ${st.other} other` : ''}; jobs created over ${s(st.createSpreadMs)} s; completion seen ${s(st.seenDoneLagMs.median)} s ` +
				`(median, max ${s(st.seenDoneLagMs.max)} s) after the job finished; HTTP statuses ${JSON.stringify(st.statuses)}.`,
		),
	];
}

function queueSection(queue: QueueBenchResult): string[] {
	return [
		`### Queue mode: n8n 2.8.4, Postgres, Redis, main + ${queue.workers} workers; ${queue.jobSeconds} s jobs, ${queue.videoKiB} KiB videos in the database binary store`,
		'',
		queueTable(queue),
		'',
		'- Each execution: Webhook → Comet Video (Create, wait, download) → Write Files to Disk, started by its own webhook call; wall time from sending the N calls to the last answer. ' +
			"A waiting execution holds its worker slot, so N above workers × concurrency runs in waves. Peak RSS is the worker process's VmHWM.",
	];
}

async function main(): Promise<void> {
	const config = readConfig(process.argv.slice(2));
	if (config.help) {
		process.stdout.write(fs.readFileSync(__filename, 'utf8').split('*/')[0] + '*/\n');
		return;
	}
	const startedAt = Date.now();
	const before = machine();
	const concurrency =
		!config.skipConcurrency && config.items.length ? await runConcurrency(config) : undefined;
	const memory =
		!config.skipMemory && config.memoryRuns > 0
			? await runMemoryBench({ runs: config.memoryRuns, bigMiB: config.memoryMiB }, log)
			: undefined;
	let queue: QueueBenchResult | undefined;
	if (!config.skipQueue && config.queueExecutions > 0) {
		log(`queue mode: ${config.queueExecutions} executions…`);
		const { jobSeconds, videoKiB } = config;
		queue = await runQueueBench(
			{
				executions: config.queueExecutions,
				workers: 2,
				concurrency: 10,
				jobSeconds,
				videoKiB,
				maxInFlight: QUEUE_MAX_IN_FLIGHT,
			},
			log,
		);
	}
	const rows: RowResult[] = [];
	const n8nRows: N8nRowResult[] = [];
	const specs = rowSpecs(config.rowOptions);
	for (const packageDir of config.packageDirs)
		for (const id of config.rows) {
			if (id === N8N_ROW_ID) n8nRows.push(await runN8nRow(packageDir, config.n8nRounds));
			else rows.push(await runRow(specs[id as RowId], packageDir, config.rowOptions));
		}
	const after = machine();
	const totalMs = Date.now() - startedAt;

	const out = [
		'## Comet Video benchmark',
		'',
		`Machine: ${before.cpus} × ${before.cpuModel}, ${before.memoryGiB} GiB RAM, Node ${before.node}, ${before.platform}; ` +
			`load average ${before.loadAvg} at start, ${after.loadAvg} at end (other work was running on this machine). ` +
			`Total bench time ${s(totalMs)} s.`,
	];
	if (concurrency) out.push('', ...concurrencySection(concurrency));
	if (memory)
		out.push(
			'',
			`### Download memory: ${config.memoryMiB} MiB in real n8n (scripts/bench/memory.ts)`,
			'',
			memory,
		);
	if (queue) out.push('', ...queueSection(queue));
	if (rows.length) out.push('', ...rowsSection(rows, config.rowOptions));
	if (n8nRows.length) out.push('', ...n8nRowSection(n8nRows));
	process.stdout.write(`${out.join('\n')}\n`);
	if (config.json) {
		const data = {
			config,
			machine: { before, after },
			totalMs,
			concurrency,
			memory,
			queue,
			rows,
			n8nRows,
		};
		fs.writeFileSync(config.json, JSON.stringify(data, null, 2));
	}
}

main().then(
	() => process.exit(0),
	(error) => {
		process.stderr.write(`bench failed: ${error?.stack ?? error}\n`);
		process.exit(1);
	},
);
