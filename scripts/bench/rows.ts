/**
 * The benchmark's rows of issue 22 ("Ten thousand prompts at the speed CometAPI allows"): one
 * workflow execution (test.start → Comet Video, Create with wait, Continue On Fail so every
 * item's outcome shows) per row, in the harness (tools/harness, this process), against a
 * simulator of its own in a child process (scripts/bench/sim-server.ts; a fresh Base URL per
 * row, so no row inherits another's request budget).
 *
 *   a    10,000 items × 5 s jobs, instant API, wait, no download (+ memory beside NoOp)
 *   b    1,000 items × 10 s jobs, 250 ms API, download (every video stored)
 *   c    200 items × 5 s jobs, 250 ms API, 429 beyond 8 in flight for the key, download
 *   s6   6 items × 5 s jobs, instant API, download (a small row of earlier releases)
 *   s50  50 items × 10 s jobs, 250 ms API, download (the README's latency row)
 *
 * The node's request budget is read from the same module instance the node uses:
 * `require('<package>/dist/nodes/CometVideo/helpers/limiter').limiterFor(sim.url, key)`; the
 * harness loads the package with n8n-core's PackageDirectoryLoader, whose `require` shares this
 * process's module cache. `budget` and `stats` ({ peakBudget, overloads }) exist once the
 * adaptive limiter lands; until then they read '–'. Every `--package-dir` given is measured, so
 * a "before" and an "after" build run on one machine in one run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { constants as perfConstants, PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';

import type { IExecuteFunctions, INodeExecutionData, INodeType } from 'n8n-workflow';

import { NODE_TYPE } from '../../tools/constants';
import { sha256 } from '../../tools/files';
import { credentialRef, runWorkflow, type RunWorkflowOptions } from '../../tools/harness';
import { simulatorCredentialData } from '../../tools/simulator-access';
import { markdownTable } from './lib';
import { startSimulatorServer, type SimulatorServer, type SimulatorStats } from './sim-server';

export const ROW_IDS = ['a', 'b', 'c', 's6', 's50'] as const;
export type RowId = (typeof ROW_IDS)[number];

export interface RowSpec {
	id: RowId;
	items: number;
	jobSeconds: number;
	latencyMs: number;
	download: boolean;
	/** The simulator's keyConcurrencyLimit. */
	keyLimit?: number;
	/** Sample the budget and the simulator's in-flight count every SAMPLE_MS. */
	path: boolean;
	/** Peak memory of this process against the same items through a NoOp node. */
	memory: boolean;
	/** The issue's figure for today's node (×, or seconds for the small rows). */
	today: string;
	target: string;
}

export interface RowOptions {
	/** keyConcurrencyLimit of row c. */
	keyLimit: number;
	/** API latency of row c. */
	cLatencyMs: number;
	videoKiB: number;
}

export function rowSpecs(options: RowOptions): Record<RowId, RowSpec> {
	return {
		a: {
			id: 'a',
			items: 10_000,
			jobSeconds: 5,
			latencyMs: 0,
			download: false,
			path: false,
			memory: true,
			today: '8.0×',
			target: '≤ 3 × job time; memory ≤ 300 MB above NoOp',
		},
		b: {
			id: 'b',
			items: 1000,
			jobSeconds: 10,
			latencyMs: 250,
			download: true,
			path: true,
			memory: false,
			today: '15.7×',
			target: '≤ 3 × job time',
		},
		c: {
			id: 'c',
			items: 200,
			jobSeconds: 5,
			latencyMs: options.cLatencyMs,
			download: true,
			keyLimit: options.keyLimit,
			path: true,
			memory: false,
			today: '–',
			target: 'every video stored, 429s ≤ 10 % of requests, no item failed',
		},
		s6: {
			id: 's6',
			items: 6,
			jobSeconds: 5,
			latencyMs: 0,
			download: true,
			path: false,
			memory: false,
			today: '5.5 s',
			target: 'no slower than today',
		},
		s50: {
			id: 's50',
			items: 50,
			jobSeconds: 10,
			latencyMs: 250,
			download: true,
			path: false,
			memory: false,
			today: '15.9 s',
			target: 'no slower than today',
		},
	};
}

