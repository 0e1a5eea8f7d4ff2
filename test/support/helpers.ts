/**
 * What every workflow suite (every test/<what>/*.workflow.test.ts) shares: the one runner (Start -> Comet Video
 * in a real n8n execution against the CometAPI simulator), the node's parameters per operation,
 * jobs made straight at the simulator, and a simulator per test file.
 */
import * as path from 'node:path';

import {
	Workflow,
	type IDataObject,
	type INode,
	type INodeExecutionData,
	type INodeParameters,
	type INodeTypes,
} from 'n8n-workflow';

import {
	credentialRef,
	runWorkflow,
	type BinaryMode,
	type StartItem,
	type WorkflowResult,
} from '../../tools/harness';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../tools/simulator';
import { createJob, simulatorCredentialData, type CreatedJob } from '../../tools/simulator-access';
import { NODE_TYPE, REPO_ROOT } from '../../tools/constants';

export { NODE_TYPE };
export const NODE_NAME = 'Comet Video';

/**
 * The package whose `n8n` section is loaded (default: this repository). COMET_VIDEO_PACKAGE_DIR
 * lets the suites run against another build of the package (e.g. a patched copy, to check a fix).
 */
export const PACKAGE_DIR = path.resolve(process.env.COMET_VIDEO_PACKAGE_DIR || REPO_ROOT);

/**
 * Options every run gets under its own: fast polling and retries, three attempts and a 1 s
 * request timeout, so that failures (and the fault matrix) take seconds, not minutes.
 */
export const FAST_OPTIONS = Object.freeze({
	pollIntervalSeconds: 1,
	retryBaseDelayMs: 10,
	maxAttempts: 3,
	requestTimeoutSeconds: 1,
});

/** The data of a cometVideoApi credential. */
export type CometVideoCredential = { apiKey: string; baseUrl: string; allowHttp?: boolean };

/** The node's parameters; `options` is the node's Options collection. */
export type VideoParameters = INodeParameters & { options?: INodeParameters };

/** Create: the usual model and prompt; waits and downloads (the node's defaults) unless told. */
export function createParams(overrides: VideoParameters = {}): VideoParameters {
	return {
		operation: 'create',
		model: { __rl: true, mode: 'list', value: 'veo3-fast' },
		prompt: 'A paper boat drifting down a rainy street',
		waitForCompletion: true,
		downloadWhenComplete: true,
		...overrides,
	};
}

/** Retrieve, without waiting (the node's default) unless told. */
export function retrieveParams(videoId: string, overrides: VideoParameters = {}): VideoParameters {
	return { operation: 'retrieve', videoId, waitForCompletion: false, ...overrides };
}

/** Download of the video into binary field `data`. */
export function downloadParams(videoId: string, overrides: VideoParameters = {}): VideoParameters {
	return {
		operation: 'download',
		videoId,
		variant: 'video',
		binaryPropertyName: 'data',
		...overrides,
	};
}

export interface VideoRun {
	/** Credential fields that differ from the simulator's (its key and URL). */
	credential?: Partial<CometVideoCredential>;
	/** Items the Start node emits (default: one empty item). */
	items?: StartItem[];
	/** The node's "On Error: Continue" setting. */
	continueOnFail?: boolean;
	/** n8n's node setting "Retry On Fail", with Max Tries 3 and no wait between tries. */
	retryOnFail?: boolean;
	binaryMode?: BinaryMode;
	cancelAfterMs?: number;
}

/** An output item of the node: a job's JSON, or (continue on fail) the error and the job id. */
export type VideoItem = INodeExecutionData & { json: IDataObject & { id: string } };

export type VideoResult = WorkflowResult & {
	/** The Comet Video node's output items. */
	items: VideoItem[];
};

/** The server a run talks to: a simulator, or any server with a key and a URL. */
export type VideoServer = Pick<Simulator, 'apiKey' | 'url'>;

/**
 * Runs Start -> Comet Video in a real n8n execution, with the credential pointing at `sim`.
 * FAST_OPTIONS go under the parameters' own options.
 */
