/**
 * Fault matrix: every case is a real n8n workflow execution of the Comet Video node against the
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
 */
import * as path from 'node:path';

import { NodeApiError, type INodeType } from 'n8n-workflow';

import type { FaultRoute, FaultSpec, Plan, Simulator } from '../../tools/simulator';
import type { CometVideoCredential, VideoParameters, VideoResult } from '../helpers';
import * as H from './helpers';

const MAY_EXIST = [
	/a job may have been created/i,
	/task log in your CometAPI console/i,
	/not sent again/i,
];
const NOT_RAW_PARSER = /Unexpected token|JSON\.parse|SyntaxError|in JSON at position/i;
const GAVE_UP = /gave up after 3 attempts/i;

const getSim = H.useSimulator();

/** What a case's setup hands to its parameters, checks and teardown. */
interface CaseContext {
	/** The job the case reads. */
	id?: string;
	/** Credential fields instead of the simulator's. */
	credential?: Partial<CometVideoCredential>;
	/** A simulator that comes up only after the node's first attempt. */
	lateServer?: Promise<Simulator>;
}

/** What the user must see, and what must not be lost. */
interface Expectation {
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

interface FaultCase {
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
type CaseExtras = Partial<Pick<FaultCase, 'items' | 'continueOnFail' | 'check' | 'teardown'>> & {
	/** Parameters over the builder's own. */
	params?: VideoParameters;
};

/** The job a read case set up. */
function jobIdOf(ctx: CaseContext): string {
	if (ctx.id === undefined) throw new Error('the case set up no job');
	return ctx.id;
}

/**
 * Read side: a finished job exists (seeded straight on the simulator), the faults are injected on
 * `route`, then the node reads the job with the parameters `paramsOf(id, overrides)` makes.
 */
function readCase(
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

const retrieveCase = readCase('retrieve', H.retrieveParams);
const downloadCase = readCase('content', H.downloadParams);

function createCase(
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
function createAndWaitCase(
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
async function seedMinuteJob(s: Simulator): Promise<string> {
	s.configure({ plan: () => ({ durationMs: 60_000 }) });
	return await H.seedJob(s, { waitUntilDone: false });
}

/** Gaps (ms) between consecutive requests on a route. */
function gaps(s: Simulator, route: string): number[] {
	const at = H.requestsTo(s, route).map((request) => request.at);
	return at.slice(1).map((time, i) => time - at[i]);
}

/** A check: the retry on `route` came about a second (Retry-After: 1) after the first attempt. */
function waitedAboutASecond(route: string): FaultCase['check'] {
	return (_result, s) => {
		const [gap] = gaps(s, route);
		// The base delay is 10 ms: only the header explains a gap of about a second.
		expect(gap).toBeGreaterThanOrEqual(950);
		expect(gap).toBeLessThan(3000);
	};
}

// Which statuses are retried (429, 5xx) and which are not is the unit table
// (test/unit/retry.test.ts); one status of each kind shows the decision is acted on.
const cases: FaultCase[] = [
	// --- 1. Reads retry on transient failures, and only on those --------------------------------
	retrieveCase(
		'R-503: retrieve answered 503 twice is retried and succeeds',
		{ status: 503, times: 2 },
		{ status: 'success', requests: { retrieve: 3 } },
	),
	retrieveCase(
		'R-reset: retrieve connection reset (after the request arrived) is retried',
		{ kind: 'reset', times: 2 },
		{ status: 'success', requests: { retrieve: 3 } },
	),
	retrieveCase(
		'R-reset-early: retrieve connection reset before the server read it is retried',
		{ kind: 'reset', beforeAccept: true },
		{ status: 'success', requests: { retrieve: 2 } },
	),
	retrieveCase(
		'R-timeout-once: a retrieve slower than the request timeout is retried',
		{ kind: 'slow', delayMs: 2500 },
		{ status: 'success', requests: { retrieve: 2 } },
	),
	retrieveCase(
		'R-giveup: retrieve 503 on every attempt fails and says it gave up after 3 attempts',
		{ status: 503, times: 3 },
		{
			status: 'error',
			error: [/could not retrieve the job/i, GAVE_UP, /No available channel/],
			requests: { retrieve: 3 },
		},
	),
	retrieveCase(
		'R-giveup-cof: same with Continue On Fail: the item carries error, description and id',
		{ status: 502, times: 3 },
		{
			status: 'success',
			error: [/could not retrieve the job/i, GAVE_UP],
			requests: { retrieve: 3 },
			outputIds: true,
		},
		{ continueOnFail: true },
	),
	retrieveCase(
		'R-retry-after: a 429 with Retry-After: 1 waits about a second before the next attempt',
		{ status: 429, headers: { 'retry-after': '1' } },
		{ status: 'success', requests: { retrieve: 2 } },
		{ check: waitedAboutASecond('retrieve') },
	),
	retrieveCase(
		'R-backoff: without Retry-After the gaps grow exponentially from the base delay (plus jitter)',
		{ status: 503, times: 3 },
		{ status: 'success', requests: { retrieve: 4 } },
		{
			params: { options: { retryBaseDelayMs: 100, maxAttempts: 4 } },
			check: (_result, s) => {
				const [g1, g2, g3] = gaps(s, 'retrieve');
				// min(30 s, base·2^(n-1)) + up to min(1 s, base) of jitter. The lower bounds prove the
				// growth; the upper ones (with 900 ms for a busy machine) that the 100 ms base is used,
				// not the 1 s default (which would give 1–2 s, 2–3 s, 4–5 s).
				const SLACK = 900;
				expect(g1).toBeGreaterThanOrEqual(95);
				expect(g1).toBeLessThan(100 + 100 + SLACK);
				expect(g2).toBeGreaterThanOrEqual(195);
				expect(g2).toBeLessThan(200 + 100 + SLACK);
				expect(g3).toBeGreaterThanOrEqual(395);
				expect(g3).toBeLessThan(400 + 100 + SLACK);
			},
		},
	),
	retrieveCase(
		'R-400: retrieve answered 400 is not retried',
		{ status: 400, times: 3 },
		{
			status: 'error',
			error: [/could not retrieve the job/i],
			notError: [GAVE_UP],
			requests: { retrieve: 1 },
		},
	),
	retrieveCase(
		'R-500-invalid_request: a 500 with error.code invalid_request is not retried',
		{ status: 500, code: 'invalid_request', message: 'Malformed request', times: 3 },
		{
			status: 'error',
			error: [/could not retrieve the job: Malformed request/i],
			notError: [GAVE_UP],
			requests: { retrieve: 1 },
		},
	),
	retrieveCase(
		'R-401: a rejected key is not retried and points at the credential',
		{ status: 401, times: 3 },
		{
			status: 'error',
			error: [/Invalid token/, /Check the API key in the Comet Video API credential/],
			requests: { retrieve: 1 },
		},
	),
	retrieveCase(
		'R-timeout: retrieve that never answers within the request timeout fails with a timeout message',
		{ kind: 'slow', delayMs: 2500, times: 3 },
		{ status: 'error', error: [/no answer within 1 s/i], requests: { retrieve: 3 } },
	),
	retrieveCase(
		'R-malformed: retrieve whose 200 JSON is cut off fails with "malformed JSON", not a parser error',
		{ kind: 'malformed-json', times: 3 },
		{ status: 'error', error: [/cut off or malformed JSON/i], notError: [NOT_RAW_PARSER] },
	),
	retrieveCase(
		'R-html: an HTML page instead of JSON says to check the Base URL',
		{ kind: 'html', times: 3 },
		{
			status: 'error',
			error: [/was not JSON/i, /Base URL in the Comet Video API credential/],
			notError: [NOT_RAW_PARSER],
		},
	),
	retrieveCase(
		'R-moved: a 301 Moved answer is reported clearly (a redirect / the Base URL), not as a confusing 404',
		{ kind: 'moved', times: 3 },
		{
			status: 'error',
			error: [/redirect|moved|\b301\b/i, /Base URL/i],
			notError: [NOT_RAW_PARSER],
		},
	),
	{
		name: 'R-unknown-id: retrieving an id CometAPI does not know fails at once and names the id',
		setup: async () => ({ id: 'task_doesNotExist000000000000000' }),
		params: (ctx) => H.retrieveParams(jobIdOf(ctx)),
		expect: {
			status: 'error',
			error: [/not found/i],
			namesJob: true,
			nodeCreates: 0,
			requests: { retrieve: 1 },
		},
		check: (result, _sim, ctx) => {
			expect(result.error).toBeInstanceOf(NodeApiError);
			expect(result.error?.httpCode).toBe('404');
			expect(result.error?.message).toContain(ctx.id);
		},
	},

	// --- Downloads ----------------------------------------------------------------------------
	downloadCase(
		'D-503: content answered 503 twice is retried; the file arrives intact',
		{ status: 503, times: 2 },
		{ status: 'success', requests: { content: 3 }, binary: 'exact' },
	),
	downloadCase(
		'D-reset: content connection reset is retried; the file arrives intact',
		{ kind: 'reset' },
		{ status: 'success', requests: { content: 2 }, binary: 'exact' },
	),
	downloadCase(
		'D-429-giveup: content 429 on every attempt fails after 3 attempts, no file',
		{ status: 429, times: 3 },
		{
			status: 'error',
			error: [/could not download the video/i, GAVE_UP],
			requests: { content: 3 },
			binary: false,
		},
	),
	downloadCase(
		'D-403: content 403 is not retried',
		{ status: 403, times: 3 },
		{
			status: 'error',
			error: [/could not download the video/i],
			requests: { content: 1 },
			binary: false,
		},
	),

	// --- 3. Integrity ---------------------------------------------------------------------------
	downloadCase(
		'I-truncated: a body that ends short of its Content-Length fails after the retries and no file is passed on',
		{ kind: 'truncate', bytes: 1000, times: 3 },
		{
			status: 'error',
			error: [/broke off before 65536 bytes/i, /No partial file was passed on/i, GAVE_UP],
			requests: { content: 3 },
			binary: false,
		},
	),
	downloadCase(
		'I-truncated-cof: with Continue On Fail the failed item has no binary at all',
		{ kind: 'truncate', bytes: 30000, times: 3 },
		{
			status: 'success',
			error: [/broke off/i],
			requests: { content: 3 },
			binary: false,
			outputIds: true,
		},
		{ continueOnFail: true },
	),
	downloadCase(
		'I-truncated-once: one truncated body, then a full one: the full file is passed on',
		{ kind: 'truncate', bytes: 1000 },
		{ status: 'success', requests: { content: 2 }, binary: 'exact' },
	),
	{
		name: 'I-not-ready: content asked for before completion explains the status and progress and names the id',
		setup: async (s) => {
			const id = await seedMinuteJob(s);
			// Into the in_progress phase (past the first 10 % of the job's duration): 20 %.
			H.jobOf(s, id).createdAt -= 12_000;
			return { id };
		},
		// The content route's own 400, explained (Automatic would retrieve the job first).
		params: (ctx) => H.contentDownload(jobIdOf(ctx)),
		expect: {
			status: 'error',
			error: [
				/is not ready to download: its status is "in_progress" \(\d+%\)/,
				/Retrieve|Wait for Completion/,
			],
			namesJob: true,
			nodeCreates: 0,
			requests: { content: 1 },
			binary: false,
		},
	},
	{
		name: 'I-not-ready-queued: content of a queued job says "queued"',
		setup: async (s) => ({ id: await seedMinuteJob(s) }),
		// Automatic looks the job up first (its model picks the route): the file is never asked for.
		params: (ctx) => H.downloadParams(jobIdOf(ctx)),
		expect: {
			status: 'error',
			error: [/its status is "queued"/, /Retrieve|Wait for Completion/],
			namesJob: true,
			nodeCreates: 0,
			requests: { retrieve: 1, content: 0 },
			binary: false,
		},
		check: (result, _sim, ctx) => {
			expect(result.error).toBeInstanceOf(NodeApiError);
			expect(result.error?.message).toMatch(
				new RegExp(`^Video ${ctx.id} is not ready to download: its status is "queued"`),
			);
			expect(result.items).toEqual([]);
		},
	},
	{
		name: 'I-failed-job: content of a failed job gives the reason (a key it echoes redacted) and says to create a new one',
		setup: async (s) => {
			s.configure({ plan: () => ({ outcome: 'failed', errorMessage: `banned ${H.API_KEY}` }) });
			return { id: await H.seedJob(s) };
		},
		params: (ctx) => H.downloadParams(jobIdOf(ctx)),
		expect: {
			status: 'error',
			error: [/its status is "failed"/, /banned \*\*\*/, /Create a new one/],
			namesJob: true,
			nodeCreates: 0,
			binary: false,
		},
		check: (result, _sim, ctx) => {
			expect(result.error?.message).toMatch(
				new RegExp(`^Video ${ctx.id} is not ready to download: its status is "failed"`),
			);
			expect(result.error?.description).toMatch(/banned \*\*\*/);
		},
	},

	// --- 2. Creates: retried only where the server certainly did not take them ------------------
	createCase(
		'C-429: a create turned away with 429 is retried; exactly one job',
		{ status: 429 },
		{ status: 'success', requests: { create: 2 }, nodeCreates: 1 },
	),
	createCase(
		'C-429-retry-after: a 429 create with Retry-After: 1 waits about a second',
		{ status: 429, headers: { 'retry-after': '1' } },
		{ status: 'success', requests: { create: 2 }, nodeCreates: 1 },
		{ check: waitedAboutASecond('create') },
	),
	createCase(
		'C-429-giveup: 429 on every attempt fails after 3 attempts, no job',
		{ status: 429, times: 3 },
		{
			status: 'error',
			error: [/could not create the video job/i, GAVE_UP],
			notError: [/may have been created/i],
			requests: { create: 3 },
			nodeCreates: 0,
		},
	),
	// Whether the server took the job before its 503 cannot be seen from the node: one case.
	createCase(
		'C-503-accepted: the server took the job, then answered 503: not re-sent, says a job may exist',
		{ status: 503, acceptThenFail: true, times: 3 },
		{
			status: 'error',
			error: [/could not create the video job/i, ...MAY_EXIST],
			requests: { create: 1 },
			nodeCreates: 1,
			ambiguousCreate: true,
		},
	),
	createCase(
		'C-500-invalid_request: a 500 invalid_request create is a plain failure (no job), not retried',
		{ status: 500, code: 'invalid_request', message: 'Malformed request', times: 3 },
		{
			status: 'error',
			error: [/could not create the video job: Malformed request/i],
			notError: [/may have been created/i],
			requests: { create: 1 },
			nodeCreates: 0,
		},
	),
	createCase(
		'C-reset-accepted: reset after the server took the job: not re-sent, says a job may exist',
		{ kind: 'reset', times: 3 },
		{
			status: 'error',
			error: [/could not create the video job/i, ...MAY_EXIST],
			requests: { create: 1 },
			nodeCreates: 1,
			ambiguousCreate: true,
		},
	),
	createCase(
		'C-reset-early: reset before the server read the request is still a reset (the body may have arrived): not re-sent',
		{ kind: 'reset', beforeAccept: true, times: 3 },
		{ status: 'error', error: MAY_EXIST, requests: { create: 1 }, nodeCreates: 0 },
	),
	createCase(
		'C-timeout: a create answered after the request timeout: not re-sent, says timeout and that a job may exist',
		{ kind: 'slow', delayMs: 2500, times: 3 },
		{
			status: 'error',
			error: [/no answer within 1 s/i, ...MAY_EXIST],
			requests: { create: 1 },
			nodeCreates: 1,
			ambiguousCreate: true,
		},
	),
	createCase(
		'C-malformed: a 200 create whose JSON is cut off: not re-sent, says a job may exist',
		{ kind: 'malformed-json', times: 3 },
		{
			status: 'error',
			error: [/cut off or malformed JSON/i, ...MAY_EXIST],
			notError: [NOT_RAW_PARSER],
			requests: { create: 1 },
			nodeCreates: 1,
			ambiguousCreate: true,
		},
	),
	createCase(
		'C-html: an HTML page instead of the create answer says to check the Base URL',
		{ kind: 'html', times: 3 },
		{
			status: 'error',
			error: [/was not JSON/i, /Base URL in the Comet Video API credential/],
			notError: [NOT_RAW_PARSER],
			requests: { create: 1 },
			nodeCreates: 0,
		},
	),
	createCase(
		'C-moved: a 301 Moved create is reported clearly (redirect / Base URL) and makes no job',
		{ kind: 'moved', times: 3 },
		{
			status: 'error',
			error: [/redirect|moved|\b301\b/i, /Base URL/i],
			notError: [NOT_RAW_PARSER],
			nodeCreates: 0,
		},
	),
	// 403 and the other refusals are the same decision: row `create 403` of test/unit/retry.test.ts.
	createCase(
		'C-400: a 400 create is not retried, no job',
		{ status: 400, times: 3 },
		{
			status: 'error',
			error: [/could not create the video job/i],
			notError: [/may have been created/i],
			requests: { create: 1 },
			nodeCreates: 0,
		},
	),
	// A rejected key on a create (not retried, points at the credential): S-401-echo (security).
	{
		name: 'C-refused: connection refused (closed port) is retried and fails clearly without a job',
		setup: async () => ({
			credential: { apiKey: H.API_KEY, baseUrl: `http://127.0.0.1:${await H.closedPort()}` },
		}),
		params: () => H.createParams({ waitForCompletion: false }),
		expect: {
			status: 'error',
			error: [/could not create the video job/i, /ECONNREFUSED|refused/i, GAVE_UP],
			notError: [/may have been created/i],
			nodeCreates: 0,
		},
	},
	{
		name: 'C-refused-then-up: a create refused while the server is down is re-sent once it is up: one job',
		setup: async () => {
			const port = await H.closedPort();
			// The first attempt is refused; the server comes up before the retry (base delay 400 ms).
			const lateServer = new Promise<Simulator>((resolve, reject) => {
				setTimeout(() => H.startSim({ port }).then(resolve, reject), 150);
			});
			return { credential: { baseUrl: `http://127.0.0.1:${port}` }, lateServer };
		},
		params: () => H.createParams({ waitForCompletion: false, options: { retryBaseDelayMs: 400 } }),
		expect: { status: 'success', nodeCreates: 0 },
		check: async (result, _s, ctx) => {
			const late = await ctx.lateServer;
			if (!late) throw new Error('no late server');
			expect(late.createCount()).toBe(1);
			expect(H.requestsTo(late, 'create')).toHaveLength(1);
			expect(result.items[0].json.id).toBe(late.creates[0].id);
		},
		teardown: async (ctx) => {
			await (await ctx.lateServer)?.close();
		},
	},

	// --- Several items: one job each, never more; other items' jobs are never lost ----------------
	createCase(
		'M-429: 3 items, the first create is rate-limited: 3 jobs, 3 distinct ids in the output',
		{ status: 429 },
		{ status: 'success', nodeCreates: 3, requests: { create: 4 } },
		{
			items: 3,
			check: (result, s) => {
				const ids = result.items.map((item) => item.json.id);
				expect(new Set(ids).size).toBe(3);
				expect(ids.sort()).toEqual(s.creates.map((c) => c.id).sort());
			},
		},
	),
	createCase(
		'M-ambiguous: 3 items, one create fails ambiguously: the error names the 2 other jobs, 3 jobs total',
		{ status: 502, acceptThenFail: true },
		{
			status: 'error',
			error: MAY_EXIST,
			nodeCreates: 3,
			requests: { create: 3 },
			ambiguousCreate: true,
		},
		{
			items: 3,
			check: (result, s) => {
				// The 2 jobs whose ids the node knows must be in the error.
				for (const { id } of s.creates.slice(1)) expect(H.errorText(result)).toContain(id);
			},
		},
	),
	createCase(
		'M-cof: 2 items, one create rejected (400) with Continue On Fail: one error item, one job item',
		{ status: 400, message: 'prompt violates policy' },
		{
			status: 'success',
			error: [/prompt violates policy/],
			nodeCreates: 1,
			requests: { create: 2 },
		},
		{
			items: 2,
			continueOnFail: true,
			check: (result) => {
				expect(result.items).toHaveLength(2);
				expect(result.items.filter((item) => item.json.error)).toHaveLength(1);
				expect(result.items.filter((item) => item.json.id && !item.json.error)).toHaveLength(1);
			},
		},
	),

	// --- 5. Job outcomes (create, wait, download) ------------------------------------------------
	createAndWaitCase('J-completed: create, wait and download: one job, exact bytes', {
		expect: { status: 'success', nodeCreates: 1, binary: 'exact' },
	}),
	createAndWaitCase(
		'J-poll-503: polls answered 503 twice are retried; the job is not created again',
		{
			faults: [['retrieve', { status: 503, times: 2 }]],
			expect: {
				status: 'success',
				nodeCreates: 1,
				requests: { create: 1, retrieve: 3 },
				binary: 'exact',
			},
		},
	),
	createAndWaitCase(
		'J-poll-giveup: polls failing on every attempt: the error names the job (it exists)',
		{
			faults: [['retrieve', { status: 504, times: 3 }]],
			expect: {
				status: 'error',
				error: [/could not retrieve the job/i, GAVE_UP],
				nodeCreates: 1,
				binary: false,
			},
		},
	),
	createAndWaitCase(
		'J-truncated: the final download is truncated every time: error names the job, no file',
		{
			faults: [['content', { kind: 'truncate', bytes: 1000, times: 3 }]],
			expect: {
				status: 'error',
				error: [/broke off/i, /Download operation again with the id/],
				nodeCreates: 1,
				binary: false,
			},
		},
	),
	createAndWaitCase(
		'J-failed: a failed job with an error object: reason, code and id (a key they echo redacted)',
		{
			plan: {
				outcome: 'failed',
				errorMessage: `The prompt was blocked, key ${H.API_KEY}`,
				errorCode: `moderation_blocked_${H.API_KEY}`,
			},
			expect: {
				status: 'error',
				error: [
					/ended with status "failed": The prompt was blocked, key \*\*\*/,
					/Provider code: moderation_blocked_\*\*\*/,
				],
				nodeCreates: 1,
				binary: false,
			},
		},
	),
	createAndWaitCase(
		'J-failed-noerror: a failed job without an error object still fails clearly with its id',
		{
			params: { prompt: 'forbidden scene [fail-noerror]' },
			expect: {
				status: 'error',
				error: [/ended with status "failed": the provider gave no reason/],
				nodeCreates: 1,
				binary: false,
			},
		},
	),
	createAndWaitCase(
		'J-never: a job that never ends times out, names the id and says to use Retrieve',
		{
			params: { prompt: 'endless scene [never]', options: { timeoutMinutes: 0.02 } },
			expect: {
				status: 'error',
				error: [/did not finish within 0\.02 min/, /Retrieve operation with id/, /keeps running/],
				nodeCreates: 1,
				binary: false,
			},
		},
	),
	createAndWaitCase(
		'J-failed-cof: with Continue On Fail a failed job yields an item with error and id',
		{
			params: { prompt: 'forbidden scene [fail]' },
			continueOnFail: true,
			expect: {
				status: 'success',
				error: [/ended with status "failed"/],
				nodeCreates: 1,
				binary: false,
				outputIds: true,
			},
		},
	),
];

async function runCase(testCase: FaultCase): Promise<void> {
	const sim = getSim();
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
	const visible = `${H.serialise(result.items.map((item) => item.json))}\n${sees}`;
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

describe('fault matrix', () => {
	test.each(cases.map((testCase) => [testCase.name, testCase]))('%s', async (_name, testCase) => {
		await runCase(testCase);
	});
});

describe('node Options', () => {
	test('O-declared: the shipped node declares its "Options" collection, so retry/timeout/poll settings take effect', async () => {
		// n8n hands a node only the parameters its description declares: without this, every
		// option the matrix sets would be dropped silently and the slow defaults would apply.
		const { CometVideo } = (await import(
			path.join(H.PACKAGE_DIR, 'dist/nodes/CometVideo/CometVideo.node.js')
		)) as { CometVideo: new () => INodeType };
		const names = new CometVideo().description.properties.map((property) => property.name);
		expect(names).toContain('options');
	});
});