const SAMPLE_MS = 250;
const KEY = 'sk-bench-key';

/** What the bench reads of a limiter: `budget` and `stats` only exist in the adaptive one. */
interface LimiterView {
	budget?: unknown;
	stats?: { peakBudget?: unknown; overloads?: unknown };
	// Today's RequestLimiter (private in TypeScript, plain properties at run time): proof that
	// the instance read here is the one the node joined.
	members?: { size: number };
	active?: number;
}
type LimiterModule = { limiterFor(baseUrl: string, apiKey: string): LimiterView };

const num = (value: unknown): number | undefined =>
	typeof value === 'number' && Number.isFinite(value) ? value : undefined;

export interface Sample {
	/** Seconds since the execution started. */
	t: number;
	budget: number | undefined;
	/** Requests with the key in flight at the simulator: now, and the most since the last sample. */
	inFlight: number;
	inFlightPeak: number;
	/** 429s the simulator sent since the run began. */
	rateLimited: number;
}

export interface MemoryFigures {
	/** Peak RSS of this process (VmHWM, reset before the run), MB. */
	peakRssMB: number;
	/** Most V8 heap in use, sampled every 50 ms, MB. */
	peakHeapMB: number;
	/**
	 * Most heap in use just after a full garbage collection, MB: what the run holds, without the
	 * garbage V8 lets pile up between collections.
	 */
	liveHeapMB: number;
	/** RSS just before the run, MB. */
	startRssMB: number;
	wallMs: number;
}

