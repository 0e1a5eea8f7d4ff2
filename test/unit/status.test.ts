/** Issue 15 item 6: statuses read without case, with the synonyms CometAPI's routes use. */
import { describe, expect, test } from '@jest/globals';

import { failureReason, jobOutcome, normalizeJob } from '../../dist/nodes/CometVideo/helpers/job';

describe('job statuses', () => {
	test.each([
		['SUBMITTED', 'queued', 'pending'],
		['PENDING', 'queued', 'pending'],
		['queued', 'queued', 'pending'],
		['RUNNING', 'in_progress', 'pending'],
		['PROCESSING', 'in_progress', 'pending'],
		['IN_PROGRESS', 'in_progress', 'pending'],
		['SUCCESS', 'completed', 'completed'],
		['SUCCEEDED', 'completed', 'completed'],
		['Succeed', 'completed', 'completed'],
		['DONE', 'completed', 'completed'],
		['completed', 'completed', 'completed'],
		['FAILURE', 'failed', 'failed'],
		['FAILED', 'failed', 'failed'],
		['EXPIRED', 'expired', 'failed'],
		['CANCELLED', 'cancelled', 'failed'],
		['error', 'error', 'failed'],
		['unknown', 'unknown', 'failed'],
		['rendering', 'rendering', 'pending'],
		['', '', 'pending'],
	])('%s is output as "%s" and is %s', (raw, status, outcome) => {
		const job = normalizeJob({ id: 'task_1', status: raw });
		expect(job.status).toBe(status);
		expect(jobOutcome(job)).toBe(outcome);
	});
});

describe('the reason a failed job gives', () => {
	test.each([
		[{ status: 'error', error: { message: 'The provider failed' } }, 'The provider failed'],
		[{ status: 'unknown' }, 'the provider returned a state it does not recognise'],
		[{ status: 'failed' }, 'the provider gave no reason'],
	])('%j: %s', (raw, reason) => {
		expect(failureReason(normalizeJob({ id: 'task_1', ...raw }))).toContain(reason);
	});
});
