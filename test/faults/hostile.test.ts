/**
 * Issue 10, "Nothing hostile gets through": servers (or credentials, or inputs) that act against
 * the node. Each case runs the built node inside a real n8n-core execution (tools/harness) against
 * a bare HTTP server on loopback that gives the hostile answer, and asserts what the fixed node
 * must do: the key never shows, answers and downloads are bounded in size and time, nothing is
 * injected into the request, and bad input is refused before anything is sent.
 * The describe blocks carry the finding numbers. Finding 13 (reference images read
 * lazily) has no clean observable from outside the node and is not covered here.
 */
import { randomBytes } from 'node:crypto';
import dns from 'node:dns';
import { gzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { runVideoNode } from '../helpers';
import { errorText, everythingVisible, NODE_NAME } from './helpers';
import { sendJson, trickle, useHostileServer, type SeenRequest } from './hostile-server';

type RunResult = Awaited<ReturnType<typeof runVideoNode>>;
type Parameters = Record<string, unknown> & { options?: Record<string, unknown> };

/** Distinctive, so any 8 characters of it found in the output can only have come from it. */
const API_KEY = 'sk-hostile-4e9b1c7a2f8d40c6b5a3e1d9f7c2a8b6';

/** One attempt (so a hostile answer is not met three times), over the suites' short waits. */
const HOSTILE_OPTIONS = { maxAttempts: 1, requestTimeoutSeconds: 2 };

/** A 1x1 PNG. */
const PNG_BASE64 =
	'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

const VIDEO_ID = 'video_hostile_1';
const VIDEO = randomBytes(64 * 1024);

const getServer = useHostileServer();

interface RunArgs {
	parameters: Parameters;
	baseUrl?: string;
	allowHttp?: boolean;
	binary?: Record<string, { base64: string; mimeType: string; fileName: string }>;
}

/** Start -> Comet Video (the shared runner), against the hostile server unless told otherwise. */
async function runNode({ parameters, baseUrl, allowHttp = false, binary }: RunArgs) {
	const server = { apiKey: API_KEY, url: baseUrl ?? getServer().url };
	return await runVideoNode(
		server,
		{ ...parameters, options: { ...HOSTILE_OPTIONS, ...parameters.options } },
		{ credential: { allowHttp }, items: [{ json: {}, ...(binary ? { binary } : {}) }] },
	);
}

function retrieveParams(extra: Parameters = {}): Parameters {
	return { operation: 'retrieve', videoId: VIDEO_ID, waitForCompletion: false, ...extra };
}

function waitParams(extra: Parameters = {}): Parameters {
	return retrieveParams({ waitForCompletion: true, downloadWhenComplete: false, ...extra });
}

/** The content route only: the hostile server answers every request as if it were that one. */
function downloadParams(extra: Parameters = {}): Parameters {
	return {
		operation: 'download',
		videoId: VIDEO_ID,
		variant: 'video',
		binaryPropertyName: 'data',
		...extra,
		options: { downloadFrom: 'content', ...(extra.options as Parameters | undefined) },
	};
}

function createParams(extra: Parameters = {}): Parameters {
	return {
		operation: 'create',
		model: 'veo3-fast',
		prompt: 'A paper boat drifting down a rainy street',
		waitForCompletion: false,
		...extra,
	};
}

/** The job object as the API sends it. */
function apiJob(fields: Record<string, unknown> = {}) {
	return {
		id: VIDEO_ID,
		object: 'video',
		model: 'veo3-fast',
		status: 'queued',
		progress: 0,
		created_at: 1_760_000_000,
		...fields,
	};
}

/** Every request from now on is answered with this job. */
function answerJob(fields: Record<string, unknown> = {}) {
	getServer().answer((_request, response) => sendJson(response, 200, apiJob(fields)));
}

function isContent(request: SeenRequest): boolean {
	return /^\/v1\/videos\/[^/?]+\/content(\?|$)/.test(request.url);
}

/**
 * `secret` must not show anywhere the user or an operator can read: output items, error
 * message, description and serialised error, run data, n8n's log lines. Any 8 characters in a
 * row of it count, so a key cut in two by a length limit is caught too.
 */
function expectNotVisible(result: RunResult, secret: string = API_KEY) {
	const text = everythingVisible(result);
	const pieces = [Buffer.from(secret).toString('base64')];
	for (let start = 0; start + 8 <= secret.length; start++)
		pieces.push(secret.slice(start, start + 8));
	const found = pieces.find((piece) => text.includes(piece));
	if (found !== undefined) {
		const at = text.indexOf(found);
		throw new Error(
			`secret leaked as "${found}": ...${text.slice(Math.max(0, at - 150), at + 80)}...`,
		);
	}
}

/** The key did reach the server (so a clean scan means it was redacted, not never there). */
function expectKeySent() {
	expect(getServer().requests[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`);
}

function binaryOutputs(result: RunResult) {
	return result.output(NODE_NAME).filter((item: { binary?: object }) => item.binary !== undefined);
}

/** The download succeeded, and stored exactly the video the server had. */
async function expectVideoStored(result: RunResult) {
	expect(result.status).toBe('success');
	const [item] = result.output(NODE_NAME);
	expect((await result.readBinary(item.binary?.data)).equals(VIDEO)).toBe(true);
}

/**
 * Host names resolved in this process only, for the duration of a describe block: the listed
 * ones to 127.0.0.1, every `.invalid` one to "not found". So no lookup ever leaves the machine,
 * and a redirect between two names of one loopback server can be staged without /etc/hosts.
 */
function useLocalNames(loopbackNames: string[]): string[] {
	const asked: string[] = [];
	const original = dns.lookup;
	const local = (hostname: string, ...rest: unknown[]) => {
		const callback = rest.at(-1) as (error: Error | null, ...answer: unknown[]) => void;
		const options = (typeof rest[0] === 'object' && rest[0]) || {};
		const name = hostname.toLowerCase();
		if (loopbackNames.includes(name)) {
			asked.push(name);
			const all = (options as { all?: boolean }).all === true;
			process.nextTick(() =>
				all
					? callback(null, [{ address: '127.0.0.1', family: 4 }])
					: callback(null, '127.0.0.1', 4),
			);
			return;
		}
		if (name.endsWith('.invalid')) {
			asked.push(name);
			const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
				code: 'ENOTFOUND',
				syscall: 'getaddrinfo',
				hostname,
			});
			process.nextTick(() => callback(error));
			return;
		}
		return (original as (...args: unknown[]) => unknown)(hostname, ...rest);
	};
	beforeAll(() => {
		Object.defineProperty(dns, 'lookup', { value: local, writable: true, configurable: true });
	});
	afterAll(() => {
		Object.defineProperty(dns, 'lookup', { value: original, writable: true, configurable: true });
	});
	return asked;
}

describe('1. the key never shows where a server echoes it', () => {
	test('1a: a failed job whose error.code echoes the key (Retrieve + wait)', async () => {
		answerJob({ status: 'failed', error: { code: `bad_key_${API_KEY}`, message: 'rejected' } });
		const result = await runNode({ parameters: waitParams() });

		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/failed/);
		expectKeySent();
		expectNotVisible(result);
	});

	test('1b: a job status string carrying the key, in the wait-timeout message', async () => {
		answerJob({ status: `queued ${API_KEY}` });
		const result = await runNode({
			parameters: waitParams({ options: { timeoutMinutes: 0.01 } }),
		});

		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/did not finish/);
		expectNotVisible(result);
	});

	test('1b: a job status string carrying the key, in the not-ready-to-download message', async () => {
		getServer().answer((request, response) =>
			isContent(request)
				? sendJson(response, 400, {
						error: { message: 'video is not ready', code: 'invalid_request' },
					})
				: sendJson(response, 200, apiJob({ status: `in_progress ${API_KEY}`, progress: 40 })),
		);
		const result = await runNode({ parameters: downloadParams() });

		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/not ready/);
		expectNotVisible(result);
	});

	test('1c: Retrieve without wait of a failed job whose error.message echoes the key: the output json is clean', async () => {
		answerJob({
			status: 'failed',
			error: { code: 'provider_error', message: `provider refused key ${API_KEY}` },
		});
		const result = await runNode({ parameters: retrieveParams() });

		expect(result.status).toBe('success');
		expect(result.output(NODE_NAME)[0].json.id).toBe(VIDEO_ID);
		expectKeySent();
		expectNotVisible(result);
	});

	test('1d: a video_url with ?api_key=<key> does not pass through', async () => {
		answerJob({
			status: 'completed',
			progress: 100,
			video_url: `https://files.example.com/${VIDEO_ID}.mp4?api_key=${API_KEY}`,
		});
		const result = await runNode({ parameters: retrieveParams() });

		expect(result.status).toBe('success');
		expect(result.output(NODE_NAME)[0].json.id).toBe(VIDEO_ID);
		expectNotVisible(result);
	});

	test('1e: a "no job id" answer with the key straddling character 300 leaks no part of it', async () => {
		const prefix = '{"object":"video","status":"queued","note":"';
		// The key starts 15 characters before the cut at 300.
		const body = `${prefix}${'x'.repeat(285 - prefix.length)}${API_KEY}"}`;
		expect(body.indexOf(API_KEY)).toBe(285);
		getServer().answer((_request, response) => {
			response.writeHead(200, { 'content-type': 'application/json' });
			response.end(body);
		});
		const result = await runNode({ parameters: createParams() });

		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/no job id/);
		expectNotVisible(result);
	});
});