export interface RowResult {
	spec: RowSpec;
	packageDir: string;
	wallMs: number;
	status: string;
	error?: string;
	items: number;
	failed: number;
	completed: number;
	/** Videos whose bytes match the simulator's (download rows). */
	stored: number;
	stats: SimulatorStats;
	requests: number;
	rateLimited: number;
	peakBudget: number | undefined;
	finalBudget: number | undefined;
	overloads: number | undefined;
	/** The limiter read here was seen with the node's execution as a member (today's limiter). */
	sharedLimiter: 'yes' | 'no' | 'unknown';
	samples: Sample[];
	memory?: { node: MemoryFigures; noOp: MemoryFigures };
	/** Row a: n8n-core's request helper alone, as many requests, same simulator (wall ms). */
	helperFloorMs?: number;
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const s = (ms: number) => (ms / 1000).toFixed(1);

/** n8n's NoOp node (n8n-nodes-base is not installed): passes its items through. */
class BenchNoOp implements INodeType {
	description: INodeType['description'] = {
		displayName: 'No Operation, do nothing',
		name: 'noOp',
		group: ['organization'],
		version: 1,
		description: 'No operation (bench)',
		defaults: { name: 'No Operation, do nothing' },
		inputs: ['main'],
		outputs: ['main'],
		properties: [],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [this.getInputData()];
	}
}

function startItems(n: number) {
	return Array.from({ length: n }, (_, i) => ({ json: { i } }));
}

function rowWorkflow(spec: RowSpec, sim: SimulatorServer, packageDir: string): RunWorkflowOptions {
	return {
		packageDir,
		nodes: [
			{ name: 'Start', type: 'test.start', parameters: { items: startItems(spec.items) } },
			{
				name: 'Video',
				type: NODE_TYPE,
				onError: 'continueRegularOutput',
				parameters: {
					operation: 'create',
					model: { __rl: true, mode: 'list', value: 'veo3.1-fast' },
					prompt: '=A paper boat drifting down a rainy street, take {{ $json.i }}',
					waitForCompletion: true,
					downloadWhenComplete: spec.download,
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

function noOpWorkflow(n: number): RunWorkflowOptions {
	return {
		nodes: [
			{ name: 'Start', type: 'test.start', parameters: { items: startItems(n) } },
			{ name: 'NoOp', type: 'noOp' },
		],
		connections: { Start: { main: [[{ node: 'NoOp', type: 'main', index: 0 }]] } },
		nodeTypes: { noOp: BenchNoOp },
	};
}

function loadLimiter(packageDir: string): LimiterModule {
	const file = path.join(packageDir, 'dist/nodes/CometVideo/helpers/limiter.js');
	if (!fs.existsSync(file)) throw new Error(`${file} not found: build that package first`);
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	return require(fs.realpathSync(file)) as LimiterModule;
}

// --- memory of this process --------------------------------------------------------------------

let gcFunction: (() => void) | undefined;
function collectGarbage(): void {
	if (!gcFunction) {
		v8.setFlagsFromString('--expose-gc');
		gcFunction = vm.runInNewContext('gc') as () => void;
	}
	gcFunction();
	gcFunction();
}

function procStatus(field: 'VmHWM' | 'VmRSS'): number {
	const status = fs.readFileSync('/proc/self/status', 'utf8');
	const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
	return match ? (Number(match[1]) * 1024) / 1e6 : NaN;
}

/** Runs `work` after a garbage collection, with the kernel's peak RSS reset; heap sampled. */
async function measureMemory<T>(
	work: () => Promise<T>,
): Promise<{ result: T; figures: MemoryFigures }> {
	collectGarbage();
	try {
		fs.writeFileSync('/proc/self/clear_refs', '5');
	} catch {
		// Not Linux: VmHWM is then the process's peak so far.
	}
	const startRssMB = procStatus('VmRSS');
	let peakHeap = process.memoryUsage().heapUsed;
	let liveHeap = peakHeap;
	const timer = setInterval(() => {
		peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
	}, 50);
	const majorCollections = new PerformanceObserver((list) => {
		for (const entry of list.getEntries()) {
			const { kind } = (entry as unknown as { detail?: { kind?: number } }).detail ?? {};
			if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) {
				liveHeap = Math.max(liveHeap, process.memoryUsage().heapUsed);
			}
		}
	});
	majorCollections.observe({ entryTypes: ['gc'] });
	const started = performance.now();
	try {
		const result = await work();
		const wallMs = performance.now() - started;
		peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
		const figures = {
			peakRssMB: procStatus('VmHWM'),
			peakHeapMB: peakHeap / 1e6,
			liveHeapMB: liveHeap / 1e6,
			startRssMB,
			wallMs,
		};
		return { result, figures };
	} finally {
		clearInterval(timer);
	}
}

/**
 * What n8n alone needs for `requests` requests: n8n-core's `httpRequest` (the helper every
 * community node must use; a new agent and connection per request) GETting a job from the same
 * simulator, 100 at once. A row's wall time cannot go below it on this machine.
 */
async function helperFloor(sim: SimulatorServer, requests: number): Promise<number> {
	const { httpRequest } =
		(await import('n8n-core/dist/execution-engine/node-execution-context/utils/request-helper-functions.js')) as {
			httpRequest(options: object): Promise<unknown>;
		};
	let next = 0;
	const started = performance.now();
	await Promise.all(
		Array.from({ length: 100 }, async () => {
			while (next++ < requests) {
				await httpRequest({
					url: `${sim.url}/v1/videos/video_helper_floor`,
					method: 'GET',
					json: true,
					headers: { Authorization: `Bearer ${sim.apiKey}` },
					ignoreHttpStatusErrors: true,
				});
			}
		}),
	);
	const wallMs = performance.now() - started;
	log(`  n8n's request helper alone, ${requests} requests: ${s(wallMs)} s`);
	return wallMs;
}

// --- one row -----------------------------------------------------------------------------------

async function checkOutput(
	items: INodeExecutionData[],
	readBinary: (binary: NonNullable<INodeExecutionData['binary']>[string]) => Promise<Buffer>,
	sim: SimulatorServer,
	download: boolean,
): Promise<{ failed: number; completed: number; stored: number }> {
	let failed = 0;
	let completed = 0;
	const ids: string[] = [];
	for (const item of items) {
		if (item.json.error !== undefined) failed++;
		else if (String(item.json.status).toLowerCase() === 'completed') completed++;
		if (download && item.binary?.data && item.json.id) ids.push(String(item.json.id));
	}
	let stored = 0;
	if (download && ids.length) {
		const shas = await sim.call('sha256', ids);
		for (const item of items) {
			const binary = item.binary?.data;
			if (!binary || !item.json.id) continue;
			if (sha256(await readBinary(binary)) === shas[String(item.json.id)]) stored++;
		}
	}
	return { failed, completed, stored };
}

export async function runRow(
	spec: RowSpec,
	packageDir: string,
	options: RowOptions,
): Promise<RowResult> {
	const limiters = loadLimiter(packageDir);
	const sim = await startSimulatorServer({
		jobDurationMs: spec.jobSeconds * 1000,
		videoBytes: Math.round(options.videoKiB * 1024),
		apiKey: KEY,
		latencyMs: spec.latencyMs,
		keyConcurrencyLimit: spec.keyLimit,
	});
	try {
		// Warm-up on this row's simulator: module loading, the engine's first run, connections.
		await sim.call('configure', { jobDurationMs: 0, latencyMs: 0, keyConcurrencyLimit: undefined });
		const warm = await runWorkflow(rowWorkflow({ ...spec, items: 1 }, sim, packageDir));
		if (warm.status !== 'success') throw new Error(`warm-up failed: ${warm.error?.message}`);
		await sim.call('reset');

		let noOp: MemoryFigures | undefined;
		if (spec.memory) {
			log(`row ${spec.id}: ${spec.items} items through NoOp (memory)…`);
			noOp = (await measureMemory(() => runWorkflow(noOpWorkflow(spec.items)))).figures;
		}

		log(
			`row ${spec.id}: ${spec.items} items × ${spec.jobSeconds} s jobs, ${spec.latencyMs} ms API` +
				`${spec.keyLimit ? `, 429 beyond ${spec.keyLimit} in flight` : ''}, ` +
				`${spec.download ? 'download' : 'no download'} (${packageDir})…`,
		);
		const limiter = limiters.limiterFor(sim.url, sim.apiKey);
		let peakSeen: number | undefined;
		/** The budget at the last sample while the execution ran (after it, no ceiling is left). */
		let lastSeen: number | undefined;
		let shared: RowResult['sharedLimiter'] = 'unknown';
		const samples: Sample[] = [];
		const started = performance.now();
		let sampling = false;
		const sample = async () => {
			if (sampling) return;
			sampling = true;
			try {
				const current = limiters.limiterFor(sim.url, sim.apiKey);
				const budget = num(current.budget);
				if (budget !== undefined) peakSeen = Math.max(peakSeen ?? 0, budget);
				if (current.members && current.members.size > 0) {
					shared = 'yes';
					lastSeen = budget;
				}
				if (!spec.path) return;
				const at = await sim.call('sample');
				samples.push({
					t: (performance.now() - started) / 1000,
					budget,
					inFlight: at.now,
					inFlightPeak: at.peak,
					rateLimited: at.rateLimited,
				});
			} finally {
				sampling = false;
			}
		};
		const timer = setInterval(() => void sample(), SAMPLE_MS);
		const run = async () => runWorkflow(rowWorkflow(spec, sim, packageDir));
		let result: Awaited<ReturnType<typeof run>>;
		let memory: RowResult['memory'];
		try {
			if (noOp) {
				const measured = await measureMemory(run);
				result = measured.result;
				memory = { node: measured.figures, noOp };
			} else result = await run();
		} finally {
			clearInterval(timer);
		}
		const wallMs = performance.now() - started;
		if (spec.path) await sample();
		if (shared === 'unknown' && limiter.members) shared = 'no';
		const items = result.status === 'success' ? result.output('Video') : [];
		const outcome = await checkOutput(
			items,
			(binary) => result.readBinary(binary),
			sim,
			spec.download,
		);
		const stats = await sim.call('stats');
		const finalBudget = lastSeen;
		const requests = stats.creates + stats.polls + stats.downloads + stats.other;
		const helperFloorMs = spec.memory ? await helperFloor(sim, requests) : undefined;
		const row: RowResult = {
			spec,
			packageDir,
			wallMs,
			status: result.status,
			error: result.error?.message,
			items: items.length,
			failed: result.status === 'success' ? outcome.failed : spec.items,
			completed: outcome.completed,
			stored: outcome.stored,
			stats,
			requests,
			rateLimited: stats.rateLimited,
			peakBudget: num(limiter.stats?.peakBudget) ?? peakSeen,
			finalBudget,
			overloads: num(limiter.stats?.overloads),
			sharedLimiter: shared,
			samples,
			memory,
			helperFloorMs,
		};
		log(
			`  ${s(wallMs)} s (${(wallMs / 1000 / spec.jobSeconds).toFixed(1)}× job time), ${result.status}, ` +
				`${row.failed} failed, ${row.completed} completed, ${row.stored} stored, ${row.requests} requests, ` +
				`${row.rateLimited} × 429, max in flight ${stats.maxInFlight}, limiter shared: ${shared}`,
		);
		return row;
	} finally {
		await sim.close();
	}
}

// --- the report --------------------------------------------------------------------------------

const dash = (value: number | undefined, digits = 0) =>
	value === undefined ? '–' : value.toFixed(digits);

function rowName(spec: RowSpec): string {
	const api = spec.latencyMs ? `${spec.latencyMs} ms API` : 'instant API';
	const limit = spec.keyLimit ? `, 429 beyond ${spec.keyLimit}` : '';
	return `${spec.id}: ${spec.items.toLocaleString('en')} × ${spec.jobSeconds} s, ${api}${limit}, ${spec.download ? 'download' : 'no download'}`;
}

export function rowsTable(rows: RowResult[], labelOf: (dir: string) => string): string {
	const header = [
		'row',
		'build',
		'wall (s)',
		'÷ job time',
		'requests / job (create + poll + download)',
		'budget peak / final',
		'429s (% of requests)',
		'overloads seen by the limiter',
		'items failed',
		'videos stored',
		'max in flight at the simulator',
		"limiter read is the node's",
		"issue's figure for today → target",
	];
	const body = rows.map((row) => {
		const { stats: st, spec } = row;
		const jobs = st.jobs || 1;
		const per = (count: number) => (count / jobs).toFixed(2);
		const percent = row.requests ? ((100 * row.rateLimited) / row.requests).toFixed(1) : '0';
		return [
			rowName(spec),
			labelOf(row.packageDir),
			row.status === 'success' ? s(row.wallMs) : `${s(row.wallMs)} (${row.status}: ${row.error})`,
			`${(row.wallMs / 1000 / spec.jobSeconds).toFixed(1)}×` +
				(row.helperFloorMs
					? ` (${(row.wallMs / row.helperFloorMs).toFixed(2)}× n8n's helper alone: ${s(row.helperFloorMs)} s)`
					: ''),
			`${per(row.requests)} (${per(st.creates)} + ${per(st.polls)} + ${per(st.downloads)})`,
			`${dash(row.peakBudget)} / ${dash(row.finalBudget)}`,
			`${row.rateLimited} (${percent} %)`,
			dash(row.overloads),
			`${row.failed} of ${spec.items}`,
			spec.download ? `${row.stored} of ${spec.items}` : `– (${row.completed} completed)`,
			st.maxInFlight,
			row.sharedLimiter,
			`${spec.today} → ${spec.target}`,
		];
	});
	return markdownTable(header, body);
}

export function memoryTable(rows: RowResult[], labelOf: (dir: string) => string): string {
	const measured = rows.filter((row) => row.memory);
	if (!measured.length) return '';
	const mb = (value: number) => value.toFixed(0);
	const body = measured.flatMap((row) => {
		const { node, noOp } = row.memory as NonNullable<RowResult['memory']>;
		return [
			[
				`${labelOf(row.packageDir)}: NoOp`,
				mb(noOp.startRssMB),
				mb(noOp.peakRssMB),
				mb(noOp.peakHeapMB),
				mb(noOp.liveHeapMB),
				s(noOp.wallMs),
				'',
			],
			[
				`${labelOf(row.packageDir)}: Comet Video`,
				mb(node.startRssMB),
				mb(node.peakRssMB),
				mb(node.peakHeapMB),
				mb(node.liveHeapMB),
				s(node.wallMs),
				`+${mb(node.peakRssMB - noOp.peakRssMB)} MB RSS, +${mb(node.peakHeapMB - noOp.peakHeapMB)} MB heap, +${mb(node.liveHeapMB - noOp.liveHeapMB)} MB live heap`,
			],
		];
	});
	return markdownTable(
		[
			`row a, ${measured[0].spec.items.toLocaleString('en')} items`,
			'RSS at start (MB)',
			'peak RSS (MB)',
			'peak heap used (MB)',
			'live heap: most after a full GC (MB)',
			'wall (s)',
			'Comet Video above NoOp (peak; live)',
		],
		body,
	);
}

/** The budget's path: samples grouped into at most `lines` lines. */
export function pathTable(row: RowResult, lines = 24): string {
	const { samples } = row;
	if (!samples.length) return '(no samples)';
	const per = Math.max(1, Math.ceil(samples.length / lines));
	const body: unknown[][] = [];
	let refusedBefore = 0;
	for (let i = 0; i < samples.length; i += per) {
		const group = samples.slice(i, i + per);
		const last = group[group.length - 1];
		const budgets = group.map((g) => g.budget).filter((b): b is number => b !== undefined);
		const lo = budgets.length ? Math.min(...budgets) : undefined;
		const hi = budgets.length ? Math.max(...budgets) : undefined;
		body.push([
			`${group[0].t.toFixed(2)}–${last.t.toFixed(2)}`,
			lo === undefined ? '–' : lo === hi ? lo : `${lo}–${hi} (last ${last.budget})`,
			`${Math.max(...group.map((g) => g.inFlightPeak))} (now ${last.inFlight})`,
			last.rateLimited - refusedBefore,
		]);
		refusedBefore = last.rateLimited;
	}
	return markdownTable(
		[
			's since start',
			'budget (min–max)',
			'in flight at the simulator (most; at the last sample)',
			'429s',
		],
		body,
	);
}

export function rowsSection(rows: RowResult[], options: RowOptions): string[] {
	const dirs = [...new Set(rows.map((row) => row.packageDir))];
	const labelOf = (dir: string) => (dirs.length > 1 ? dir : path.basename(dir) || dir);
	const out = [
		`### Issue 22 rows: one execution each, Create with wait (Continue On Fail), ${options.videoKiB} KiB videos, default options`,
		'',
		rowsTable(rows, labelOf),
		'',
		"- Wall time of the whole execution (test.start → Comet Video) in the harness; ÷ job time = wall ÷ one job's duration; for row a also ÷ the wall time of n8n-core's request helper alone sending as many requests to the same simulator, 100 at once (the floor on this machine). " +
			'Requests and 429s are counted by the simulator (its own process, a fresh one per row). ' +
			'Budget: `.stats.peakBudget` of `limiterFor(sim.url, key)` / its `.budget` at the last sample while the execution ran, of the build under test (– where the build has none); ' +
			'overloads: `.stats.overloads`, the 429/503 answers the limiter saw. Items failed: output items carrying an error. ' +
			"Videos stored: binaries whose sha256 equals the simulator's file. " +
			"Limiter read is the node's: yes when the instance the bench reads had the node's execution as a member during the run " +
			"(today's limiter keeps `members`), so bench and node share one module; unknown for a limiter without that field.",
	];
	const memory = memoryTable(rows, labelOf);
	if (memory)
		out.push(
			'',
			"#### Row a: memory of the harness process (not a real n8n process; n8n-core's WorkflowExecute in this process)",
			'',
			memory,
			'',
			"- Each run after a forced garbage collection with the kernel's peak RSS reset (/proc/self/clear_refs); peak RSS is VmHWM at the end, heap is sampled every 50 ms; live heap is the heap in use as each full garbage collection is reported (what the run holds; the peak adds the garbage V8 lets build up between collections, which follows the allocation rate of n8n's request helper). " +
				"NoOp: the same items through a pass-through node (n8n's NoOp, re-declared: n8n-nodes-base is not installed). The simulator lives in another process.",
		);
	for (const row of rows.filter((r) => r.spec.path)) {
		out.push(
			'',
			`#### Budget path, ${rowName(row.spec)} (${labelOf(row.packageDir)}; sampled every ${SAMPLE_MS} ms)`,
			'',
			pathTable(row),
		);
	}
	return out;
}
