/**
 * The key never shows, in any form, where a server echoes it; a Base URL with user info is refused;
 * a download redirected to another host name carries no Authorization.
 * Each case runs the built node inside a real n8n-core execution (tools/harness) against a bare
 * HTTP server on loopback that gives the hostile answer.
 */

import { describe, expect, jest, test } from '@jest/globals';

import * as H from '../support/faults';
import { apiJob, json, raw, sendJson, VIDEO_ID } from '../support/hostile-server';
import {
	useHostileNode,
	VIDEO,
	retrieve,
	waitParams,
	download,
	isContent,
	expectVideoStored,
	useLocalNames,
} from '../support/hostile-node';

const { getServer, runNode, expectKeySent } = useHostileNode();

// A call the node fails to bound hangs: fail it in 20 s, not the suites' 60.
jest.setTimeout(20_000);

// A failed job whose error code echoes the key, while waiting: J-failed (ids/fault-matrix.workflow.test.ts).
describe('the key never shows where a server echoes it', () => {
	test('a job status string carrying the key, in the wait-timeout message', async () => {
		getServer().answer(json(200, apiJob({ status: `queued ${H.API_KEY}` })));
		const result = await runNode(waitParams({ options: { timeoutMinutes: 0.01 } }));

		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/did not finish/);
		H.expectNoKeyLeak(result);
	});

	test('a job status string carrying the key, in the not-ready-to-download message', async () => {
		getServer().answer((request, response) =>
			isContent(request)
				? sendJson(response, 400, {
						error: { message: 'video is not ready', code: 'invalid_request' },
					})
				: sendJson(response, 200, apiJob({ status: `in_progress ${H.API_KEY}`, progress: 40 })),
		);
		const result = await runNode(download());

		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/not ready/);
		H.expectNoKeyLeak(result);
	});

	test.each([
		[
			'Retrieve without wait of a failed job whose error.message echoes the key: the output json is clean',
			{
				status: 'failed',
				error: { code: 'provider_error', message: `provider refused key ${H.API_KEY}` },
			},
		],
		[
			'a video_url with ?api_key=<key> does not pass through',
			{
				status: 'completed',
				progress: 100,
				video_url: `https://files.example.com/${VIDEO_ID}.mp4?api_key=${H.API_KEY}`,
			},
		],
	])('%s', async (_name, fields) => {
		getServer().answer(json(200, apiJob(fields)));
		const result = await runNode(retrieve());

		expect(result.status).toBe('success');
		expect(result.items[0].json.id).toBe(VIDEO_ID);
		expectKeySent();
		H.expectNoKeyLeak(result);
	});

	test('a "no job id" answer with the key straddling character 300 leaks no part of it', async () => {
		const prefix = '{"object":"video","status":"queued","note":"';
		// The key starts 15 characters before the cut at 300.
		const body = `${prefix}${'x'.repeat(285 - prefix.length)}${H.API_KEY}"}`;
		expect(body.indexOf(H.API_KEY)).toBe(285);
		getServer().answer(raw(200, body));
		const result = await runNode(H.createParams({ waitForCompletion: false }));

		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/no job id/);
		H.expectNoKeyLeak(result);
	});
});

describe('the key in no form', () => {
	test('a job id equal to the key is refused as not a valid job id', async () => {
		getServer().answer(json(200, apiJob({ id: H.API_KEY })));
		const result = await runNode(retrieve());

		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/no valid job id/);
		H.expectNoKeyLeak(result);
	});

	test('a JSON-escaped key and a key missing its end, in a quoted answer, do not show', async () => {
		const escaped = [...H.API_KEY].map(
			(c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
		);
		// A 200 without a job id: the node quotes what the server said.
		const body = `{"detail":"key ${escaped.join('')} and ${H.API_KEY.slice(0, -3)} refused"}`;
		getServer().answer(raw(200, body));
		const result = await runNode(retrieve());

		expect(result.status).toBe('error');
		expect(result.error?.description).toMatch(/It said/);
		H.expectNoKeyLeak(result);
		expect(H.everythingVisible(result)).not.toContain(escaped.slice(3, 11).join(''));
	});
});

describe('a Base URL with user info is refused before any request, its password not shown', () => {
	// Query and fragment are refused by the same rule: test/key/base-url.unit.test.ts.
	test('user:password', async () => {
		const PASSWORD = 'Hunter2pw-9c41e';
		getServer().answer(json(200, apiJob()));
		const result = await runNode(retrieve(), {
			credential: { baseUrl: `http://admin:${PASSWORD}@127.0.0.1:${getServer().port}` },
		});

		expect(getServer().requests).toHaveLength(0);
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/Base URL/);
		H.expectNoKeyLeak(result, PASSWORD);
	});
});

describe('a download redirected to another host name carries no Authorization', () => {
	useLocalNames(['api.example.test', 'files.api.example.test']);

	test('api.example.test -> files.api.example.test (same port): no Authorization there, the bytes arrive', async () => {
		const server = getServer();
		server.answer((request, response) => {
			if (String(request.headers.host).startsWith('files.')) {
				response.writeHead(200, {
					'content-type': 'video/mp4',
					'content-length': String(VIDEO.length),
				});
				response.end(VIDEO);
				return;
			}
			response.writeHead(302, {
				location: `http://files.api.example.test:${server.port}/files/${VIDEO_ID}.mp4`,
			});
			response.end();
		});
		const result = await runNode(download(), {
			credential: { baseUrl: `http://api.example.test:${server.port}`, allowHttp: true },
		});

		const hosts = server.requests.map((request) => request.headers.host);
		expect(hosts).toEqual([
			`api.example.test:${server.port}`,
			`files.api.example.test:${server.port}`,
		]);
		expect(server.requests[0].headers.authorization).toBe(`Bearer ${H.API_KEY}`);
		expect(server.requests[1].headers.authorization).toBeUndefined();
		await expectVideoStored(result);
	});
});

describe("a result link on the API's own origin", () => {
	const linkDownload = () => H.contentDownload(VIDEO_ID, { downloadFrom: 'link' });
	/** A finished job whose link on `origin` holds the key in its query. */
	const finishedWithKeyedLink = (origin: string) =>
		apiJob({
			status: 'completed',
			progress: 100,
			video_url: `${origin}/files/${VIDEO_ID}.mp4?api_key=${H.API_KEY}`,
		});

	test('may carry the key, and is fetched with it (the key goes where it goes anyway)', async () => {
		const server = getServer();
		server.answer((request, response) => {
			if (request.url.startsWith('/files/')) {
				response.writeHead(request.headers.authorization ? 200 : 401, {
					'content-type': 'video/mp4',
				});
				response.end(request.headers.authorization ? VIDEO : '');
				return;
			}
			sendJson(response, 200, finishedWithKeyedLink(server.url));
		});
		const result = await runNode(linkDownload());

		await expectVideoStored(result);
		expectKeySent();
		H.expectNoKeyLeak(result);
	});

	test('on another origin the same link is refused, and nothing is fetched from it', async () => {
		const server = getServer();
		server.answer((_request, response) =>
			sendJson(response, 200, finishedWithKeyedLink('http://localhost:1')),
		);
		const result = await runNode(linkDownload());

		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/holds the API key/);
		H.expectNoKeyLeak(result);
	});
});
