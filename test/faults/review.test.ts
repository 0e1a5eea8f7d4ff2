/**
 * Issue 16, "Never pays twice, whatever n8n does around the node": each finding of the second
 * review, as a workflow run in n8n-core's real engine against a hostile server on loopback. The
 * describe blocks carry the finding numbers.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';

import type { StartItem } from '../../tools/harness';
import type { VideoParameters } from '../helpers';
import * as H from './helpers';
import {
	apiJob,
	json,
	raw,
	sendJson,
	useHostileServer,
	VIDEO_ID,
	type SeenRequest,
} from './hostile-server';

const getServer = useHostileServer();

// A call the node fails to bound hangs: fail it in 20 s, not the suites' 60.
jest.setTimeout(20_000);

type Run = Parameters<typeof H.runHostile>[2];
const runNode = (parameters: VideoParameters, run?: Run) =>
	H.runHostile(getServer().url, parameters, run);
const createParams = (overrides?: VideoParameters) =>
	H.createParams({ waitForCompletion: false, ...overrides });
const retrieve = (overrides?: VideoParameters) => H.retrieveParams(VIDEO_ID, overrides);

const creates = () => getServer().requests.filter((request) => request.method === 'POST');

/** The prompt the multipart body of a create carried. */
function promptOf(request: SeenRequest): string {
	const match = /name="prompt"\r\n\r\n([^\r]*)/.exec(request.body.toString('utf8'));
	return match?.[1] ?? '';
}

