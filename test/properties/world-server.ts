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
import { sendJson } from '../support/send-json';
import { loopbackCertificate } from './tls';
import type { ApiRoute, CallKind, Fault, FileServe, World } from './world';
import { API_ROUTES, ID_ONLY, outcomeOfWord, WORLD_KEY } from './world';

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
	/** What the server answered (a fault, 'ok', or a poll's `task_not_exist`). */
	answer: Fault | 'ok' | 'not-yet';
	/** The status word a create or poll answered with (the job's state as the server told it). */
	status?: string;
	/** An own route's poll answered in CometAPI's wrapper (else the provider's shape). */
	wrapped?: boolean;
	/** The job a poll, content or link request is about. */
	job?: string;
	/** The route a create or poll came on ('?': a poll of a known job on no route of the sheet). */
	route?: ApiRoute | '?';
	at: number;
}

export interface CreatedJob {
	id: string;
	exec: string;
	item: number;
	/** The route it was created on: its polls belong there. */
	route: ApiRoute;
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

function safeDecode(text: string): string {
	try {
		return decodeURIComponent(text);
	} catch {
		return text;
	}
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

const later = (ms: number, live: () => boolean, then: () => void) => {
	const timer = setTimeout(() => live() && then(), ms);
	timer.unref();
};

export async function startWorldServer(world: World, key = WORLD_KEY): Promise<WorldServer> {
	const requests: SeenRequest[] = [];
	const jobs = new Map<string, CreatedJob & { polls: number; notYet: number }>();
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

	/** The job's `error` field as the world shapes it (on every item, or on item 0 only). */
	const errorField = (job: CreatedJob): Record<string, unknown> => {
		const hasError = world.job.errorItems === 'all' || job.item === 0;
		const field: Record<string, unknown> = {};
		if (hasError) {
			switch (world.job.error) {
				case 'null':
					field.error = null;
					break;
				case 'empty-object':
					field.error = {};
					break;
				case 'empty-strings':
					field.error = { code: '', message: '' };
					break;
				case 'full':
					field.error = { code: 'provider_error', message: 'the provider said no' };
					break;
			}
		}
		return field;
	};

	const jobJson = (job: CreatedJob, status: string): Record<string, unknown> => {
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
			...errorField(job),
			...(link && world.job.link === 'video_url' ? { video_url: link } : {}),
			...(link && world.job.link === 'metadata.url' ? { metadata: { url: link } } : {}),
		};
	};

	const ownReason = (): string | undefined =>
		world.own.reason === 'given'
			? 'the provider said no'
			: world.own.reason === 'echo'
				? `rejected for ${encodeKey(key, world.echoForm)}`
				: undefined;

	/**
	 * An own route's create answer (sheet §1.1, §2.1, §3.1): Grok's `{ request_id }`, Kling's
	 * `{ code: 0, message, data: { task_id, task_status: 'submitted' } }`, Runway's `{ id }`.
	 */
	const ownCreated = (job: CreatedJob): unknown => {
		switch (job.route) {
			case 'grok':
				return { request_id: job.id };
			case 'runway':
				return { id: job.id };
			default:
				return {
					code: 0,
					message: world.own.klingMessage,
					data: {
						task_id: job.id,
						task_status: 'submitted',
						task_info: {},
						created_at: 1_773_366_840_306,
						updated_at: 1_773_366_840_306,
					},
				};
		}
	};

	/**
	 * An own route's poll answer for `word`, plain (the provider's object) or in CometAPI's wrapper
	 * `{ code: 'success', message: '', data: { task_id, status, fail_reason, progress: 'NN%', data:
	 * { provider object } } }` (sheet §1.3, §2.2, §3.2). A finished job's link sits in the route's
	 * place (Grok `video.url`, Kling `task_result.videos[0].url`, Runway `output[0]`) or only in
	 * the wrapper's `fail_reason`; a failed one's reason in the route's field (Grok `error`, Kling
	 * `task_status_msg`, Runway `failure` and `failureCode`) and the wrapper's `fail_reason`.
	 */
	const wrappedPoll = (poll: number) =>
		world.own.shape === 'wrapped' || (world.own.shape === 'alternate' && poll % 2 === 0);

	const ownPolled = (job: CreatedJob, word: string, poll: number): unknown => {
		const outcome = outcomeOfWord(job.route, word);
		const wrapped = wrappedPoll(poll);
		const link = outcome === 'done' ? jobLink(job) : undefined;
		const routeLink = world.own.link === 'route' ? link : undefined;
		const reason = outcome === 'failed' ? ownReason() : undefined;
		// Text in a reason field of a job that has not failed says nothing about a failure.
		const chatter = outcome !== 'failed' && world.own.chatter ? 'ok' : undefined;
		let inner: Record<string, unknown>;
		switch (job.route) {
			case 'grok': {
				if (word === ID_ONLY) {
					inner = { request_id: job.id };
					break;
				}
				const model =
					world.job.modelEcho === 'none'
						? world.model
						: `${world.model}/${encodeKey(key, world.job.modelEcho)}`;
				const error = reason
					? { error: { code: 'internal_error', message: reason } }
					: errorField(job);
				inner = {
					// The sheet's wrapped example carries no request_id inside (the wrapper's task_id).
					...(wrapped ? {} : { request_id: job.id }),
					model,
					status: word,
					progress: outcome === 'done' ? 100 : 40,
					...(outcome === 'done' ? { usage: { cost_in_usd_ticks: 500_000_000 } } : {}),
					...(routeLink
						? { video: { url: routeLink, duration: 1, respect_moderation: true } }
						: {}),
					...error,
				};
				break;
			}
			case 'runway':
				inner = {
					id: job.id,
					status: word,
					createdAt: '2026-05-01T12:47:47.351Z',
					progress: outcome === 'done' ? 1 : 0.4,
					...(routeLink ? { output: [routeLink] } : {}),
					...(reason ? { failure: reason, failureCode: 'INTERNAL' } : {}),
				};
				break;
			default:
				inner = {
					task_id: job.id,
					task_status: word,
					...(reason || chatter ? { task_status_msg: reason ?? chatter } : {}),
					task_info: {},
					created_at: 1_773_366_840_306,
					updated_at: 1_773_366_850_306,
					task_result: routeLink
						? { videos: [{ id: `v${job.id}`, url: routeLink, duration: '5' }] }
						: {},
				};
		}
		if (!wrapped) {
			if (job.route === 'grok' || job.route === 'runway') return inner;
			// Kling's outer request_id names the request, not the task (sheet §2.2's example).
			return { code: 0, message: world.own.klingMessage, request_id: `req${poll}`, data: inner };
		}
		const upper = world.own.wrapperCase === 'upper';
		const status =
			outcome === 'done'
				? 'SUCCESS'
				: outcome === 'failed'
					? 'FAILURE'
					: poll % 2
						? 'QUEUED'
						: 'IN_PROGRESS';
		return {
			code: 'success',
			message: '',
			data: {
				task_id: job.id,
				action: 'VIDEO_GENERATION',
				status: upper ? status : status.toLowerCase(),
				fail_reason:
					reason ?? (world.own.link === 'fail-reason' ? link : undefined) ?? chatter ?? '',
				submit_time: 1_773_297_002,
				start_time: 0,
				finish_time: 0,
				progress: outcome === 'done' ? '100%' : '40%',
				data: inner,
			},
		};
	};

	/** Runway's "a freshly created task may briefly return task_not_exist" (sheet §3.2). */
	const notYetAnswer = (response: ServerResponse): void => {
		const fields = { code: 'task_not_exist', message: 'task_not_exist' };
		sendJson(
			response,
			world.own.notYetStatus,
			world.own.notYetBody === 'envelope' ? { error: fields } : { ...fields, data: null },
		);
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
		request.job = job.id;
		const hop = request.url.includes('hop=1') ? 1 : 0;
		const fault = hop === 0 ? nextFault('link', job.exec, job.item) : 'ok';
		request.answer = fault;
		if (answerFault(fault, request, response, 'video/mp4')) return;
		serveFile(world.link, job, request, response, hop);
	};

	/** Which create route a POST came on, or undefined. */
	const createRoute = (method: string, path: string): ApiRoute | undefined => {
		if (method !== 'POST') return undefined;
		return (Object.keys(API_ROUTES) as ApiRoute[]).find(
			(route) => API_ROUTES[route].create === path,
		);
	};

	/** A GET of a job: its poll route (or '?') and id, and `/content` where asked. */
	const pollOf = (
		method: string,
		path: string,
	): { route: ApiRoute | '?'; id: string; content: boolean } | undefined => {
		if (method !== 'GET') return undefined;
		const content = /^\/v1\/videos\/[^/]+\/content$/.test(path);
		const bare = content ? path.slice(0, -'/content'.length) : path;
		for (const route of Object.keys(API_ROUTES) as ApiRoute[]) {
			const prefix = API_ROUTES[route].poll;
			if (bare.startsWith(prefix) && !bare.slice(prefix.length).includes('/'))
				return { route, id: safeDecode(bare.slice(prefix.length)), content };
		}
		// A job's id on a path of no route of the sheet: recorded as a poll, so routing sees it.
		const last = safeDecode(bare.split('/').at(-1) ?? '');
		return jobs.has(last) ? { route: '?', id: last, content } : undefined;
	};

	const api = await withBody('api', (request, response) => {
		const path = request.url.split('?')[0];
		if (path.startsWith('/files/')) {
			handleFile(request, response);
			return;
		}
		const created = createRoute(request.method, path);
		if (created) {
			request.kind = 'create';
			request.route = created;
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
			const job = {
				id: `task_${exec}_${item}_${++seq}`,
				exec,
				item,
				route: created,
				polls: 0,
				notYet: 0,
			};
			jobs.set(job.id, job);
			request.job = job.id;
			if (created === 'videos') request.status = world.job.statuses[0];
			sendJson(
				response,
				200,
				created === 'videos' ? jobJson(job, world.job.statuses[0]) : ownCreated(job),
				{ 'openai-poll-after-ms': '1' },
			);
			return;
		}
		const polled = pollOf(request.method, path);
		const job = polled ? jobs.get(polled.id) : undefined;
		if (!polled || !job) {
			sendJson(response, 404, { error: { code: 'not_found', message: 'no such video' } });
			return;
		}
		request.exec = job.exec;
		request.item = job.item;
		request.job = job.id;
		request.route = polled.route;
		if (!polled.content) {
			request.kind = 'poll';
			const fault = nextFault('poll', job.exec, job.item);
			request.answer = fault;
			if (answerFault(fault, request, response)) return;
			if (polled.route !== job.route) {
				// Another route does not know this job.
				sendJson(response, 404, { error: { code: 'not_found', message: 'no such task' } });
				return;
			}
			if (job.route === 'runway' && job.notYet < world.own.notYet) {
				job.notYet += 1;
				request.answer = 'not-yet';
				notYetAnswer(response);
				return;
			}
			job.polls += 1;
			const statuses = world.job.statuses;
			if (job.route === 'videos') {
				const status = statuses[Math.min(job.polls, statuses.length - 1)];
				request.status = status;
				sendJson(response, 200, jobJson(job, status), { 'openai-poll-after-ms': '1' });
				return;
			}
			// Own routes: the create answer is the route's own, so every status is a poll's.
			const word = statuses[Math.min(job.polls - 1, statuses.length - 1)];
			request.status = word;
			request.wrapped = wrappedPoll(job.polls);
			// The poll-after header is not on the sheet for these routes: sent for the harness's speed.
			sendJson(response, 200, ownPolled(job, word, job.polls), { 'openai-poll-after-ms': '1' });
			return;
		}
		request.kind = 'content';
		if (job.route !== 'videos') {
			// The own routes have no /content (sheet §7): the file comes only from the job's link.
			sendJson(response, 404, { error: { code: 'not_found', message: 'no such route' } });
			return;
		}
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
			return [...jobs.values()].map(({ id, exec, item, route }) => ({ id, exec, item, route }));
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
