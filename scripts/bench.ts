/**
 * Benchmark of the Comet Video node against the CometAPI simulator, inside real n8n workflow
 * executions (tools/harness). `npm run bench` builds first; then:
 *
 *   npx tsx scripts/bench.ts [--job-seconds 10] [--items 1,10,50] [--baseline-items 1,10,50]
 *                         [--downloads-mib 100,1024] [--memory-mode-mib 100] [--reps 2]
 *                         [--video-kib 64] [--latency-ms 250] [--queue-executions 40]
 *                         [--skip-concurrency] [--skip-downloads] [--skip-queue] [--quick] [--json FILE]
 *
 * Every flag also reads from the environment: BENCH_JOB_SECONDS, BENCH_ITEMS,
 * BENCH_BASELINE_ITEMS, BENCH_DOWNLOADS_MIB, BENCH_MEMORY_MODE_MIB, BENCH_REPS, BENCH_VIDEO_KIB,
 * BENCH_LATENCY_MS, BENCH_QUEUE_EXECUTIONS, BENCH_JSON. An empty list skips that part (e.g. --memory-mode-mib '').
 * `--quick` is T = 2 s, N = 1,10, downloads of 16 and 64 MiB (memory mode 16), one repetition,
 * 20 queue-mode executions.
 * The full run (defaults) takes about 13 minutes, most of it the 50-item baseline (~9 min at T=10).
 * `--baseline-items` lists the N whose one-at-a-time baseline is measured; for the others the
 * baseline is extrapolated (N × the mean single-item execution) and marked so.
 *
 * 1. Concurrency (simulator in a child process, scripts/bench/sim-server.ts, its request log and
 *    in-flight counter read over IPC): one execution of Create (wait on, download on, default
 *    options) with N items, beside a baseline of N sequential single-item executions in the same
 *    process. One more run of the largest N with --latency-ms added to every simulator answer,
 *    so requests queue and the in-flight limit is actually exercised.
 * 2. Downloads (simulator as a separate process, every measurement in a fresh child process):
 *    the Download operation in n8n's filesystem binary mode, beside a plain http.get +
 *    stream.pipeline copy of the same URL to disk; peak RSS growth over the RSS just before the
 *    download; the stored bytes hashed and compared with the simulator's content generator.
 * 3. Queue mode (scripts/bench/queue.ts): n8n 2.8.4 with Postgres, Redis, one main and two workers
 *    at n8n's default concurrency (10); N webhook calls at once, each one execution of Create
 *    (wait, download) for one T-second job, against N × one execution alone.
 */