describe('2. answers and downloads have a size limit', () => {
	test('2a: a 20 MiB job answer fails with an error that states the ~1 MiB limit', async () => {
		const body = Buffer.concat([
			Buffer.from(JSON.stringify(apiJob()).slice(0, -1) + ',"prompt":"'),
			Buffer.alloc(20 * 1024 * 1024, 'a'),
			Buffer.from('"}'),
		]);
		getServer().answer((_request, response) => {
			// No Content-Length: the node has to count, not trust a header.
			response.writeHead(200, { 'content-type': 'application/json' });
			response.end(body);
		});
		const result = await runNode({ parameters: retrieveParams() });

		expect(result.status).toBe('error');
		expect(errorText(result)).toMatch(/\b1 ?(MiB|MB)\b|1,?048,?576 bytes/);
		expect(result.output(NODE_NAME)).toHaveLength(0);
	});

	test.each([
		['with a Content-Length', true],
		['chunked, without a Content-Length', false],
	])(
		'2b: a download over "Max Download Size (MB)" (maxDownloadSizeMb) fails, %s',
		async (_name, withLength) => {
			const body = randomBytes(3 * 1024 * 1024);
			getServer().answer((_request, response) => {
				response.writeHead(200, {
					'content-type': 'video/mp4',
					...(withLength ? { 'content-length': String(body.length) } : {}),
				});
				response.end(body);
			});
			const result = await runNode({
				parameters: downloadParams({ options: { maxDownloadSizeMb: 1 } }),
			});

			expect(result.status).toBe('error');
			expect(errorText(result)).toMatch(/Max Download Size|\b1 ?(MiB|MB)\b/);
			expect(binaryOutputs(result)).toHaveLength(0);
		},
	);

	test('2c: the content request asks for Accept-Encoding: identity', async () => {
		getServer().answer((request, response) => {
			const gzip = /gzip/.test(String(request.headers['accept-encoding'] ?? ''));
			const body = gzip ? gzipSync(VIDEO) : VIDEO;
			response.writeHead(200, {
				'content-type': 'video/mp4',
				'content-length': String(body.length),
				...(gzip ? { 'content-encoding': 'gzip' } : {}),
			});
			response.end(body);
		});
		const result = await runNode({ parameters: downloadParams() });

		const [content] = getServer().requests.filter(isContent);
		expect(content.headers['accept-encoding']).toBe('identity');
		await expectVideoStored(result);
	});
});

