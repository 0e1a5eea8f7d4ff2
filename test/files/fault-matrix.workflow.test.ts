/**
 * The downloads of the fault matrix: retried where they may be, byte-exact when they arrive, no
 * partial file ever passed on. The shared checks every case gets: test/support/fault-matrix.ts.
 */
import { NodeApiError } from 'n8n-workflow';
import * as H from '../support/faults';
import {
	type FaultCase,
	GAVE_UP,
	createAndWaitCase,
	downloadCase,
	jobIdOf,
	seedMinuteJob,
	useFaultMatrix,
} from '../support/fault-matrix';

const runCase = useFaultMatrix();

const cases: FaultCase[] = [
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
	// --- 5. Job outcomes (create, wait, download) ------------------------------------------------
	createAndWaitCase('J-completed: create, wait and download: one job, exact bytes', {
		expect: { status: 'success', nodeCreates: 1, binary: 'exact' },
	}),
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
];

describe('fault matrix: only whole files are passed on', () => {
	test.each(cases.map((testCase) => [testCase.name, testCase]))('%s', async (_name, testCase) => {
		await runCase(testCase);
	});
});
