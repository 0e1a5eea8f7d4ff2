/**
 * Job ids kept on the wait path: a cancel during a back-off, and a poll answer naming another job.
 * Each case runs the built node inside a real n8n-core execution (tools/harness) against a bare
 * HTTP server on loopback that gives the hostile answer.
 */

import { describe, expect, jest, test } from '@jest/globals';

import type { VideoParameters } from '../support/helpers';
import * as H from '../support/faults';
import { apiJob, sendJson, VIDEO_ID } from '../support/hostile-server';
import { useHostileNode } from '../support/hostile-node';

const { getServer, runNode } = useHostileNode();

// A call the node fails to bound hangs: fail it in 20 s, not the suites' 60.
jest.setTimeout(20_000);

const createParams = (overrides?: VideoParameters) =>
	H.createParams({ waitForCompletion: false, ...overrides });

describe('ids kept on the wait path', () => {
	test('a cancel during the back-off after a 503 on a poll names the job', async () => {
		let polls = 0;
		getServer().answer((request, response) => {
			if (request.method === 'POST') return sendJson(response, 200, apiJob());
			polls++;
			sendJson(response, 503, { error: { message: 'busy' } }, { 'retry-after': '30' });
		});
		const result = await runNode(
			createParams({
				waitForCompletion: true,
				downloadWhenComplete: false,
				options: { maxAttempts: 3 },
			}),
			{ cancelAfterMs: 2500 },
		);

		expect(polls).toBeGreaterThan(0);
		expect(result.status).not.toBe('success');
		expect(`${result.error?.message}\n${result.error?.description}`).toContain(VIDEO_ID);
	});

	test('a poll answer naming another job is an error naming both', async () => {
		getServer().answer((request, response) =>
			request.method === 'POST'
				? sendJson(response, 200, apiJob())
				: sendJson(response, 200, apiJob({ id: 'video_other_2', status: 'completed' })),
		);
		const result = await runNode(
			createParams({ waitForCompletion: true, downloadWhenComplete: false }),
		);

		expect(result.status).toBe('error');
		expect(result.error?.message).toContain(VIDEO_ID);
		expect(result.error?.message).toContain('video_other_2');
	});
});