describe('3. every call has an overall deadline', () => {
	test('3a: a JSON answer trickled one byte per 400 ms fails within a few seconds (Request Timeout 1 s)', async () => {
		getServer().answer((_request, response) => {
			response.writeHead(200, { 'content-type': 'application/json' });
			response.write(JSON.stringify(apiJob()).slice(0, -1) + ',"note":"');
			// About 8 s in all, if read to the end.
			trickle(
				response,
				Array.from({ length: 20 }, () => 'x'),
				400,
				(open) => open.end('"}'),
			);
		});
		const result = await runNode({
			parameters: retrieveParams({ options: { requestTimeoutSeconds: 1 } }),
		});

		expect(result.status).toBe('error');
		expect(result.durationMs).toBeLessThan(6000);
		expect(errorText(result)).toMatch(/too long|too slow/i);
	});

	test('3b: a download trickled a few bytes at a time fails as broken off / too slow in bounded time (Request Timeout 2 s)', async () => {
		getServer().answer((_request, response) => {
			response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(1 << 20) });
			// 16 bytes every 250 ms for 16 s, then the connection drops.
			const chunks = Array.from({ length: 64 }, () => VIDEO.subarray(0, 16));
			trickle(response, chunks, 250, (open) => open.destroy());
		});
		const result = await runNode({ parameters: downloadParams() });

		expect(result.status).toBe('error');
		expect(result.durationMs).toBeLessThan(15_000);
		expect(errorText(result)).toMatch(/broke off|too slow|too long/i);
		expect(binaryOutputs(result)).toHaveLength(0);
	});
});

