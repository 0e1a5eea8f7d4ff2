/**
 * The programmable servers of one world: the API (its own origin), the link host (another
 * origin: result links and redirect targets), and a third plain-http origin (a redirect's other
 * target). Every request is recorded with who got it; every answer follows the world: job shapes,
 * files, and the fault schedule of each call of each item.
 */
import {
	createServer,
	type IncomingHttpHeaders,
	type IncomingMessage,
	type Server,
	type ServerResponse,
} from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';

import { encodeKey } from '../support/key-scan';
import { loopbackCertificate } from './tls';
import type { CallKind, Fault, FileServe, World } from './world';
import { WORLD_KEY } from './world';

export type HostName = 'api' | 'link' | 'other';

export interface SeenRequest {
	host: HostName;
	method: string;
	url: string;
	headers: IncomingHttpHeaders;
	body: Buffer;
	/** The call it was, as the server read it. */
	kind: CallKind | 'other';
	exec?: string;
	item?: number;
	/** What the server answered (a fault, or 'ok'). */
	answer: Fault | 'ok';
	at: number;
}

export interface CreatedJob {
	id: string;
	exec: string;
	item: number;
}

/** The prompt tag that tells the server which execution and item a create is for. */
export const promptTag = (exec: string) => `={{ "PTAG-${exec}-" + $json.n + "- a paper boat" }}`;
const TAG = /PTAG-([a-z0-9]+)-(\d+)-/;

export interface WorldServer {
	api: string;
	link: string;
	other: string;
	requests: SeenRequest[];
	jobs: CreatedJob[];
	/** The world's file: what a stored video must be, byte for byte. */
	file: Buffer;
	close(): Promise<void>;
}

/**
 * A small MP4, deterministic per size: an `ftyp` box (so it sniffs as video/mp4) and an `mdat`
 * box spanning the rest, so its boxes end where the file ends, as a real MP4's do.
 */
export function worldFile(bytes: number): Buffer {
	const file = Buffer.alloc(Math.max(bytes, 24));
	for (let i = 0; i < file.length; i++) file[i] = (i * 31 + 7) & 0xff;
	file.writeUInt32BE(16, 0);
	file.write('ftypisom', 4, 'latin1');
	file.writeUInt32BE(file.length - 16, 16);
	file.write('mdat', 20, 'latin1');
	return file;
}

interface Listener {
	server: Server;
	sockets: Set<Socket>;
	port: number;
}

async function listen(handler: Parameters<typeof createServer>[1], tls = false): Promise<Listener> {
	const server = tls
		? createTlsServer(loopbackCertificate(), handler as Parameters<typeof createTlsServer>[1])
		: createServer(handler);
	const sockets = new Set<Socket>();
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return { server, sockets, port: (server.address() as { port: number }).port };
}

function sendJson(
	response: ServerResponse,
	status: number,
	value: unknown,
	headers: Record<string, string> = {},
): void {
	const body = Buffer.from(JSON.stringify(value));
	response.writeHead(status, {
		'content-type': 'application/json',
		'content-length': String(body.length),
		...headers,
	});
	response.end(body);
}

const later = (ms: number, live: () => boolean, then: () => void) => {
	const timer = setTimeout(() => live() && then(), ms);
	timer.unref();
};

