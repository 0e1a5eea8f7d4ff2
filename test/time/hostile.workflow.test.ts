/**
 * Every call ends: bounded by Request Timeout even when answered only with 102 Processing or
 * trickled, and items waiting for a request slot leave on cancel.
 * Each case runs the built node inside a real n8n-core execution (tools/harness) against a bare
 * HTTP server on loopback that gives the hostile answer.
 */
import { createServer, type Server, type Socket } from 'node:net';

import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';

import * as H from '../support/faults';
import { apiJob, trickle, VIDEO_ID } from '../support/hostile-server';
import { useHostileNode, VIDEO, retrieve, download } from '../support/hostile-node';

const { getServer, runNode } = useHostileNode();

// A call the node fails to bound hangs: fail it in 20 s, not the suites' 60.
jest.setTimeout(20_000);

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

describe('every call bounded by Request Timeout', () => {
	const processingUrl = useProcessingServer();

	test.each([
		['a Retrieve', retrieve(), false],
		// The content route, so that the file request itself meets the 102s (Automatic would look
		// the job up first, which is 2a again).
		['a Download', H.contentDownload(VIDEO_ID), false],
		['a redirect hop', H.contentDownload(VIDEO_ID), true],
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

	test('items waiting for a request slot leave when the execution is cancelled', async () => {
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

describe('every call has an overall deadline', () => {
	test('a JSON answer trickled one byte per 400 ms fails within a few seconds (Request Timeout 1 s)', async () => {
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
		const result = await runNode(retrieve({ options: { requestTimeoutSeconds: 1 } }));

		expect(result.status).toBe('error');
		expect(result.durationMs).toBeLessThan(6000);
		expect(H.errorText(result)).toMatch(/too long|too slow/i);
	});

	test('a download trickled a few bytes at a time fails as broken off / too slow in bounded time (Request Timeout 2 s)', async () => {
		getServer().answer((_request, response) => {
			response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(1 << 20) });
			// 16 bytes every 250 ms for 16 s, then the connection drops.
			const chunks = Array.from({ length: 64 }, () => VIDEO.subarray(0, 16));
			trickle(response, chunks, 250, (open) => open.destroy());
		});
		const result = await runNode(download({ requestTimeoutSeconds: 2 }));

		expect(result.status).toBe('error');
		expect(result.durationMs).toBeLessThan(15_000);
		expect(H.errorText(result)).toMatch(/broke off|too slow|too long/i);
		expect(H.withBinary(result)).toHaveLength(0);
	});
});
