/**
 * Answers and downloads have a size limit, and what is stored as the video is the whole video
 * (no 206, no HTML page, no cut or garbled gzip stream).
 * Each case runs the built node inside a real n8n-core execution (tools/harness) against a bare
 * HTTP server on loopback that gives the hostile answer.
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { ServerResponse } from 'node:http';

import { describe, expect, jest, test } from '@jest/globals';

import * as H from '../support/faults';
import { apiJob, raw, VIDEO_ID } from '../support/hostile-server';
import {
	useHostileNode,
	VIDEO,
	retrieve,
	download,
	isContent,
	expectVideoStored,
} from '../support/hostile-node';

const { getServer, runNode } = useHostileNode();

// A call the node fails to bound hangs: fail it in 20 s, not the suites' 60.
jest.setTimeout(20_000);

describe('answers and downloads have a size limit', () => {
	test('a 20 MiB job answer fails with an error that states the ~1 MiB limit', async () => {
		const body = Buffer.concat([
			Buffer.from(JSON.stringify(apiJob()).slice(0, -1) + ',"prompt":"'),
			Buffer.alloc(20 * 1024 * 1024, 'a'),
			Buffer.from('"}'),
		]);
		getServer().answer(raw(200, body));
		const result = await runNode(retrieve());

		expect(result.status).toBe('error');
		expect(H.errorText(result)).toMatch(/\b1 ?(MiB|MB)\b|1,?048,?576 bytes/);
		expect(result.items).toHaveLength(0);
	});

	test.each([
		['with a Content-Length', true],
		['chunked, without a Content-Length', false],
	])(
		'a download over "Max Download Size (MB)" (maxDownloadSizeMb) fails, %s',
		async (_name, withLength) => {
			// A zero first byte, as a video's first box size has: random bytes could begin like a
			// web page ("<") and be refused as a document before their size is seen.
			const body = Buffer.concat([Buffer.alloc(1), randomBytes(3 * 1024 * 1024 - 1)]);
			getServer().answer((_request, response) => {
				response.writeHead(200, {
					'content-type': 'video/mp4',
					...(withLength ? { 'content-length': String(body.length) } : {}),
				});
				response.end(body);
			});
			const result = await runNode(download({ maxDownloadSizeMb: 1 }));

			expect(result.status).toBe('error');
			expect(H.errorText(result)).toMatch(/Max Download Size|\b1 ?(MiB|MB)\b/);
			expect(H.withBinary(result)).toHaveLength(0);
		},
	);

	test('the content request asks for Accept-Encoding: identity', async () => {
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
		const result = await runNode(download());

		const [content] = getServer().requests.filter(isContent);
		expect(content.headers['accept-encoding']).toBe('identity');
		await expectVideoStored(result);
	});
});

const HTML_PAGE = '<!doctype html><html><body>Sign in to continue</body></html>';

describe('what is stored as the video is the whole video', () => {
	// A gzip stream cut short: the "one failure path" cases below.
	test.each<[string, (response: ServerResponse) => void]>([
		[
			'a 206 with Content-Range bytes 0-99/1000 fails, no binary',
			(response) => {
				response.writeHead(206, {
					'content-type': 'video/mp4',
					'content-range': 'bytes 0-99/1000',
					'content-length': '100',
				});
				response.end(VIDEO.subarray(0, 100));
			},
		],
		[
			'a 200 text/html page for the content fails, no binary',
			(response) => {
				response.writeHead(200, {
					'content-type': 'text/html; charset=utf-8',
					'content-length': String(HTML_PAGE.length),
				});
				response.end(HTML_PAGE);
			},
		],
	])('%s', async (_name, answer) => {
		getServer().answer((_request, response) => answer(response));
		const result = await runNode(download());

		expect(result.status).toBe('error');
		expect(H.withBinary(result)).toHaveLength(0);
	});
});

const GZIPPED = gzipSync(Buffer.concat([Buffer.alloc(1), randomBytes(256 * 1024 - 1)]));
const GARBLED = Buffer.concat([gzipSync(Buffer.alloc(0)).subarray(0, 10), randomBytes(64 * 1024)]);

describe('one failure path', () => {
	test.each<[string, (response: ServerResponse) => void]>([
		// The HTTP client decodes a compressed body on its own and drops Content-Encoding, so the
		// length the server announced is what catches a cut (without one, no client can tell a
		// clean early end from the real end).
		[
			'a gzip download cut mid-stream broke off, and is fetched again',
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
			'a garbled gzip download (zlib Z_DATA_ERROR) broke off, not a storage failure',
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