export async function startWorldServer(world: World, key = WORLD_KEY): Promise<WorldServer> {
	const requests: SeenRequest[] = [];
	const jobs = new Map<string, CreatedJob & { polls: number }>();
	const counters = new Map<string, number>();
	const file = worldFile(world.fileBytes);
	let closed = false;
	let seq = 0;
	const live = () => !closed;
	// Filled in once all three listen.
	const origin = { api: '', link: '', other: '' };

	/** The fault for this call: the nth call of this kind for this execution's item. */
	const nextFault = (kind: CallKind, exec: string, item: number): Fault => {
		const counter = `${exec}:${kind}:${item}`;
		const n = counters.get(counter) ?? 0;
		counters.set(counter, n + 1);
		// Noise executions meet no faults: they fail by design (see create).
		if (exec.startsWith('n')) return 'ok';
		const last = world.items - 1;
		const targeted =
			world.faultItems === 'all' ||
			(world.faultItems === 'first' && item === 0) ||
			(world.faultItems === 'last' && item === last) ||
			(world.faultItems === 'odd' && item % 2 === 1);
		if (!targeted) return 'ok';
		return world.faults[kind][n] ?? 'ok';
	};

	const jobLink = (job: CreatedJob): string | undefined => {
		if (world.job.link === 'none') return undefined;
		const host = world.job.linkHost === 'api' ? origin.api : origin.link;
		const query =
			world.job.linkKey === 'query'
				? `?api_key=${encodeURIComponent(key)}`
				: world.job.linkKey === 'query-base64'
					? `?sig=${encodeKey(key, 'base64url')}`
					: '';
		return `${host}/files/${job.id}.mp4${query}`;
	};

	const jobJson = (job: CreatedJob, status: string): Record<string, unknown> => {
		const hasError = world.job.errorItems === 'all' || job.item === 0;
		const errorField: Record<string, unknown> = {};
		if (hasError) {
			switch (world.job.error) {
				case 'null':
					errorField.error = null;
					break;
				case 'empty-object':
					errorField.error = {};
					break;
				case 'empty-strings':
					errorField.error = { code: '', message: '' };
					break;
				case 'full':
					errorField.error = { code: 'provider_error', message: 'the provider said no' };
					break;
			}
		}
		const link = jobLink(job);
		const model =
			world.job.modelEcho === 'none'
				? world.model
				: `${world.model}/${encodeKey(key, world.job.modelEcho)}`;
		return {
			[world.job.idField]: job.id,
			object: 'video',
			model,
			status,
			progress: 50,
			created_at: 1_760_000_000,
			...errorField,
			...(link && world.job.link === 'video_url' ? { video_url: link } : {}),
			...(link && world.job.link === 'metadata.url' ? { metadata: { url: link } } : {}),
		};
	};

	/** Answers a fault; returns false for 'ok' (the caller answers normally). */
	const answerFault = (
		fault: Fault,
		request: SeenRequest,
		response: ServerResponse,
		bodyType = 'application/json',
	): boolean => {
		switch (fault) {
			case 'ok':
				return false;
			case '429':
				sendJson(response, 429, { error: { message: 'Too many requests', type: 'rate_limit' } });
				return true;
			case '500':
			case '503':
				sendJson(response, Number(fault), { error: { message: 'upstream broke', type: 'server' } });
				return true;
			case '400':
				sendJson(response, 400, { error: { code: 'invalid_request', message: 'bad request' } });
				return true;
			case 'reset':
				response.socket?.destroy();
				return true;
			case 'hang-headers':
				// Nothing, ever (until the world ends).
				return true;
			case 'hang-body':
				response.writeHead(200, { 'content-type': bodyType, 'content-length': '100000' });
				response.write(bodyType === 'application/json' ? '{"id":' : file.subarray(0, 12));
				return true;
			case 'endless-error':
				response.writeHead(500, { 'content-type': 'application/json', 'content-length': '5000' });
				response.write('{');
				return true;
			case 'echo-401': {
				const auth = String(request.headers.authorization ?? '');
				sendJson(response, 401, {
					error: {
						message: `Invalid token: ${encodeKey(key, world.echoForm)}`,
						type: 'auth',
						header: Buffer.from(auth).toString('base64'),
					},
				});
				return true;
			}
		}
	};

	/** Serves a file as `serve` says (status, type, length, encoding, redirect, drip). */
	const serveFile = (
		serve: FileServe,
		job: CreatedJob,
		request: SeenRequest,
		response: ServerResponse,
		hop: number,
	): void => {
		if (serve.redirect !== 'none' && hop === 0) {
			const target =
				serve.redirect === 'link-host'
					? `${origin.link}/files/${job.id}.mp4?hop=1`
					: serve.redirect === 'http'
						? `${origin.other}/files/${job.id}.mp4?hop=1&from=${request.host === 'link' && world.linkTls ? 'tls' : 'plain'}`
						: `${origin.link}/files/${job.id}.mp4?hop=1&api_key=${encodeURIComponent(key)}`;
			response.writeHead(302, { location: target, 'content-length': '0' });
			response.end();
			return;
		}
		let body: Buffer;
		switch (serve.body) {
			case 'mp4':
				body = file;
				break;
			case 'html':
				body = Buffer.from('<!doctype html><html><body>Sign in to continue</body></html>');
				break;
			case 'empty':
				body = Buffer.alloc(0);
				break;
			case 'json':
				body = Buffer.from(JSON.stringify({ url: 'https://example.invalid/file.mp4' }));
				break;
		}
		const headers: Record<string, string> = {};
		if (serve.type !== 'none') headers['content-type'] = serve.type;
		if (serve.encoding === 'gzip') {
			body = gzipSync(body);
			headers['content-encoding'] = 'gzip';
		} else if (serve.encoding === 'zstd') {
			// A zstd frame's magic, then the bytes: what an undecoded zstd body looks like to a store.
			body = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), body]);
			headers['content-encoding'] = 'zstd';
		}
		const send = () => {
			if (!live() || response.destroyed) return;
			const socket = response.socket;
			if (serve.length === 'long' || serve.length === 'short') {
				// Written by hand: Node's server refuses a body that disagrees with its length.
				const announced =
					serve.length === 'long' ? Math.max(0, body.length - 10) : body.length + 10;
				const head = [
					`HTTP/1.1 ${serve.status} X`,
					`content-length: ${announced}`,
					'connection: close',
				];
				for (const [name, value] of Object.entries(headers)) head.push(`${name}: ${value}`);
				socket?.write(`${head.join('\r\n')}\r\n\r\n`);
				socket?.end(body);
				return;
			}
			if (serve.length === 'right') headers['content-length'] = String(body.length);
			response.writeHead(serve.status, headers);
			if (serve.drip !== 'body' || body.length === 0) {
				response.end(body);
				return;
			}
			// 16 kB every 100 ms: slow, but faster than the node's stall rule (64 kB per second).
			let at = 0;
			const step = () => {
				if (!live() || response.destroyed) return;
				const next = body.subarray(at, at + 16_384);
				at += next.length;
				if (at >= body.length) response.end(next);
				else {
					response.write(next);
					later(100, live, step);
				}
			};
			step();
		};
		if (serve.drip === 'headers') later(600, live, send);
		else send();
	};

	const record = (host: HostName, incoming: IncomingMessage, body: Buffer): SeenRequest => {
		const request: SeenRequest = {
			host,
			method: incoming.method ?? '',
			url: incoming.url ?? '',
			headers: incoming.headers,
			body,
			kind: 'other',
			answer: 'ok',
			at: Date.now(),
		};
		requests.push(request);
		return request;
	};

	const withBody = (
		host: HostName,
		handle: (request: SeenRequest, response: ServerResponse) => void,
		tls = false,
	) =>
		listen((incoming, response) => {
			const chunks: Buffer[] = [];
			incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
			incoming.on('end', () => {
				const request = record(host, incoming, Buffer.concat(chunks));
				try {
					handle(request, response);
				} catch {
					response.destroy();
				}
			});
		}, tls);

	/** A result link (on whichever host the world put it). */
	const handleFile = (request: SeenRequest, response: ServerResponse): void => {
		const match = /^\/files\/([A-Za-z0-9_-]+)\.mp4/.exec(request.url);
		const job = match ? jobs.get(match[1]) : undefined;
		if (!job) {
			response.writeHead(404, { 'content-type': 'text/plain', 'content-length': '9' });
			response.end('not found');
			return;
		}
		request.kind = 'link';
		request.exec = job.exec;
		request.item = job.item;
		const hop = request.url.includes('hop=1') ? 1 : 0;
		const fault = hop === 0 ? nextFault('link', job.exec, job.item) : 'ok';
		request.answer = fault;
		if (answerFault(fault, request, response, 'video/mp4')) return;
		serveFile(world.link, job, request, response, hop);
	};

	const api = await withBody('api', (request, response) => {
		const path = request.url.split('?')[0];
		if (path.startsWith('/files/')) {
			handleFile(request, response);
			return;
		}
		if (request.method === 'POST' && path === '/v1/videos') {
			request.kind = 'create';
			const tag = TAG.exec(request.body.toString('latin1'));
			const exec = tag?.[1] ?? 'x';
			const item = Number(tag?.[2] ?? -1);
			request.exec = exec;
			request.item = item;
			if (exec.startsWith('n')) {
				// A failing execution elsewhere: refused at once.
				request.answer = '400';
				sendJson(response, 400, { error: { code: 'invalid_request', message: 'refused' } });
				return;
			}
			const fault = nextFault('create', exec, item);
			request.answer = fault;
			if (answerFault(fault, request, response)) return;
			const job = { id: `task_${exec}_${item}_${++seq}`, exec, item, polls: 0 };
			jobs.set(job.id, job);
			sendJson(response, 200, jobJson(job, world.job.statuses[0]), {
				'openai-poll-after-ms': '1',
			});
			return;
		}
		const match = /^\/v1\/videos\/([^/]+)(\/content)?$/.exec(path);
		const job = match ? jobs.get(decodeURIComponent(match[1])) : undefined;
		if (!match || !job || request.method !== 'GET') {
			sendJson(response, 404, { error: { code: 'not_found', message: 'no such video' } });
			return;
		}
		request.exec = job.exec;
		request.item = job.item;
		if (!match[2]) {
			request.kind = 'poll';
			const fault = nextFault('poll', job.exec, job.item);
			request.answer = fault;
			if (answerFault(fault, request, response)) return;
			job.polls += 1;
			const statuses = world.job.statuses;
			const status = statuses[Math.min(job.polls, statuses.length - 1)];
			sendJson(response, 200, jobJson(job, status), { 'openai-poll-after-ms': '1' });
			return;
		}
		request.kind = 'content';
		const fault = nextFault('content', job.exec, job.item);
		request.answer = fault;
		if (answerFault(fault, request, response, 'video/mp4')) return;
		switch (world.content.route) {
			case '400':
				sendJson(response, 400, {
					error: { code: 'invalid_request', message: 'content not available for this model' },
				});
				return;
			case '404':
				sendJson(response, 404, { error: { code: 'not_found', message: 'no content here' } });
				return;
			case 'json':
				sendJson(response, 200, { url: jobLink(job) ?? null });
				return;
			case 'file':
				serveFile(world.content, job, request, response, 0);
		}
	});

	const link = await withBody('link', handleFile, world.linkTls);
	const other = await withBody('other', handleFile);
	origin.api = `http://127.0.0.1:${api.port}`;
	origin.link = `${world.linkTls ? 'https' : 'http'}://127.0.0.1:${link.port}`;
	origin.other = `http://127.0.0.1:${other.port}`;

	return {
		...origin,
		requests,
		get jobs() {
			return [...jobs.values()].map(({ id, exec, item }) => ({ id, exec, item }));
		},
		file,
		async close() {
			closed = true;
			await Promise.all(
				[api, link, other].map(async ({ server, sockets }) => {
					for (const socket of sockets) socket.destroy();
					await new Promise<void>((resolve) => server.close(() => resolve()));
				}),
			);
		},
	};
}