/** The headers of each part of a multipart/form-data body. */
function multipartHeaders(request: SeenRequest): string[][] {
	const boundary = /boundary=([^;]+)/.exec(String(request.headers['content-type']))?.[1];
	if (!boundary) throw new Error(`not multipart: ${request.headers['content-type']}`);
	return request.body
		.toString('latin1')
		.split(`--${boundary}`)
		.slice(1, -1)
		.map((part) => part.replace(/^\r\n/, '').split('\r\n\r\n')[0].split('\r\n'));
}

describe('4. multipart header injection through a mime type', () => {
	test('4: an image whose mimeType carries CRLF + Content-Disposition does not add a "seconds" field', async () => {
		answerJob();
		const result = await runNode({
			parameters: createParams({ referenceImages: 'binary', imageBinaryProperties: 'data' }),
			binary: {
				data: {
					base64: PNG_BASE64,
					mimeType: 'image/png\r\nContent-Disposition: form-data; name="seconds"',
					fileName: 'frame.png',
				},
			},
		});

		const creates = getServer().requests;
		if (creates.length === 0) {
			// Refused before any request: the error names the field.
			expect(result.status).toBe('error');
			expect(errorText(result)).toMatch(/"data"/);
			return;
		}
		expect(creates).toHaveLength(1);
		const parts = multipartHeaders(creates[0]);
		const dispositions = parts.map((lines) =>
			lines.filter((line) => /^content-disposition:/i.test(line)),
		);
		expect(dispositions.map((found) => found.length)).toEqual([1, 1, 1]);
		expect(dispositions.map((found) => /name="([^"]*)"/.exec(found[0])?.[1])).toEqual([
			'model',
			'prompt',
			'input_reference',
		]);
		expect(parts[2].filter((line) => /^content-type:/i.test(line))).toEqual([
			'Content-Type: image/png',
		]);
	});
});

