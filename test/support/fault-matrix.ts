/**
 * The fault matrix: every case is a real n8n workflow execution of the Comet Video node against the
 * local CometAPI simulator with one fault injected. Each case states what the user must see
 * (execution status, error message/description or continue-on-fail output) and what must not be
 * lost; shared checks applied to EVERY case:
 *   - the API key appears nowhere (output, error message/description/serialised error, run
 *     data, n8n's log lines);
 *   - the node made exactly the expected number of create calls that turned into jobs, never
 *     more than the number of input items (no second paid job);
 *   - every job the node created is named in the output or in the error, unless the failure was
 *     ambiguous (the node cannot know the id), in which case the message says a job may exist
 *     and how to find out.
 * The cases live with what they protect (test/<what>/fault-matrix.workflow.test.ts); this is the
 * case builders and the runner they share.
 */
import { expect } from '@jest/globals';

import type { FaultRoute, FaultSpec, Plan, Simulator } from '../../tools/simulator';
import type { CometVideoCredential, VideoParameters, VideoResult } from './helpers';
import * as H from './faults';
import { serialise } from './serialise';

export const MAY_EXIST = [
	/a job may have been created/i,
	/task log in your CometAPI console/i,
	/not sent again/i,
];
export const NOT_RAW_PARSER = /Unexpected token|JSON\.parse|SyntaxError|in JSON at position/i;
export const GAVE_UP = /gave up after 3 attempts/i;

/** What a case's setup hands to its parameters, checks and teardown. */
export interface CaseContext {
	/** The job the case reads. */
	id?: string;
	/** Credential fields instead of the simulator's. */
	credential?: Partial<CometVideoCredential>;
	/** A simulator that comes up only after the node's first attempt. */
	lateServer?: Promise<Simulator>;
}

/** What the user must see, and what must not be lost. */
export interface Expectation {
	status: VideoResult['status'];
	/** Patterns the user must see (error, or continue-on-fail items). */
	error?: RegExp[];
	/** Patterns the user must not see. */
	notError?: RegExp[];
	/** Calls per simulator route. */
	requests?: Record<string, number>;
	/** Jobs the node itself created. */
	nodeCreates: number;
	/** The case's job (ctx.id) is named. */
	namesJob?: boolean;
	/** Continue-on-fail items carry their job id. */
	outputIds?: boolean;
	/** One create may have made a job the node cannot know. */
	ambiguousCreate?: boolean;
	/** No item carries a file, or every item carries its job's exact video. */
	binary?: false | 'exact';
}

export interface FaultCase {
	name: string;
	/** How many input items (default 1). */
	items?: number;
	continueOnFail?: boolean;
	setup(sim: Simulator): Promise<CaseContext>;
	params(ctx: CaseContext): VideoParameters;
	expect: Expectation;
	check?(result: VideoResult, sim: Simulator, ctx: CaseContext): void | Promise<void>;
	teardown?(ctx: CaseContext): Promise<void>;
}

/** What a case builder takes beyond the faults and the expectation. */
export type CaseExtras = Partial<
	Pick<FaultCase, 'items' | 'continueOnFail' | 'check' | 'teardown'>
> & {
	/** Parameters over the builder's own. */
	params?: VideoParameters;
};

/** The job a read case set up. */
export function jobIdOf(ctx: CaseContext): string {
	if (ctx.id === undefined) throw new Error('the case set up no job');
	return ctx.id;
}

/**
 * Read side: a finished job exists (seeded straight on the simulator), the faults are injected on
 * `route`, then the node reads the job with the parameters `paramsOf(id, overrides)` makes.
 */
export function readCase(
	route: FaultRoute,
	paramsOf: (id: string, overrides?: VideoParameters) => VideoParameters,
) {
	return (
		name: string,
		faults: FaultSpec | FaultSpec[],
		expect: Omit<Expectation, 'nodeCreates'> & Partial<Expectation>,
		{ params: paramOverrides, ...extra }: CaseExtras = {},
	): FaultCase => ({
		name,
		setup: async (s) => {
			const id = await H.seedJob(s);
			for (const fault of [faults].flat()) s.fault(route, fault);
			return { id };
		},
		params: (ctx) => paramsOf(jobIdOf(ctx), paramOverrides),
		expect: { nodeCreates: 0, namesJob: expect.status === 'error', ...expect },
		...extra,
	});
}

export const retrieveCase = readCase('retrieve', H.retrieveParams);
export const downloadCase = readCase('content', H.downloadParams);

export function createCase(
	name: string,
	faults: FaultSpec | FaultSpec[],
	expect: Expectation,
	{ params: paramOverrides, ...extra }: CaseExtras = {},
): FaultCase {
	return {
		name,
		setup: async (s) => {
			for (const fault of [faults].flat()) s.fault('create', fault);
			return {};
		},
		params: () => H.createParams({ waitForCompletion: false, ...paramOverrides }),
		expect,
		...extra,
	};
}