describe('1. Retry On Fail never creates twice', () => {
	test('1e: a job that is fine is not taken for a failure (no `error` field on its output)', async () => {
		getServer().answer(json(200, apiJob()));
		const result = await runNode(createParams(), { retryOnFail: true });

		expect(result.status).toBe('success');
		expect(getServer().requests).toHaveLength(1);
		expect(result.items[0].json).not.toHaveProperty('error');
	});

	test.each([
		[
			'1a: a create answered 500 is sent once, and fails with "may have been created"',
			createParams(),
			json(500, { error: { message: 'upstream broke', code: 'server_error' } }),
		],
		[
			'1d: a Remix answered 500 is sent once',
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

	test('1b: item 0 refused, item 1 created, stop on fail: one create per item, the id in the error', async () => {
		answerRefusedThenMade();
		const result = await runNode(createParams({ prompt: '={{ $json.prompt }}' }), {
			items: twoItems,
			retryOnFail: true,
		});

		expect(result.status).toBe('error');
		expect(creates().map(promptOf).sort()).toEqual(['made', 'refused']);
		expect(`${result.error?.message}\n${result.error?.description}`).toContain('video_made_1');
	});

	test('1b: item 0 refused, item 1 created, continue on fail: one create per item, the id in the output', async () => {
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

	test('1c: a job made by an earlier try is waited on, not made again', async () => {
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

/** A server that answers every request with `102 Processing` every 300 ms, and never more. */
function useProcessingServer(): () => string {
	let server: Server | undefined;
	let url = '';
	const sockets = new Set<Socket>();
	beforeAll(async () => {
		server = createServer((socket) => {
			sockets.add(socket);
			socket.on('error', () => undefined);
			socket.once('data', () => {
				const timer = setInterval(() => socket.write('HTTP/1.1 102 Processing\r\n\r\n'), 300);
				socket.on('close', () => clearInterval(timer));
			});
		});
		await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
		const address = server.address() as { port: number };
		url = `http://127.0.0.1:${address.port}`;
	});
	afterAll(async () => {
		for (const socket of sockets) socket.destroy();
		await new Promise((resolve) => server?.close(resolve));
	});
	return () => url;
}

describe('2. every call bounded by Request Timeout', () => {
	const processingUrl = useProcessingServer();

	test.each([
		['2a: a Retrieve', retrieve(), false],
		// The content route, so that the file request itself meets the 102s (Automatic would look
		// the job up first, which is 2a again).
		['2b: a Download', H.contentDownload(VIDEO_ID), false],
		['2c: a redirect hop', H.contentDownload(VIDEO_ID), true],
	])(
		'%s answered only with 102 Processing ends after Request Timeout',
		async (_name, parameters, viaRedirect) => {
			getServer().answer((_request, response) => {
				response.writeHead(302, { location: `${processingUrl()}/file.mp4` });
				response.end();
			});
			const started = Date.now();
			const result = await H.runHostile(
				viaRedirect ? getServer().url : processingUrl(),
				parameters,
			);

			expect(result.status).toBe('error');
			expect(result.error?.message).toMatch(/no answer within 1 s/);
			expect(Date.now() - started).toBeLessThan(4000);
		},
	);

	test('2d: items waiting for a request slot leave when the execution is cancelled', async () => {
		const started = Date.now();
		const result = await H.runHostile(
			processingUrl(),
			retrieve({ options: { maxInFlight: 1, requestTimeoutSeconds: 60 } }),
			{ items: [{ json: {} }, { json: {} }], continueOnFail: true, cancelAfterMs: 700 },
		);

		expect(Date.now() - started).toBeLessThan(4000);
		expect(result.items.map((item) => item.json.error)).toEqual([
			expect.stringMatching(/cancelled/),
			expect.stringMatching(/cancelled while waiting for a free request slot/),
		]);
	});
});

describe('3. the key in no form', () => {
	test('3a: a job id equal to the key is refused as not a valid job id', async () => {
		getServer().answer(json(200, apiJob({ id: H.API_KEY })));
		const result = await runNode(retrieve());

		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/no valid job id/);
		H.expectNoKeyLeak(result);
	});

	test('3b: a JSON-escaped key and a key missing its end, in a quoted answer, do not show', async () => {
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

describe('5. bounded error bodies', () => {
	test('5a: a 150k-deep error body gives the HTTP status, not a RangeError', async () => {
		const depth = 150_000;
		getServer().answer(raw(422, `{"error":${'['.repeat(depth)}${']'.repeat(depth)}}`));
		const result = await runNode(retrieve());

		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/HTTP 422/);
		expect(H.everythingVisible(result)).not.toMatch(/RangeError|call stack/i);
	});

	test('5b: only the envelope code and message survive, capped, with the status', async () => {
		getServer().answer(
			json(403, {
				error: { message: 'm'.repeat(5000), code: 'c'.repeat(5000), extra: { deep: 'x' } },
			}),
		);
		const result = await runNode(retrieve());

		expect(result.error?.message).toMatch(/HTTP 403/);
		const visible = H.everythingVisible(result);
		expect(visible).not.toContain('m'.repeat(400));
		expect(visible).not.toContain('c'.repeat(400));
		expect(visible).not.toContain('deep');
	});
});

describe('6. ids kept on the wait path', () => {
	test('6a: a cancel during the back-off after a 503 on a poll names the job', async () => {
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

	test('6b: a poll answer naming another job is an error naming both', async () => {
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

const GZIPPED = gzipSync(randomBytes(256 * 1024));
const GARBLED = Buffer.concat([gzipSync(Buffer.alloc(0)).subarray(0, 10), randomBytes(64 * 1024)]);

describe('7. one failure path', () => {
	test.each<[string, (response: ServerResponse) => void]>([
		// The HTTP client decodes a compressed body on its own and drops Content-Encoding, so the
		// length the server announced is what catches a cut (without one, no client can tell a
		// clean early end from the real end).
		[
			'7a: a gzip download cut mid-stream broke off, and is fetched again',
			(response) => {
				response.writeHead(200, {
					'content-type': 'video/mp4',
					'content-encoding': 'gzip',
					'content-length': String(GZIPPED.length),
				});
				response.write(GZIPPED.subarray(0, GZIPPED.length / 2), () => response.destroy());
			},
		],
		[
			'7b: a garbled gzip download (zlib Z_DATA_ERROR) broke off, not a storage failure',
			(response) => {
				response.writeHead(200, { 'content-type': 'video/mp4', 'content-encoding': 'gzip' });
				response.end(GARBLED);
			},
		],
	])('%s', async (_name, answer) => {
		getServer().answer((_request, response) => answer(response));
		const result = await runNode(H.contentDownload(VIDEO_ID, { maxAttempts: 2 }));

		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/broke off/);
		expect(H.withBinary(result)).toHaveLength(0);
		expect(getServer().requests).toHaveLength(2);
	});
});
