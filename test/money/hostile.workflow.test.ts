/**
 * Never pays twice, whatever n8n does around the node: Retry On Fail never creates twice, and a
 * create that could not be sent says so.
 * Each case runs the built node inside a real n8n-core execution (tools/harness) against a bare
 * HTTP server on loopback that gives the hostile answer.
 */

import { describe, expect, jest, test } from '@jest/globals';

import type { StartItem } from '../../tools/harness';
import type { VideoParameters } from '../support/helpers';
import * as H from '../support/faults';
import { apiJob, json, sendJson, VIDEO_ID, type SeenRequest } from '../support/hostile-server';
import { useHostileNode, useLocalNames } from '../support/hostile-node';

const { getServer, runNode } = useHostileNode();

// A call the node fails to bound hangs: fail it in 20 s, not the suites' 60.
jest.setTimeout(20_000);

const createParams = (overrides?: VideoParameters) =>
	H.createParams({ waitForCompletion: false, ...overrides });

const creates = () => getServer().requests.filter((request) => request.method === 'POST');
/** The prompt the multipart body of a create carried. */
function promptOf(request: SeenRequest): string {
	const match = /name="prompt"\r\n\r\n([^\r]*)/.exec(request.body.toString('utf8'));
	return match?.[1] ?? '';
}

describe('Retry On Fail never creates twice', () => {
	test('a job that is fine is not taken for a failure (no `error` field on its output)', async () => {
		getServer().answer(json(200, apiJob()));
		const result = await runNode(createParams(), { retryOnFail: true });

		expect(result.status).toBe('success');
		expect(getServer().requests).toHaveLength(1);
		expect(result.items[0].json).not.toHaveProperty('error');
	});

	test.each([
		[
			'a create answered 500 is sent once, and fails with "may have been created"',
			createParams(),
			json(500, { error: { message: 'upstream broke', code: 'server_error' } }),
		],
		[
			'a Remix answered 500 is sent once',
			{ operation: 'remix', videoId: VIDEO_ID, prompt: 'at night' },
			json(502, {}),
		],
	])('%s', async (_name, parameters, answer) => {
		getServer().answer(answer);
		const result = await runNode(parameters, { retryOnFail: true });

		expect(result.status).toBe('error');
		expect(creates()).toHaveLength(1);
		expect(result.error?.message).toMatch(/may have been created/);
	});

	const twoItems: StartItem[] = [{ json: { prompt: 'refused' } }, { json: { prompt: 'made' } }];
	const answerRefusedThenMade = () => {
		let made = 0;
		getServer().answer((request, response) => {
			if (promptOf(request) === 'refused') {
				sendJson(response, 400, { error: { message: 'prompt refused', code: 'bad_prompt' } });
			} else {
				made++;
				sendJson(response, 200, apiJob({ id: `video_made_${made}` }));
			}
		});
	};

	test('item 0 refused, item 1 created, stop on fail: one create per item, the id in the error', async () => {
		answerRefusedThenMade();
		const result = await runNode(createParams({ prompt: '={{ $json.prompt }}' }), {
			items: twoItems,
			retryOnFail: true,
		});

		expect(result.status).toBe('error');
		expect(creates().map(promptOf).sort()).toEqual(['made', 'refused']);
		expect(`${result.error?.message}\n${result.error?.description}`).toContain('video_made_1');
	});

	test('item 0 refused, item 1 created, continue on fail: one create per item, the id in the output', async () => {
		answerRefusedThenMade();
		const result = await runNode(createParams({ prompt: '={{ $json.prompt }}' }), {
			items: twoItems,
			retryOnFail: true,
			continueOnFail: true,
		});

		expect(creates().map(promptOf).sort()).toEqual(['made', 'refused']);
		expect(result.items.map((item) => item.json.id ?? item.json.error)).toEqual([
			expect.stringMatching(/prompt refused/),
			'video_made_1',
		]);
	});

	test('a job made by an earlier try is waited on, not made again', async () => {
		let polls = 0;
		getServer().answer((request, response) => {
			if (request.method === 'POST') return sendJson(response, 200, apiJob());
			polls++;
			// The first wait breaks off with an answer the node refuses; the retry polls again.
			if (polls === 1) return sendJson(response, 404, { error: { message: 'gone for now' } });
			sendJson(response, 200, apiJob({ status: 'completed', progress: 100 }));
		});
		const result = await runNode(
			createParams({ waitForCompletion: true, downloadWhenComplete: false }),
			{ retryOnFail: true },
		);

		expect(result.status).toBe('success');
		expect(creates()).toHaveLength(1);
		expect(result.items[0].json).toMatchObject({ id: VIDEO_ID, status: 'completed' });
	});
});

describe('a create that could not be sent says so', () => {
	const asked = useLocalNames([]);

	test('Base URL https://no-such-host.invalid: "nothing was sent", not "a job may have been created"', async () => {
		const result = await runNode(H.createParams({ waitForCompletion: false }), {
			credential: { baseUrl: 'https://no-such-host.invalid' },
		});

		// The name was answered here, not by a DNS server.
		expect(asked).toContain('no-such-host.invalid');
		expect(result.status).toBe('error');
		expect(H.errorText(result)).not.toMatch(/may have been created|may have reached/);
		expect(H.errorText(result)).toMatch(/nothing was sent|not sent/i);
	});
});
