/**
 * The reads of the fault matrix: retried on transient failures only, with back-off or Retry-After,
 * and bounded by Request Timeout; a job that never ends times out. The shared checks every case
 * gets: test/support/fault-matrix.ts.
 */
import {
	type FaultCase,
	GAVE_UP,
	createAndWaitCase,
	createCase,
	gaps,
	retrieveCase,
	waitedAboutASecond,
	useFaultMatrix,
} from '../support/fault-matrix';

const runCase = useFaultMatrix();

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
		'R-timeout: retrieve that never answers within the request timeout fails with a timeout message',
		{ kind: 'slow', delayMs: 2500, times: 3 },
		{ status: 'error', error: [/no answer within 1 s/i], requests: { retrieve: 3 } },
	),
	createCase(
		'C-429-retry-after: a 429 create with Retry-After: 1 waits about a second',
		{ status: 429, headers: { 'retry-after': '1' } },
		{ status: 'success', requests: { create: 2 }, nodeCreates: 1 },
		{ check: waitedAboutASecond('create') },
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
];

describe('fault matrix: reads retried with back-off, every wait bounded', () => {
	test.each(cases.map((testCase) => [testCase.name, testCase]))('%s', async (_name, testCase) => {
		await runCase(testCase);
	});
});