/** Create, wait for completion and download: the whole everyday path. */
export function createAndWaitCase(
	name: string,
	{
		plan,
		faults = [],
		params = {},
		expect,
		...extra
	}: CaseExtras & {
		/** How the simulator plays the job out (instead of the prompt's markers). */
		plan?: Partial<Plan>;
		/** [route, fault] pairs */
		faults?: [FaultRoute, FaultSpec][];
		expect: Expectation;
	},
): FaultCase {
	return {
		name,
		setup: async (s) => {
			if (plan) s.configure({ plan: () => plan });
			for (const [route, fault] of faults) s.fault(route, fault);
			return {};
		},
		params: () => H.createParams({ binaryPropertyName: 'data', ...params }),
		expect,
		...extra,
	};
}

/** A job of a minute, seeded without waiting for it (queued for its first 6 s). */
export async function seedMinuteJob(s: Simulator): Promise<string> {
	s.configure({ plan: () => ({ durationMs: 60_000 }) });
	return await H.seedJob(s, { waitUntilDone: false });
}

/** Gaps (ms) between consecutive requests on a route. */
export function gaps(s: Simulator, route: string): number[] {
	const at = H.requestsTo(s, route).map((request) => request.at);
	return at.slice(1).map((time, i) => time - at[i]);
}

/** A check: the retry on `route` came about a second (Retry-After: 1) after the first attempt. */
export function waitedAboutASecond(route: string): FaultCase['check'] {
	return (_result, s) => {
		const [gap] = gaps(s, route);
		// The base delay is 10 ms: only the header explains a gap of about a second.
		expect(gap).toBeGreaterThanOrEqual(950);
		expect(gap).toBeLessThan(3000);
	};
}

/** The simulator of a test file (started before its cases), and the runner of its cases. */
export function useFaultMatrix(): (testCase: FaultCase) => Promise<void> {
	const getSim = H.useSimulator();
	return async (testCase) => await runCase(getSim(), testCase);
}

async function runCase(sim: Simulator, testCase: FaultCase): Promise<void> {
	const seededBefore = sim.createCount();
	const ctx = (await testCase.setup(sim)) ?? {};
	try {
		await checkCase(sim, testCase, ctx, seededBefore);
	} finally {
		await testCase.teardown?.(ctx);
	}
}

async function checkCase(
	sim: Simulator,
	testCase: FaultCase,
	ctx: CaseContext,
	seededBefore: number,
): Promise<void> {
	const seeded = sim.createCount() - seededBefore;
	const items = testCase.items ?? 1;
	const result = await H.runVideoNode(sim, testCase.params(ctx), {
		items: H.numberedItems(items),
		continueOnFail: testCase.continueOnFail,
		credential: ctx.credential,
	});
	const want = testCase.expect;
	const sees = H.userSees(result);
	const context = `user sees: ${sees || '(nothing)'}\nrequests: ${sim.requests.map((r) => `${r.route}:${r.status}`).join(', ')}`;

	// Shared: the key never shows (checked first: it matters for every case).
	H.expectNoKeyLeak(result);

	// What the user sees.
	expect({ status: result.status, context }).toEqual({ status: want.status, context });
	for (const pattern of want.error ?? []) expect(sees).toMatch(pattern);
	for (const pattern of want.notError ?? []) expect(sees).not.toMatch(pattern);
	if (want.status === 'error' || want.error) expect(sees).not.toBe('');

	// How often each route was called.
	for (const [route, count] of Object.entries(want.requests ?? {})) {
		expect({ route, calls: H.requestsTo(sim, route).length, context }).toEqual({
			route,
			calls: count,
			context,
		});
	}

	// Nothing paid for twice: the node's own jobs, exactly as expected, never more than the items.
	const nodeJobs = sim.creates.slice(seededBefore + seeded).map((c) => c.id);
	expect(nodeJobs.length).toBe(want.nodeCreates);
	expect(nodeJobs.length).toBeLessThanOrEqual(items);

	// Nothing lost: every job the node made is named in the output or the error...
	const visible = `${serialise(result.items.map((item) => item.json))}\n${sees}`;
	const unnamed = nodeJobs.filter((id) => !visible.includes(id));
	if (want.ambiguousCreate) {
		// ...except one the node could not learn the id of; then it says so, and how to check.
		expect(unnamed.length).toBeLessThanOrEqual(1);
		for (const pattern of MAY_EXIST) expect(sees).toMatch(pattern);
	} else {
		expect(unnamed).toEqual([]);
	}
	// ...and the job the case is about is named when it fails.
	if (want.namesJob) expect(sees).toContain(ctx.id);
	if (want.outputIds) {
		const errorItems = result.items.filter((item) => item.json.error !== undefined);
		expect(errorItems.length).toBeGreaterThan(0);
		for (const item of errorItems)
			expect(item.json.id).toEqual(expect.stringMatching(/^(task|video)_/));
	}

	// Files: never a partial one; when one is expected, byte-exact.
	const withBinary = H.withBinary(result);
	if (want.binary === false) expect(withBinary).toEqual([]);
	if (want.binary === 'exact') {
		expect(withBinary).toHaveLength(items);
		for (const item of withBinary) {
			const id = item.json.id;
			const bytes = await result.readBinary(item.binary?.data);
			expect(bytes.length).toBe(sim.videoBuffer(id).length);
			expect(bytes.equals(sim.videoBuffer(id))).toBe(true);
		}
	}

	await testCase.check?.(result, sim, ctx);
}
