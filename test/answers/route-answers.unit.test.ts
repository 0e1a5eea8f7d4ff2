/**
 * Every answer shape the fact sheets show for the routes of their own (xAI Grok, Kling, Runway),
 * plain and in CometAPI's wrapper, read into the one job the node outputs: id, status, link,
 * reason, progress, cost. The examples are the sheets' own (other-routes sheet §1–3).
 */
import { describe, expect, test } from '@jest/globals';

import { jobOutcome, normalizeJob } from '../../dist/nodes/CometVideo/helpers/job';
import { ROUTES } from '../../dist/nodes/CometVideo/helpers/routes';

const GROK_URL = 'https://vidgen.x.ai/xai-vidgen-bucket/xai-video-1.mp4';

describe('xAI Grok Imagine', () => {
	test('the pending answer is only the request id: waiting, no failure', () => {
		const job = normalizeJob({ request_id: 'f5f35814-953e-b094-5a2c-4a90014a58cb' }, ROUTES.grok);
		expect(job).toMatchObject({ id: 'f5f35814-953e-b094-5a2c-4a90014a58cb', route: 'grok' });
		expect(jobOutcome(job)).toBe('pending');
		expect(job).not.toHaveProperty('error');
	});

	test('done (plain): the link at video.url, the cost from usage ticks', () => {
		const job = normalizeJob(
			{
				request_id: 'r1',
				model: 'grok-imagine-video',
				status: 'done',
				usage: { cost_in_usd_ticks: 500000000 },
				video: { url: GROK_URL, duration: 1, respect_moderation: true },
			},
			ROUTES.grok,
		);
		expect(job).toMatchObject({ id: 'r1', status: 'completed', videoUrl: GROK_URL, costUsd: 0.05 });
	});

	test("done (CometAPI's wrapper, live 2026-03-12): the provider's word, link and cost inside", () => {
		const job = normalizeJob(
			{
				code: 'success',
				message: '',
				data: {
					task_id: '4b2c',
					action: 'VIDEO_GENERATION',
					status: 'SUCCESS',
					fail_reason: GROK_URL,
					submit_time: 1773297002,
					progress: '100%',
					data: {
						model: 'grok-imagine-video',
						usage: { cost_in_usd_ticks: 500000000 },
						video: { url: GROK_URL, duration: 1 },
						status: 'done',
					},
				},
			},
			ROUTES.grok,
		);
		expect(job).toMatchObject({
			id: '4b2c',
			status: 'completed',
			progress: 100,
			videoUrl: GROK_URL,
			costUsd: 0.05,
			model: 'grok-imagine-video',
		});
		// The link in fail_reason is no reason for anything.
		expect(job).not.toHaveProperty('error');
	});

	test('failed (xAI): HTTP 200 with status failed and an error object', () => {
		const job = normalizeJob(
			{
				status: 'failed',
				request_id: 'r2',
				video: { duration: 0 },
				model: '',
				error: { code: 'internal_error', message: 'generation failed' },
			},
			ROUTES.grok,
		);
		expect(jobOutcome(job)).toBe('failed');
		expect(job.error).toEqual({ code: 'internal_error', message: 'generation failed' });
	});

	test('expired ends the wait', () => {
		expect(jobOutcome(normalizeJob({ request_id: 'r3', status: 'expired' }, ROUTES.grok))).toBe(
			'failed',
		);
	});
});

