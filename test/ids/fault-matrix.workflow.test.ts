/**
 * The fault matrix's failures that must name their job: the id in the error or the Continue On
 * Fail item, the other items' jobs named. The shared checks every case gets: test/support/fault-
 * matrix.ts.
 */
import { NodeApiError } from 'n8n-workflow';
import * as H from '../support/faults';
import {
	type FaultCase,
	GAVE_UP,
	MAY_EXIST,
	createAndWaitCase,
	createCase,
	jobIdOf,
	retrieveCase,
	useFaultMatrix,
} from '../support/fault-matrix';

const runCase = useFaultMatrix();

const cases: FaultCase[] = [
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

describe('fault matrix: every job named when it fails', () => {
	test.each(cases.map((testCase) => [testCase.name, testCase]))('%s', async (_name, testCase) => {
		await runCase(testCase);
	});
});