import { fork, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { sha256 } from '../tools/files';
import { runWorkflow, type RunWorkflowOptions, type WorkflowResult } from '../tools/harness';
import type { RuntimeOptions, SimulatorOptions } from '../tools/simulator';
import { TYPESCRIPT_NODE_FLAGS, typeScriptNodeArgs } from '../tools/typescript-runner';
import type { DownloadResult, DownloadSpec } from './bench/download';

import {
	MiB,
	createJob,
	expectedVideoSha256,
	listOf,
	markdownTable,
	median,
	startSimulatorProcess,
} from './bench/lib';
import { queueTable, runQueueBench } from './bench/queue';
import type {
	CommandMessage,
	ReplyMessage,
	SimulatorCommands,
	SimulatorStats,
} from './bench/sim-server';

const NODE_TYPE = 'n8n-nodes-cometapi-video.cometVideo';
const DEFAULT_MAX_IN_FLIGHT = 5; // nodes/CometVideo/actions/router.ts
const DEFAULT_POLL_INTERVAL_S = 10; // nodes/CometVideo/actions/completion.ts
const API_KEY = 'sk-bench-key';

// ------------------------------------------------------------------------------------------ args

function parseArgs(argv: string[]) {
	const flags: Record<string, string | true> = {};
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		if (!arg.startsWith('--')) throw new Error(`Unexpected argument: ${arg}`);
		const [name, inline] = arg.slice(2).split('=', 2);
		if (['quick', 'skip-concurrency', 'skip-downloads', 'skip-queue', 'help'].includes(name)) {
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
		'skip-downloads',
		'skip-queue',
		'help',
		'job-seconds',
		'items',
		'baseline-items',
		'downloads-mib',
		'memory-mode-mib',
		'reps',
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
		downloadsMiB: listOf(pick('downloads-mib', '16,64', '100,1024')),
		memoryModeMiB: listOf(pick('memory-mode-mib', '16', '100')),
		reps: Math.max(1, Number(pick('reps', '1', '2'))),
		videoKiB: Number(pick('video-kib', '64', '64')),
		latencyMs: Number(pick('latency-ms', '250', '250')),
		skipConcurrency: flags['skip-concurrency'] === true,
		skipDownloads: flags['skip-downloads'] === true,
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

/** All repetitions of one download variant at one size. */
interface DownloadEntry {
	sizeMiB: number;
	bytes: number;
	kind: DownloadSpec['kind'];
	binaryMode: DownloadSpec['binaryMode'];
	runs: DownloadResult[];
	expectedSha256: string;
}

/** The simulator process of the concurrency part, as the bench drives it. */
type SimulatorServer = { url: string; apiKey: string } & {
	[K in keyof SimulatorCommands]: (
		...args: Parameters<SimulatorCommands[K]>
	) => Promise<Awaited<ReturnType<SimulatorCommands[K]>>>;
};

// ------------------------------------------------------------------------------------ formatting

const s = (ms: number) => (ms / 1000).toFixed(2);
const mib = (bytes: number) => (bytes / MiB).toFixed(1);
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
					model: { __rl: true, mode: 'list', value: 'veo3-fast' },
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
	const credentials = { cometVideoApi: { apiKey: API_KEY, baseUrl: sim.url } };
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

// ------------------------------------------------------------------------------------- downloads

function runChild(spec: DownloadSpec): Promise<DownloadResult> {
	// Dirty pages of the previous measurement should not be written back during this one.
	spawnSync('sync');
	return new Promise((resolve, reject) => {
		const child = spawn(
			process.execPath,
			[
				'--expose-gc',
				...typeScriptNodeArgs(
					path.join(__dirname, `bench/download-${spec.kind}.ts`),
					JSON.stringify(spec),
				),
			],
			{
				stdio: ['ignore', 'pipe', 'pipe'],
			},
		);
		let out = '';
		let err = '';
		child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
		child.once('error', reject);
		child.once('exit', (code) => {
			const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
			if (!line)
				return reject(
					new Error(`download child exited ${code} without a result: ${err.trim() || out.trim()}`),
				);
			resolve(JSON.parse(line.slice('BENCH_RESULT '.length)) as DownloadResult);
		});
	});
}

async function runDownloads(config: Config): Promise<DownloadEntry[]> {
	const tiny = await startSimulatorProcess({ videoBytes: 64 * 1024 });
	const results: DownloadEntry[] = [];
	try {
		const sizes = [...new Set([...config.downloadsMiB, ...config.memoryModeMiB])].sort(
			(a, b) => a - b,
		);
		for (const sizeMiB of sizes) {
			const bytes = Math.round(sizeMiB * MiB);
			const big = await startSimulatorProcess({ videoBytes: bytes });
			try {
				// The simulator CLI's default key: the CLI is started without --api-key.
				const apiKey = 'sk-sim-test-key';
				const id = await createJob(big.url, apiKey);
				const tinyId = await createJob(tiny.url, apiKey);
				log(`downloads: ${sizeMiB} MiB, hashing the expected content…`);
				const expected = expectedVideoSha256(id, bytes);
				const base = { url: big.url, tinyUrl: tiny.url, apiKey, id, tinyId, bytes };
				const variants: Pick<DownloadSpec, 'kind' | 'binaryMode'>[] = [];
				if (config.downloadsMiB.includes(sizeMiB)) {
					variants.push(
						{ kind: 'plain', binaryMode: 'filesystem' },
						{ kind: 'node', binaryMode: 'filesystem' },
					);
				}
				if (config.memoryModeMiB.includes(sizeMiB))
					variants.push({ kind: 'node', binaryMode: 'default' });
				if (!variants.some((v) => v.kind === 'plain'))
					variants.unshift({ kind: 'plain', binaryMode: 'filesystem' });
				const runs = new Map<string, DownloadResult[]>(
					variants.map((v) => [`${v.kind}:${v.binaryMode}`, []]),
				);
				for (let rep = 0; rep < config.reps; rep++) {
					// Alternate the variants so drift in machine load hits them alike.
					const order = rep % 2 === 0 ? variants : [...variants].reverse();
					for (const variant of order) {
						const key = `${variant.kind}:${variant.binaryMode}`;
						log(`  ${key} rep ${rep + 1}/${config.reps}…`);
						const result = await runChild({ ...base, ...variant });
						result.bytesOk = result.storedBytes === bytes;
						result.shaOk = result.storedSha256 === expected;
						log(
							`    ${
								result.ok
									? `${result.seconds.toFixed(2)} s, RSS +${mib(result.memory.growthBytes)} MiB, ` +
										`bytes ${result.bytesOk ? 'ok' : 'WRONG'}, sha256 ${result.shaOk ? 'ok' : 'WRONG'}`
									: `FAILED ${result.error}`
							}`,
						);
						runs.get(key)?.push(result);
					}
				}
				for (const variant of variants) {
					const key = `${variant.kind}:${variant.binaryMode}`;
					results.push({
						sizeMiB,
						bytes,
						...variant,
						runs: runs.get(key) ?? [],
						expectedSha256: expected,
					});
				}
			} finally {
				await big.stop();
			}
		}
	} finally {
		await tiny.stop();
	}
	return results;
}

function summarise(entry: DownloadEntry) {
	const ok = entry.runs.filter((r) => r.ok);
	return {
		ok: ok.length === entry.runs.length && ok.length > 0,
		seconds: median(ok.map((r) => r.seconds)),
		growthBytes: Math.max(...ok.map((r) => r.memory.growthBytes)),
		secondGrowthBytes: Math.max(...ok.map((r) => r.second?.memory?.growthBytes ?? NaN)),
		secondSeconds: median(ok.filter((r) => r.second?.ok).map((r) => r.second?.seconds ?? NaN)),
		baselineBytes: median(ok.map((r) => r.memory.baselineBytes)),
		verified:
			ok.length > 0 && ok.every((r) => r.bytesOk && r.shaOk && (!r.second || r.second.shaOk)),
		error: entry.runs.find((r) => !r.ok)?.error,
	};
}

function downloadTable(downloads: DownloadEntry[], reps: number): string {
	const header = [
		'size',
		'what',
		'binary data',
		`time (s, median of ${reps})`,
		'MiB/s',
		'peak RSS growth (MiB, max)',
		'2nd download in same process: s / RSS growth MiB',
		'time / plain copy',
		'target',
		'bytes + sha256',
	];
	const rows = [];
	for (const entry of downloads) {
		const sum = summarise(entry);
		const plain = downloads.find((d) => d.sizeMiB === entry.sizeMiB && d.kind === 'plain');
		const plainSum = plain && summarise(plain);
		const ratio = plainSum && entry.kind !== 'plain' ? sum.seconds / plainSum.seconds : undefined;
		const size = entry.sizeMiB >= 1024 ? `${entry.sizeMiB / 1024} GiB` : `${entry.sizeMiB} MiB`;
		let target = '–';
		if (entry.kind === 'node' && entry.binaryMode === 'filesystem') {
			const memOk = sum.growthBytes <= 32 * MiB;
			const timeOk = ratio !== undefined && ratio <= 2;
			target = `RSS ≤ 32 MiB ${memOk ? 'PASS' : 'FAIL'}; time ≤ 2× ${timeOk ? 'PASS' : 'FAIL'}`;
		} else if (entry.kind === 'node') {
			target = 'contrast only';
		}
		rows.push([
			size,
			entry.kind === 'plain'
				? 'plain http.get + pipeline to file'
				: 'Comet Video: Download (workflow)',
			entry.kind === 'plain'
				? 'file (fs.createWriteStream)'
				: entry.binaryMode === 'filesystem'
					? 'n8n filesystem mode'
					: 'n8n default (memory) mode',
			sum.ok ? sum.seconds.toFixed(2) : `FAILED: ${sum.error}`,
			sum.ok ? (entry.bytes / MiB / sum.seconds).toFixed(0) : '–',
			sum.ok ? `${mib(sum.growthBytes)} (from ${mib(sum.baselineBytes)})` : '–',
			sum.ok && Number.isFinite(sum.secondGrowthBytes)
				? `${sum.secondSeconds.toFixed(2)} / ${mib(sum.secondGrowthBytes)}`
				: '–',
			ratio === undefined ? '–' : `${ratio.toFixed(2)}×`,
			target,
			sum.verified ? 'ok' : 'MISMATCH',
		]);
	}
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
	let downloads: DownloadEntry[] | undefined;
	if (!config.skipConcurrency && config.items.length) concurrency = await runConcurrency(config);
	if (!config.skipDownloads && (config.downloadsMiB.length || config.memoryModeMiB.length))
		downloads = await runDownloads(config);
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
	if (downloads) {
		out.push('');
		out.push('### Downloads: simulator in its own process, each measurement in a fresh process');
		out.push('');
		out.push(downloadTable(downloads, config.reps));
		out.push('');
		out.push(
			'- Comet Video: a workflow execution (test.start → Comet Video, operation Download) after a warm-up execution of a 64 KiB download. ' +
				'Plain copy: `http.get` + `stream.pipeline` to `fs.createWriteStream`, after a 64 KiB warm-up copy. ' +
				"RSS growth = peak RSS during the download (sampled every 10 ms and the kernel's VmHWM, reset just before) minus the RSS just before it. " +
				'Each child then repeats the same download (2nd column): growth that does not recur is one-off heap sizing, not per-download buffering. ' +
				`Variants alternate over ${config.reps} repetition(s); time is the median, RSS growth the maximum. ` +
				"Stored size and sha256 are checked against the simulator's content generator for the same job.",
		);
		for (const entry of downloads) {
			const ok = entry.runs.filter((r) => r.ok);
			if (!ok.length) continue;
			// The run with the largest sampled growth, and what V8 reported at that sample.
			const worst = ok.reduce((a, b) =>
				b.memory.sampledPeakBytes - b.memory.baselineBytes >
				a.memory.sampledPeakBytes - a.memory.baselineBytes
					? b
					: a,
			);
			const m = worst.memory;
			out.push(
				`- ${entry.sizeMiB >= 1024 ? `${entry.sizeMiB / 1024} GiB` : `${entry.sizeMiB} MiB`}, ${entry.kind === 'plain' ? 'plain copy' : `node, ${entry.binaryMode} mode`}: ` +
					`at the sampled RSS peak (+${mib(m.sampledPeakBytes - m.baselineBytes)} MiB), V8 heap +${mib(m.heapTotalGrowthAtPeakBytes)} MiB and ` +
					`Buffers +${mib(m.arrayBufferGrowthAtPeakBytes)} MiB (socket chunks awaiting GC, or the file itself in memory mode).`,
			);
		}
		const gaps = downloads.flatMap((d) =>
			d.runs.filter((r) => r.ok).map((r) => r.memory.maxSampleGapMs),
		);
		if (gaps.length)
			out.push(
				`- Longest gap between RSS samples: ${Math.max(...gaps)} ms (VmHWM covers the gaps).`,
			);
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
				{ config, machine: { before, after }, totalMs, concurrency, downloads, queue },
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
