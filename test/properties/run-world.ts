/**
 * Runs one world: its servers, its execution (Start -> Comet Video in n8n-core's real
 * WorkflowExecute, tools/harness), a twin on the same key or failing executions beside it, each
 * under a hard bound computed from its settings. A run that passes its bound is stopped there and
 * reported (the 'time' invariant), never left to hang the test.
 */
import type { IBinaryData, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { NODE_TYPE, REPO_ROOT } from '../../tools/constants';
import { credentialRef, runWorkflow, type WorkflowResult } from '../../tools/harness';
import { promptTag, startWorldServer, type WorldServer } from './world-server';
import { WORLD_KEY, type CallKind, type Fault, type FileServe, type World } from './world';

export const NODE_NAME = 'Comet Video';
/** Every world's Poll Interval (Seconds): the longest gap the node may leave between two polls. */
export const POLL_INTERVAL_SECONDS = 1;

export interface StoredBinary {
	item: number | undefined;
	output: number;
	meta: Omit<IBinaryData, 'data'>;
	bytes?: Buffer;
	readError?: string;
}

export interface ExecutionObservation {
	exec: string;
	role: 'main' | 'twin' | 'noise';
	result?: WorkflowResult;
	thrown?: string;
	durationMs: number;
	boundMs: number;
	timedOut: boolean;
	/** Stopped because it sent nothing for `quietMs` (held by something without a deadline). */
	quiet: boolean;
	/** The node's outputs: [0] success (or all), [1] error output. */
	outputs: INodeExecutionData[][];
	binaries: StoredBinary[];
}

export interface WorldRun {
	world: World;
	server: Pick<WorldServer, 'api' | 'link' | 'other' | 'requests' | 'jobs' | 'file'>;
	executions: ExecutionObservation[];
	durationMs: number;
}

/** n8n's own clamp of Max Tries (2..5) when Retry On Fail is on. */
export function triesOf(world: World): number {
	return world.node.retryOnFail ? Math.min(5, Math.max(2, world.node.maxTries)) : 1;
}

/**
 * The longest an execution of this world may take: generous, finite, computed from its settings
 * and its fault schedule. Each fault costs what the node's rules allow it: a refused or broken
 * answer a backoff (with up to 1 s of jitter), a hang one Request Timeout (two for a download's
 * body, which may go one timeout without data before it counts as stalled). Each answer that is
 * not a fault costs 300 ms, a slow file its drip. Requests queue behind Max Requests in Flight
 * (shared by the key's executions); the wait adds its timeout; Retry On Fail repeats it all. The
 * sum is then taken half again, plus 5 s, for a busy machine.
 */
export function boundMs(world: World): number {
	const n = world.node;
	const timeout = n.requestTimeoutS * 1000;
	const faultCost = (fault: Fault, download: boolean): number => {
		switch (fault) {
			case 'ok':
				return 300;
			case 'hang-headers':
			case 'endless-error':
				return timeout + 1300;
			case 'hang-body':
				return (download ? 2 * timeout : timeout) + 1300;
			default:
				return 1300;
		}
	};
	const kindCost = (kind: CallKind, download = false) =>
		world.faults[kind].reduce((sum, fault) => sum + faultCost(fault, download), 0);
	const serveCost = (serve: FileServe) =>
		300 +
		(serve.drip === 'headers' ? 700 : 0) +
		(serve.drip === 'body' ? Math.ceil(world.fileBytes / 16_384) * 120 + 200 : 0) +
		(serve.redirect === 'none' ? 0 : 300);
	const create = kindCost('create') + 300;
	// Each status a poll's answer, and Runway's task_not_exist answers before them.
	const polls = kindCost('poll') + (world.job.statuses.length + 1 + world.own.notYet) * 300;
	const download =
		kindCost('content', true) +
		kindCost('link', true) +
		serveCost(world.content) +
		serveCost(world.link) +
		600;
	const requests = create + (n.wait ? polls + (n.download ? download : 0) : 0);
	const wait = n.wait ? n.timeoutMinutes * 60_000 + 1000 : 0;
	const load =
		world.items * (world.company === 'twin' ? 2 : 1) +
		(world.company === 'noise' ? Math.min(25, world.noiseRuns) : 0);
	const oneTry = Math.ceil(load / n.maxInFlight) * requests + wait + 1500;
	const noise = world.company === 'noise' ? world.noiseRuns * 30 : 0;
	return Math.round(1.5 * (triesOf(world) * oneTry + noise) + 5000);
}

/**
 * The longest an execution may send nothing: two Request Timeouts (headers, then a body that may
 * go one timeout without data), a backoff, the slowest drip, a poll gap; taken twice, plus 8 s.
 */
export function quietLimitMs(world: World): number {
	return 4 * world.node.requestTimeoutS * 1000 + 8000;
}

/** Public images (never fetched by the node: their URLs go to the API). */
export const IMAGE_URLS = ['https://images.example/first.png', 'https://images.example/last.png'];

function nodeParameters(world: World, exec: string): INodeParameters {
	const n = world.node;
	return {
		operation: 'create',
		model: { __rl: true, mode: 'id', value: world.model },
		prompt: promptTag(exec),
		...(world.imageUrls > 0
			? {
					referenceImages: 'urls',
					imageUrls: IMAGE_URLS.slice(0, world.imageUrls).join(', '),
				}
			: {}),
		waitForCompletion: n.wait,
		downloadWhenComplete: n.download,
		options: {
			downloadFrom: n.downloadFrom,
			maxInFlight: n.maxInFlight,
			maxAttempts: n.maxAttempts,
			requestTimeoutSeconds: n.requestTimeoutS,
			retryBaseDelayMs: 10,
			pollIntervalSeconds: POLL_INTERVAL_SECONDS,
			timeoutMinutes: n.timeoutMinutes,
		},
	};
}

async function runExecution(
	world: World,
	server: WorldServer,
	exec: string,
	role: ExecutionObservation['role'],
	bound: number,
): Promise<ExecutionObservation> {
	const n = world.node;
	const items = role === 'noise' ? 1 : world.items;
	const abort = new AbortController();
	const startedAt = Date.now();
	let timedOut = false;
	let quiet = false;
	const timer = setTimeout(() => {
		timedOut = true;
		abort.abort();
	}, bound);
	// Held without a request for longer than any of the node's deadlines allows: a hang, stopped
	// now rather than at the (much larger) bound.
	const quietMs = quietLimitMs(world);
	const watchdog = setInterval(() => {
		let last = startedAt;
		for (const request of server.requests)
			if (request.exec === exec && request.at > last) last = request.at;
		if (Date.now() - last > quietMs) {
			timedOut = true;
			quiet = true;
			abort.abort();
		}
	}, 250);
	const observation: ExecutionObservation = {
		exec,
		role,
		durationMs: 0,
		boundMs: bound,
		timedOut: false,
		quiet: false,
		outputs: [[], []],
		binaries: [],
	};
	try {
		const result = await runWorkflow({
			nodes: [
				{
					name: 'Start',
					type: 'test.start',
					parameters: {
						items: Array.from({ length: items }, (_, i) => ({ json: { n: i } })),
					},
				},
				{
					name: NODE_NAME,
					type: NODE_TYPE,
					parameters: nodeParameters(world, exec),
					credentials: credentialRef('cometVideoApi'),
					onError:
						role === 'noise' ? 'stopWorkflow' : n.onError === 'stop' ? 'stopWorkflow' : n.onError,
					...(n.retryOnFail && role !== 'noise'
						? { retryOnFail: true, maxTries: n.maxTries, waitBetweenTries: 0 }
						: {}),
				},
			],
			connections: { Start: { main: [[{ node: NODE_NAME, type: 'main', index: 0 }]] } },
			credentials: { cometVideoApi: { apiKey: WORLD_KEY, baseUrl: server.api } },
			packageDir: process.env.COMET_VIDEO_PACKAGE_DIR || REPO_ROOT,
			signal: abort.signal,
			cancelGraceMs: 2000,
		});
		observation.result = result;
		observation.outputs = [result.output(NODE_NAME, 0), result.output(NODE_NAME, 1)];
		for (const [output, list] of observation.outputs.entries()) {
			for (const entry of list) {
				for (const binary of Object.values(entry.binary ?? {})) {
					const meta: Omit<IBinaryData, 'data'> & { data?: string } = { ...binary };
					delete meta.data;
					const paired = entry.pairedItem;
					const item =
						paired && typeof paired === 'object' && !Array.isArray(paired)
							? paired.item
							: undefined;
					const stored: StoredBinary = { item, output, meta };
					try {
						stored.bytes = await result.readBinary(binary);
					} catch (error) {
						stored.readError = String(error);
					}
					observation.binaries.push(stored);
				}
			}
		}
	} catch (error) {
		observation.thrown = String((error as Error)?.stack ?? error);
	} finally {
		clearTimeout(timer);
		clearInterval(watchdog);
	}
	observation.timedOut = timedOut;
	observation.quiet = quiet;
	observation.durationMs = Date.now() - startedAt;
	return observation;
}

export async function runWorld(world: World): Promise<WorldRun> {
	const startedAt = Date.now();
	const server = await startWorldServer(world);
	const bound = boundMs(world);
	try {
		const runs: Array<Promise<ExecutionObservation>> = [
			runExecution(world, server, 'a', 'main', bound),
		];
		if (world.company === 'twin') runs.push(runExecution(world, server, 'b', 'twin', bound));
		if (world.company === 'noise') {
			// Failing executions on the same key, in batches, while the world's own one runs.
			const noise = (async () => {
				const done: ExecutionObservation[] = [];
				for (let start = 0; start < world.noiseRuns; start += 25) {
					const batch = Array.from({ length: Math.min(25, world.noiseRuns - start) }, (_, i) =>
						runExecution(world, server, `n${start + i}`, 'noise', 20_000),
					);
					done.push(...(await Promise.all(batch)));
				}
				return done;
			})();
			const [main, others] = await Promise.all([runs[0], noise]);
			return {
				world,
				server: snapshot(server),
				executions: [main, ...others],
				durationMs: Date.now() - startedAt,
			};
		}
		const executions = await Promise.all(runs);
		return { world, server: snapshot(server), executions, durationMs: Date.now() - startedAt };
	} finally {
		await server.close();
	}
}

function snapshot(server: WorldServer): WorldRun['server'] {
	return {
		api: server.api,
		link: server.link,
		other: server.other,
		requests: [...server.requests],
		jobs: server.jobs,
		file: server.file,
	};
}
