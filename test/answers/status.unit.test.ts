/** Statuses read without case, with the synonyms CometAPI's routes use. */
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

describe('the job object', () => {
	const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
	const link = 'https://files.example.com/video_1.mp4?token=abc';
	test.each([
		['video_url', { video_url: link }, link],
		['metadata.url', { metadata: { url: link } }, link],
		['none', {}, null],
	])(
		'a completed job: the link is normalised to videoUrl when the server puts it in %s',
		(_place, where, videoUrl) => {
			const raw = {
				id: 'video_1',
				status: 'completed',
				progress: 100,
				size: '1280x720',
				seconds: '4',
			};
			const job = normalizeJob({
				...raw,
				completed_at: 1_700_000_000,
				expires_at: 1_700_086_400,
				...where,
			});
			expect(job).toMatchObject({ ...raw, videoUrl });
			expect(job.completedAt).toMatch(ISO);
			expect(job.expiresAt).toMatch(ISO);
			expect(job).not.toHaveProperty('metadata');
			expect(job).not.toHaveProperty('video_url');
		},
	);
});