describe('6. a Base URL with user info is refused before any request, its password not shown', () => {
	// Query and fragment are refused by the same rule: test/unit/base-url.test.ts.
	test('6: user:password', async () => {
		const PASSWORD = 'Hunter2pw-9c41e';
		answerJob();
		const result = await runNode({
			parameters: retrieveParams(),
			baseUrl: `http://admin:${PASSWORD}@127.0.0.1:${getServer().port}`,
		});

		expect(getServer().requests).toHaveLength(0);
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/Base URL/);
		expectNotVisible(result, PASSWORD);
	});
});

describe('7. a download redirected to another host name carries no Authorization', () => {
	useLocalNames(['api.example.test', 'files.api.example.test']);

	test('7: api.example.test -> files.api.example.test (same port): no Authorization there, the bytes arrive', async () => {
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
		const result = await runNode({
			parameters: downloadParams(),
			baseUrl: `http://api.example.test:${server.port}`,
			allowHttp: true,
		});

		const hosts = server.requests.map((request) => request.headers.host);
		expect(hosts).toEqual([
			`api.example.test:${server.port}`,
			`files.api.example.test:${server.port}`,
		]);
		expect(server.requests[0].headers.authorization).toBe(`Bearer ${API_KEY}`);
		expect(server.requests[1].headers.authorization).toBeUndefined();
		await expectVideoStored(result);
	});
});

describe('8. what is stored as the video is the whole video', () => {
	test('8a: a 206 with Content-Range bytes 0-99/1000 fails, no binary', async () => {
		getServer().answer((_request, response) => {
			response.writeHead(206, {
				'content-type': 'video/mp4',
				'content-range': 'bytes 0-99/1000',
				'content-length': '100',
			});
			response.end(VIDEO.subarray(0, 100));
		});
		const result = await runNode({ parameters: downloadParams() });

		expect(result.status).toBe('error');
		expect(binaryOutputs(result)).toHaveLength(0);
	});

	test('8b: a 200 text/html page for the content fails, no binary', async () => {
		getServer().answer((_request, response) => {
			const page = '<!doctype html><html><body>Sign in to continue</body></html>';
			response.writeHead(200, {
				'content-type': 'text/html; charset=utf-8',
				'content-length': String(page.length),
			});
			response.end(page);
		});
		const result = await runNode({ parameters: downloadParams() });

		expect(result.status).toBe('error');
		expect(binaryOutputs(result)).toHaveLength(0);
	});

	// The HTTP client decodes a compressed body on its own and drops Content-Encoding, so the
	// length the server announced is what catches it (without one, no client can tell a clean
	// early end from the real end).
	test('8c: a gzip stream cut short (ending cleanly) fails against its announced length, no binary', async () => {
		const compressed = gzipSync(VIDEO);
		getServer().answer((_request, response) => {
			response.writeHead(200, {
				'content-type': 'video/mp4',
				'content-encoding': 'gzip',
				'content-length': String(compressed.length),
			});
			// Ends cleanly before the announced length: the connection closes early.
			response.end(compressed.subarray(0, compressed.length >> 1));
			response.socket?.destroy();
		});
		const result = await runNode({ parameters: downloadParams() });

		expect(result.status).toBe('error');
		expect(binaryOutputs(result)).toHaveLength(0);
	});
});

describe('12. a create that could not be sent says so', () => {
	const asked = useLocalNames([]);

	test('12: Base URL https://no-such-host.invalid: "nothing was sent", not "a job may have been created"', async () => {
		const result = await runNode({
			parameters: createParams(),
			baseUrl: 'https://no-such-host.invalid',
		});

		// The name was answered here, not by a DNS server.
		expect(asked).toContain('no-such-host.invalid');
		expect(result.status).toBe('error');
		expect(errorText(result)).not.toMatch(/may have been created|may have reached/);
		expect(errorText(result)).toMatch(/nothing was sent|not sent/i);
	});
});