export async function runVideoNode(
	sim: VideoServer,
	parameters: VideoParameters,
	{
		credential = {},
		items = [{ json: {} }],
		continueOnFail = false,
		retryOnFail = false,
		...harness
	}: VideoRun = {},
): Promise<VideoResult> {
	const result = await runWorkflow({
		nodes: [
			{ name: 'Start', type: 'test.start', parameters: { items: items as INodeParameters[] } },
			{
				name: NODE_NAME,
				type: NODE_TYPE,
				parameters: { ...parameters, options: { ...FAST_OPTIONS, ...parameters.options } },
				credentials: credentialRef('cometVideoApi'),
				...(continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
				...(retryOnFail ? { retryOnFail: true, maxTries: 3, waitBetweenTries: 0 } : {}),
			},
		],
		connections: { Start: { main: [[{ node: NODE_NAME, type: 'main', index: 0 }]] } },
		credentials: { cometVideoApi: { ...simulatorCredentialData(sim), ...credential } },
		packageDir: PACKAGE_DIR,
		...harness,
	});
	return { ...result, items: result.output(NODE_NAME) as VideoItem[] };
}

/** Simulator requests for one route ('create', 'retrieve', 'content', 'remix', ...). */
export function requestsTo(sim: Simulator, route: string): Simulator['requests'] {
	return sim.requests.filter((request) => request.route === route);
}

/**
 * Makes a job straight at the simulator, for the read-side tests. Removes its own request from
 * sim.requests so tests only see what the node sent (`sim.createCount()` still goes up by one).
 */
export async function createJobDirect(
	sim: Simulator,
	fields?: Parameters<typeof createJob>[1],
): Promise<CreatedJob> {
	const before = sim.requests.length;
	const job = await createJob(sim, fields);
	sim.requests.splice(before, 1);
	return job;
}

type Job = ReturnType<Simulator['jobs']['get']>;

/** The simulator's job with this id (fails the test when there is none). */
export function jobOf(sim: Simulator, id: string): NonNullable<Job> {
	const job = sim.jobs.get(id);
	if (!job) throw new Error(`the simulator has no job ${id}`);
	return job;
}

/** Resolves once `done(job)` holds for the simulator's job (polls its state, not HTTP). */
async function untilJob(
	sim: Simulator,
	id: string,
	done: (job: Job) => boolean,
	what: string,
	timeoutMs = 10_000,
): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!done(sim.jobs.get(id))) {
		if (Date.now() > deadline) throw new Error(`job ${id} did not ${what} within ${timeoutMs} ms`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

/** Resolves once the simulator's job reached `status`. */
export function untilStatus(
	sim: Simulator,
	id: string,
	status: string,
	timeoutMs?: number,
): Promise<void> {
	return untilJob(sim, id, (job) => job?.status === status, `reach ${status}`, timeoutMs);
}

/** Resolves once the simulator's job ended, whatever the outcome. */
export function untilFinished(sim: Simulator, id: string, timeoutMs?: number): Promise<void> {
	return untilJob(
		sim,
		id,
		(job) => job !== undefined && job.finishedAt !== null,
		'finish',
		timeoutMs,
	);
}

/**
 * Starts a simulator (with `options`) for one test file; resets it before every test and closes
 * it afterwards. Returns a getter for it.
 */
export function useSimulator(options: Partial<SimulatorOptions> = {}): () => Simulator {
	let sim: Simulator | undefined;
	beforeAll(async () => {
		sim = await startSimulator(options);
	});
	beforeEach(() => sim?.reset());
	afterAll(async () => {
		await sim?.close();
	});
	return () => {
		if (!sim) throw new Error('the simulator is not started yet (use it inside a test or hook)');
		return sim;
	};
}

const expressionNode: INode = {
	id: '1',
	name: 'Test',
	type: 'test.start',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};
// The expression engine needs a workflow around a node; credential expressions only read
// $credentials, so one stand-in type with no parameters will do.
const expressionWorkflow = new Workflow({
	nodes: [expressionNode],
	connections: {},
	active: false,
	nodeTypes: {
		getByName: () => ({ description: { properties: [] } }),
		getByNameAndVersion: () => ({ description: { properties: [] } }),
		getKnownTypes: () => ({}),
	} as unknown as INodeTypes,
});

/** A credential's expression (its auth header, its Test URL) as n8n resolves it for `data`. */
export function evaluateCredentialExpression(
	expression: string | undefined,
	data: Record<string, unknown>,
): unknown {
	return expressionWorkflow.expression.getSimpleParameterValue(
		expressionNode,
		expression,
		'manual',
		{
			$credentials: data,
		} as never,
	);
}
