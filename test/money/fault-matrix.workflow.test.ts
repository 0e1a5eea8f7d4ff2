/**
 * The creates of the fault matrix: one job per item, whatever the create's answer; a create is re-
 * sent only where nothing can have reached CometAPI (or it said 429). The shared checks every case
 * gets: test/support/fault-matrix.ts.
 */
import type { Simulator } from '../../tools/simulator';
import * as H from '../support/faults';
import {
	type FaultCase,
	GAVE_UP,
	MAY_EXIST,
	NOT_RAW_PARSER,
	createAndWaitCase,
	createCase,
	useFaultMatrix,
} from '../support/fault-matrix';

const runCase = useFaultMatrix();

// Which statuses are retried (429, 5xx) and which are not is the unit table
// (retry-decision.unit.test.ts); one status of each kind shows the decision is acted on.
const cases: FaultCase[] = [
	// --- 2. Creates: retried only where the server certainly did not take them ------------------
	createCase(
		'C-429: a create turned away with 429 is retried; exactly one job',
		{ status: 429 },
		{ status: 'success', requests: { create: 2 }, nodeCreates: 1 },
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
	// 403 and the other refusals are the same decision: row `create 403` of test/money/retry-decision.unit.test.ts.
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
];

describe('fault matrix: a failed create is sent again only where no job can exist', () => {
	test.each(cases.map((testCase) => [testCase.name, testCase]))('%s', async (_name, testCase) => {
		await runCase(testCase);
	});
});