describe('Kling', () => {
	test('the create answer: the task id inside data, not the outer request id', () => {
		const job = normalizeJob(
			{
				code: 0,
				message: 'SUCCEED',
				request_id: '9ab3-request',
				data: {
					task_id: '2032273942220931072',
					task_status: 'submitted',
					task_info: {},
					created_at: 1773366840306,
					updated_at: 1773366840306,
				},
			},
			ROUTES['kling-image2video'],
		);
		expect(job).toMatchObject({ id: '2032273942220931072', status: 'queued' });
		// Milliseconds, not seconds.
		expect(job.createdAt).toBe(new Date(1773366840306).toISOString());
	});

	test('succeed: the link at data.task_result.videos[0].url', () => {
		const url = 'https://files.example/kling.mp4';
		const job = normalizeJob(
			{
				code: 0,
				message: 'SUCCEED',
				data: {
					task_id: '878106242831892487',
					task_status: 'succeed',
					task_result: { videos: [{ id: 'v1', url, duration: '5' }] },
				},
			},
			ROUTES['kling-text2video'],
		);
		expect(job).toMatchObject({ status: 'completed', videoUrl: url });
	});

	test('failed: the reason from task_status_msg', () => {
		const job = normalizeJob(
			{ code: 0, data: { task_id: '1', task_status: 'failed', task_status_msg: 'risk control' } },
			ROUTES['kling-text2video'],
		);
		expect(jobOutcome(job)).toBe('failed');
		expect(job.error?.message).toBe('risk control');
	});

	test("Omni's old wrapper: outer SUCCESS, nested task_status succeed, link two levels down", () => {
		const url = 'https://files.example/omni.mp4';
		const job = normalizeJob(
			{
				code: 'success',
				data: {
					status: 'SUCCESS',
					progress: '100%',
					data: { task_id: '77', task_status: 'succeed', task_result: { videos: [{ url }] } },
				},
			},
			ROUTES['kling-omni-video'],
		);
		expect(job).toMatchObject({ id: '77', status: 'completed', videoUrl: url, progress: 100 });
	});

	test('a wrapper that gave up ends the wait though the inner object is stale', () => {
		const job = normalizeJob(
			{
				code: 'success',
				data: {
					status: 'FAILURE',
					fail_reason: 'upstream timeout',
					data: { task_id: '77', task_status: 'processing' },
				},
			},
			ROUTES['kling-omni-video'],
		);
		expect(jobOutcome(job)).toBe('failed');
		expect(job.error?.message).toBe('upstream timeout');
	});
});

describe('Runway', () => {
	test('SUCCEEDED: the link at output[0], progress a fraction read as percent', () => {
		const job = normalizeJob(
			{
				id: 'd0658ae1',
				status: 'SUCCEEDED',
				createdAt: '2026-05-01T12:47:47.351Z',
				output: ['https://example.com/output.mp4'],
				progress: 1,
			},
			ROUTES.runway,
		);
		expect(job).toMatchObject({
			id: 'd0658ae1',
			route: 'runway',
			status: 'completed',
			videoUrl: 'https://example.com/output.mp4',
			progress: 100,
			createdAt: '2026-05-01T12:47:47.351Z',
		});
	});

	test('FAILED: failure and failureCode', () => {
		const job = normalizeJob(
			{ id: 'x', status: 'FAILED', failure: 'Content moderation', failureCode: 'SAFETY.INPUT' },
			ROUTES.runway,
		);
		expect(job.error).toEqual({ code: 'SAFETY.INPUT', message: 'Content moderation' });
	});

	test('the old wrapper while queued: the inner PENDING', () => {
		const job = normalizeJob(
			{
				code: 'success',
				message: '',
				data: {
					task_id: 'x',
					action: 'IMAGE_TO_VIDEO',
					status: 'QUEUED',
					fail_reason: '',
					progress: '0%',
					data: { id: 'x', status: 'PENDING', createdAt: '2026-03-13T09:52:46+08:00' },
				},
			},
			ROUTES.runway,
		);
		expect(job).toMatchObject({ id: 'x', status: 'queued' });
		expect(jobOutcome(job)).toBe('pending');
		expect(job).not.toHaveProperty('error');
	});
});

test('the shared route is read as before: one layer, its own fields', () => {
	const job = normalizeJob({
		id: 'task_1',
		status: 'completed',
		progress: 100,
		video_url: 'https://files.example/a.mp4',
		error: null,
	});
	expect(job).toMatchObject({
		id: 'task_1',
		route: 'videos',
		status: 'completed',
		progress: 100,
		videoUrl: 'https://files.example/a.mp4',
	});
	expect(job).not.toHaveProperty('error');
});

test('a reason field on a job that did not fail is no error (n8n would fail the run on it)', () => {
	const job = normalizeJob(
		{
			code: 0,
			data: { task_id: '1', task_status: 'succeed', task_status_msg: 'ok', task_result: {} },
		},
		ROUTES['kling-text2video'],
	);
	expect(job).not.toHaveProperty('error');
});

test('a percent text is a percent on any route; only a bare number is a fraction on Runway', () => {
	const wrapped = (progress: unknown) =>
		normalizeJob(
			{ code: 'success', data: { task_id: 'x', status: 'IN_PROGRESS', progress } },
			ROUTES.runway,
		);
	expect(wrapped('40%').progress).toBe(40);
	expect(wrapped(0.4).progress).toBe(40);
	expect(wrapped('%').progress).toBeNull();
});
