/**
 * A bare HTTP server on 127.0.0.1 that answers whatever the test tells it to: the hostile
 * answers no honest CometAPI (or the simulator) would give. It records every request it got,
 * body included, so a test can say what the node sent, or that it sent nothing.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

import { afterAll, beforeAll, beforeEach } from '@jest/globals';

import { sendJson } from './send-json';

export { sendJson };

export interface SeenRequest {
	method: string;
	/** Path and query, as sent. */
	url: string;
	headers: IncomingHttpHeaders;
	body: Buffer;
}

export type Answer = (request: SeenRequest, response: ServerResponse) => void | Promise<void>;

export interface HostileServer {
	/** http://127.0.0.1:PORT */
	readonly url: string;
	readonly port: number;
	readonly requests: SeenRequest[];
	/** How every following request is answered (the default is a JSON 404). */
	answer(answer: Answer): void;
	/** Forgets the requests and the answer, and drops the connections of the previous test. */
	reset(): void;
	close(): Promise<void>;
}

const notFound: Answer = (_request, response) => sendJson(response, 404, { error: 'not here' });

export async function startHostileServer(): Promise<HostileServer> {
	const requests: SeenRequest[] = [];
	const sockets = new Set<Socket>();
	let current = notFound;
	const server = createServer((incoming, response) => {
		const chunks: Buffer[] = [];
		incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
		incoming.on('end', () => {
			const request: SeenRequest = {
				method: incoming.method ?? '',
				url: incoming.url ?? '',
				headers: incoming.headers,
				body: Buffer.concat(chunks),
			};
			requests.push(request);
			Promise.resolve(current(request, response)).catch(() => response.destroy());
		});
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as { port: number };
	const dropConnections = () => {
		for (const socket of sockets) socket.destroy();
	};
	return {
		url: `http://127.0.0.1:${port}`,
		port,
		requests,
		answer(answer) {
			current = answer;
		},
		reset() {
			requests.length = 0;
			current = notFound;
			dropConnections();
		},
		async close() {
			dropConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

/** One server for the whole test file, reset before every test; returns a getter for it. */
export function useHostileServer(): () => HostileServer {
	let server: HostileServer | undefined;
	beforeAll(async () => {
		server = await startHostileServer();
	});
	beforeEach(() => server?.reset());
	afterAll(async () => {
		await server?.close();
	});
	return () => server as HostileServer;
}

/** The job id the hostile answers are about. */
export const VIDEO_ID = 'video_hostile_1';

/** A job object as the API sends it. */
export function apiJob(fields: Record<string, unknown> = {}): Record<string, unknown> {
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

/** An answer that sends `value` as JSON. */
export function json(status: number, value: unknown, headers: Record<string, string> = {}): Answer {
	return (_request, response) => sendJson(response, status, value, headers);
}

/** An answer that sends `body` as it is, without a Content-Length: the node has to count. */
export function raw(status: number, body: string | Buffer): Answer {
	return (_request, response) => {
		response.writeHead(status, { 'content-type': 'application/json' });
		response.end(body);
	};
}

/**
 * Writes `chunks` one per `intervalMs` (the headers are already out), then calls `finish`; stops
 * as soon as the client goes away, so nothing keeps writing after a test.
 */
export function trickle(
	response: ServerResponse,
	chunks: Iterable<Buffer | string>,
	intervalMs: number,
	finish: (response: ServerResponse) => void = (open) => open.end(),
): void {
	const pending = chunks[Symbol.iterator]();
	const timer = setInterval(() => {
		if (response.destroyed) {
			clearInterval(timer);
			return;
		}
		const next = pending.next();
		if (next.done) {
			clearInterval(timer);
			finish(response);
		} else {
			response.write(next.value);
		}
	}, intervalMs);
	response.on('close', () => clearInterval(timer));
}
