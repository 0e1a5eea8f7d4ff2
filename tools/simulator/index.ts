/**
 * Local simulator of CometAPI's video API (create, retrieve, content, remix, models; its error
 * envelope and statuses), used by the jest tests, the benchmark, the offline demo and the
 * end-to-end suite.
 *
 *   import { startSimulator } from '../tools/simulator';
 *   const sim = await startSimulator({ jobDurationMs: 200 });
 *   // ... point the client at sim.url with sim.apiKey ...
 *   await sim.close();
 *
 * Jobs run on the wall clock: a job's status and progress are computed from its creation time and
 * its plan whenever it is read, so there are no timers to clean up. A second HTTP server on
 * another port (`sim.fileOrigin`) plays the storage host that the 'redirect' fault sends clients to.
 */
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import { sha256 } from '../files';
import {
	VARIANTS,
	bufferOfSource,
	isVariant,
	parseRange,
	sha256OfSource,
	type Source,
	type Variant,
} from './content';
import {
	Job,
	backendModelName,
	isSora,
	maxOverlap,
	randomId,
	resolvePlan,
	validateCreate,
	validatePrompt,
	type CreateRequest,
	type FormFields,
	type Plan,
	type Reference,
	type UploadedFile,
} from './jobs';

export type { CreateRequest, Plan, UploadedFile } from './jobs';
export { Job } from './jobs';

export type LinkField = 'video_url' | 'metadata.url' | 'none';

export interface SimulatorOptions {
	port: number;
	host: string;
	apiKey: string;
	/** How long a job runs before it reaches its outcome. */
	jobDurationMs: number;
	/** Size of every video file. */
	videoBytes: number;
	/** Where a finished job's answer puts its temporary link. */
	linkField: LinkField;
	/** Sent as `openai-poll-after-ms` on status answers when set. */
	pollAfterMs: number | undefined;
	/** No request log on stderr. */
	quiet: boolean;
	/** Decides a job's plan per create (after the defaults and the prompt markers). */
	plan: ((create: CreateRequest) => Partial<Plan> | undefined) | undefined;
}

/** Options that configure() may change; port and host are fixed once the servers listen. */
export type RuntimeOptions = Omit<SimulatorOptions, 'port' | 'host'>;

export type FaultRoute = 'create' | 'retrieve' | 'content' | 'remix' | 'models' | '*';
export type FaultKind =
	'status' | 'reset' | 'html' | 'malformed-json' | 'slow' | 'truncate' | 'redirect' | 'moved';

/** What to do to the next request(s) on a route; `kind` defaults to 'status' when `status` is set. */
export interface FaultSpec {
	kind?: FaultKind;
	status?: number;
	/** Error envelope fields of a status fault. */
	code?: string;
	message?: string;
	headers?: Record<string, string>;
	/** 'status': do the route's work (a create makes its job), then answer the status. */
	acceptThenFail?: boolean;
	/** 'reset': drop the connection before reading the request. */
	beforeAccept?: boolean;
	/** 'slow' */
	delayMs?: number;
	/** 'truncate': body bytes sent before the connection drops. */
	bytes?: number;
	/** How many requests the fault applies to (default 1). */
	times?: number;
}

type Fault = FaultSpec & { kind: FaultKind; route: FaultRoute; remaining: number };

type RouteName = 'models' | 'create' | 'retrieve' | 'content' | 'remix' | 'other';
type Route =
	{ name: 'models' | 'create' | 'other' } | { name: 'retrieve' | 'content' | 'remix'; id: string };

/** One request the API server received. */
export interface RequestRecord {
	route: RouteName;
	method: string;
	path: string;
	query: Record<string, string>;
	headers: http.IncomingHttpHeaders;
	/** Stays null when the socket is reset without an answer. */
	status: number | null;
	/** ms since the epoch */
	at: number;
	/** Text fields of a create, or the JSON body of a remix. */
	fields: Record<string, unknown>;
	files: UploadedFile[];
}

/** One request the second origin (the 'redirect' fault's storage host) received. */
export type FileRequestRecord = Pick<
	RequestRecord,
	'method' | 'path' | 'query' | 'headers' | 'status' | 'at'
>;

type Headers = Record<string, string | number>;

// An "answer" is what a route decided to send, before faults get a say: a small body, or a
// byte range of a file.
interface BodyAnswer {
	status: number;
	headers: Headers;
	body: string;
}
interface FileAnswer {
	status: number;
	headers: Headers;
	source: Source;
	start: number;
	end: number;
}
type Answer = BodyAnswer | FileAnswer;

interface Context {
	req: http.IncomingMessage;
	res: http.ServerResponse;
	record: { status: number | null; path: string; query: Record<string, string> };
	closed: boolean;
}

type ParsedBody =
	| { error: string }
	| { fields: FormFields; references: Reference[] }
	| { json: Record<string, unknown> }
	| Record<string, never>;

const DEFAULT_OPTIONS: Readonly<SimulatorOptions> = Object.freeze({
	port: 0,
	host: '127.0.0.1',
	apiKey: 'sk-sim-test-key',
	jobDurationMs: 2000,
	videoBytes: 256 * 1024,
	linkField: 'video_url',
	pollAfterMs: undefined,
	// The library is silent by default; the CLI turns request logging on.
	quiet: true,
	plan: undefined,
});
const RUNTIME_OPTIONS = new Set<string>([
	'apiKey',
	'jobDurationMs',
	'videoBytes',
	'linkField',
	'pollAfterMs',
	'quiet',
	'plan',
]);
const LINK_FIELDS = new Set<string>(['video_url', 'metadata.url', 'none']);

const FAULT_ROUTES = new Set<string>(['create', 'retrieve', 'content', 'remix', 'models', '*']);
const FAULT_KINDS = new Set<string>([
	'status',
	'reset',
	'html',
	'malformed-json',
	'slow',
	'truncate',
	'redirect',
	'moved',
]);
const CONTENT_ONLY_FAULTS = new Set<string>(['truncate', 'redirect']);

const LINK_TTL_SECONDS = 3600;
const MODELS = [
	'veo3-fast',
	'veo3',
	'veo3-pro',
	'veo3.1-fast',
	'veo3.1',
	'veo3.1-pro',
	'sora-2',
	'sora-2-pro',
];
// [code, message] used by status faults that do not name their own. 500 deliberately does not
// use 'invalid_request': the doc makes that code mean "malformed request, do not retry".
const STATUS_DEFAULTS: Record<number, [string, string]> = {
	400: ['invalid_request', 'Invalid request'],
	401: ['', 'Invalid token'],
	403: ['forbidden', 'This key is not allowed to use this model'],
	429: ['rate_limit_exceeded', 'Upstream load is saturated, please try again later'],
	500: ['internal_error', 'Internal server error'],
	502: ['bad_gateway', 'The upstream provider returned an invalid response'],
	503: ['service_unavailable', 'No available channel for this model'],
	504: ['gateway_timeout', 'The upstream provider timed out'],
	524: ['timeout', 'A timeout occurred'],
};

function validateOptions(options: SimulatorOptions): void {
	const { apiKey, jobDurationMs, videoBytes, linkField, pollAfterMs, plan } = options;
	if (typeof apiKey !== 'string' || apiKey === '')
		throw new Error('apiKey must be a non-empty string');
	for (const [name, value] of [
		['jobDurationMs', jobDurationMs],
		['videoBytes', videoBytes],
	] as const) {
		if (!Number.isSafeInteger(value) || value < 0)
			throw new Error(`${name} must be a non-negative integer`);
	}
	if (!LINK_FIELDS.has(linkField))
		throw new Error(`linkField must be one of ${[...LINK_FIELDS].join(', ')}`);
	if (pollAfterMs != null && !(Number.isFinite(pollAfterMs) && pollAfterMs >= 0)) {
		throw new Error('pollAfterMs must be a non-negative number');
	}
	if (plan !== undefined && typeof plan !== 'function') throw new Error('plan must be a function');
}

function matchRoute(method: string | undefined, pathname: string): Route {
	if (pathname === '/v1/models') return { name: method === 'GET' ? 'models' : 'other' };
	if (pathname === '/v1/videos') return { name: method === 'POST' ? 'create' : 'other' };
	const match = /^\/v1\/videos\/([^/]+)(\/content|\/remix)?$/.exec(pathname);
	const id = match && safeDecode(match[1]);
	if (!match || !id) return { name: 'other' };
	if (!match[2] && method === 'GET') return { name: 'retrieve', id };
	if (match[2] === '/content' && (method === 'GET' || method === 'HEAD'))
		return { name: 'content', id };
	if (match[2] === '/remix' && method === 'POST') return { name: 'remix', id };
	return { name: 'other' };
}

function safeDecode(text: string): string | null {
	try {
		return decodeURIComponent(text);
	} catch {
		return null;
	}
}

/** Like the gateway's request ids: a timestamp followed by random hex. */
function requestId(): string {
	return (
		new Date().toISOString().replace(/\D/g, '').slice(0, 14) + crypto.randomBytes(8).toString('hex')
	);
}

function jsonAnswer(status: number, value: unknown, headers: Headers = {}): BodyAnswer {
	return {
		status,
		headers: { 'content-type': 'application/json', ...headers },
		body: JSON.stringify(value),
	};
}

function errorAnswer(
	status: number,
	message: string,
	{
		code = '',
		type = 'comet_api_error',
		headers,
	}: { code?: string; type?: string; headers?: Headers } = {},
): BodyAnswer {
	const error = { message: `${message} (request id: ${requestId()})`, type, param: '', code };
	return jsonAnswer(status, { error }, headers);
}

function htmlAnswer(status: number, title: string, headers: Headers = {}): BodyAnswer {
	const body = `<!DOCTYPE html>\n<html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>\n`;
	return { status, headers: { 'content-type': 'text/html; charset=utf-8', ...headers }, body };
}

function statusFaultAnswer(fault: Fault): BodyAnswer {
	const status = fault.status ?? 500;
	const [code, message] = STATUS_DEFAULTS[status] ?? ['', `HTTP ${status}`];
	return errorAnswer(status, fault.message ?? message, {
		code: fault.code ?? code,
		headers: fault.headers,
	});
}

/** A 200 JSON answer cut in half: the real JSON answer when there is one (so a create still made its job). */
function malformedJsonAnswer(answer: Answer, fault: Fault): BodyAnswer {
	const text =
		'body' in answer && answer.headers['content-type'] === 'application/json'
			? answer.body
			: '{"object":"video","status":"completed","id":"';
	const headers = { 'content-type': 'application/json', ...fault.headers };
	return {
		status: fault.status ?? 200,
		headers,
		body: text.slice(0, Math.max(1, Math.floor(text.length / 2))),
	};
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk) => chunks.push(chunk));
		req.on('end', () => resolve(Buffer.concat(chunks)));
		req.on('error', reject);
	});
}

/** Resolves once the response can take more data, or once it is closed. */
function drained(res: http.ServerResponse): Promise<void> {
	return new Promise((resolve) => {
		const done = () => {
			res.off('drain', done);
			res.off('close', done);
			resolve();
		};
		res.on('drain', done);
		res.on('close', done);
	});
}

export class Simulator {
	#options: SimulatorOptions;
	readonly #startOptions: SimulatorOptions;
	readonly #server: http.Server;
	readonly #fileServer: http.Server;
	readonly #faults: Fault[] = [];
	#inFlight = 0;
	#maxInFlight = 0;
	// Signs the temporary links handed out in video_url / metadata.url and redirects.
	readonly #linkSecret = crypto.randomBytes(16);
	readonly #hashCache = new Map<string, string>();

	/** Every request the API server received, in arrival order. */
	readonly requests: RequestRecord[] = [];
	/** The creates and remixes that made a job (each one costs the user money). */
	readonly creates: CreateRequest[] = [];
	readonly jobs = new Map<string, Job>();
	/** Requests the second origin (the 'redirect' fault's storage host) received. */
	readonly redirectRequests: FileRequestRecord[] = [];
	url = '';
	fileOrigin = '';

	private constructor(startOptions: SimulatorOptions) {
		this.#startOptions = startOptions;
		this.#options = { ...startOptions };
		this.#server = http.createServer((req, res) => void this.#handle(req, res));
		this.#fileServer = http.createServer((req, res) => this.#handleFile(req, res));
	}

	static async start(options: Partial<SimulatorOptions> = {}): Promise<Simulator> {
		const unknown = Object.keys(options).filter((key) => !(key in DEFAULT_OPTIONS));
		if (unknown.length) throw new Error(`Unknown simulator option(s): ${unknown.join(', ')}`);
		const startOptions = { ...DEFAULT_OPTIONS, ...options };
		validateOptions(startOptions);
		const sim = new Simulator(startOptions);
		const { host, port } = startOptions;
		sim.url = await listen(sim.#server, host, port);
		sim.fileOrigin = await listen(sim.#fileServer, host, 0);
		return sim;
	}

	get apiKey(): string {
		return this.#options.apiKey;
	}

	/** The most requests that were ever in flight at once (since start, reset or resetStats). */
	get maxInFlight(): number {
		return this.#maxInFlight;
	}

	configure(partial: Partial<RuntimeOptions> = {}): this {
		for (const key of Object.keys(partial)) {
			if (!RUNTIME_OPTIONS.has(key)) throw new Error(`Option ${key} cannot be changed at runtime`);
		}
		const next = { ...this.#options, ...partial };
		validateOptions(next);
		this.#options = next;
		return this;
	}

	/**
	 * Queues a fault for the next request(s) on `route`. Faults are taken in the order they were
	 * queued; `times` (default 1) is how many requests the fault applies to.
	 */
	fault(route: FaultRoute, spec: FaultSpec): this {
		if (!FAULT_ROUTES.has(route)) throw new Error(`Unknown fault route: ${route}`);
		const kind = spec.kind ?? (spec.status !== undefined ? 'status' : undefined);
		if (kind === undefined || !FAULT_KINDS.has(kind))
			throw new Error(`Unknown fault kind: ${kind}`);
		if (CONTENT_ONLY_FAULTS.has(kind) && route !== 'content' && route !== '*') {
			throw new Error(`Fault ${kind} only applies to the content route`);
		}
		if (kind === 'status' && !Number.isInteger(spec.status))
			throw new Error('Status faults need a status');
		if (kind === 'slow' && !(spec.delayMs !== undefined && spec.delayMs >= 0))
			throw new Error('Slow faults need delayMs');
		if (kind === 'truncate' && !(Number.isInteger(spec.bytes) && spec.bytes! >= 0)) {
			throw new Error('Truncate faults need bytes');
		}
		const times = spec.times ?? 1;
		if (!(Number.isInteger(times) && times > 0))
			throw new Error('times must be a positive integer');
		this.#faults.push({ ...spec, kind, route, remaining: times });
		return this;
	}

	createCount(): number {
		return this.creates.length;
	}

	/** The most jobs that were running (created, not yet finished) at the same moment. */
	maxConcurrentJobs(): number {
		return maxOverlap(this.jobs.values());
	}

	resetStats(): void {
		this.#maxInFlight = this.#inFlight;
	}

	/** sha256 (hex) of what the content route serves for a job; big files are hashed by streaming. */
	videoSha256(id: string, variant: Variant = 'video'): string {
		const source = this.#source(id, variant);
		const key = `${id}:${variant}:${source.size}`;
		let hash = this.#hashCache.get(key);
		if (hash === undefined) {
			hash = sha256OfSource(source);
			this.#hashCache.set(key, hash);
		}
		return hash;
	}

	/** The bytes the content route serves for a job (files up to 64 MiB only). */
	videoBuffer(id: string, variant: Variant = 'video'): Buffer {
		return bufferOfSource(this.#source(id, variant));
	}

	reset(): void {
		this.requests.length = 0;
		this.creates.length = 0;
		this.jobs.clear();
		this.redirectRequests.length = 0;
		this.#faults.length = 0;
		this.#hashCache.clear();
		this.#options = { ...this.#startOptions };
		this.resetStats();
	}

	async close(): Promise<void> {
		await Promise.all(
			[this.#server, this.#fileServer].map(
				(server) =>
					new Promise<void>((resolve) => {
						// close() waits for open sockets, so destroy them (keep-alive ones included).
						server.close(() => resolve());
						server.closeAllConnections();
					}),
			),
		);
	}

	#source(id: string, variant: string): Source {
		const job = this.jobs.get(id);
		if (!job) throw new Error(`No job ${id}`);
		if (!isVariant(variant)) throw new Error(`Unknown variant ${variant}`);
		return VARIANTS[variant](id, job.plan.videoBytes);
	}

	#linkToken(id: string): string {
		return crypto.createHmac('sha256', this.#linkSecret).update(id).digest('hex').slice(0, 32);
	}

	#takeFault(routeName: RouteName): Fault | undefined {
		const index = this.#faults.findIndex(
			(fault) =>
				(fault.route === routeName || fault.route === '*') &&
				(!CONTENT_ONLY_FAULTS.has(fault.kind) || routeName === 'content'),
		);
		if (index === -1) return undefined;
		const fault = this.#faults[index];
		fault.remaining -= 1;
		if (fault.remaining === 0) this.#faults.splice(index, 1);
		return fault;
	}

	#authorized(req: http.IncomingMessage, route: Route, url: URL): boolean {
		const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
		if (match && match[1].trim() === this.#options.apiKey) return true;
		// Temporary links (video_url / metadata.url) are signed, so they work without the key.
		return route.name === 'content' && url.searchParams.get('token') === this.#linkToken(route.id);
	}

	async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
		const url = new URL(req.url ?? '/', 'http://simulator');
		const route = matchRoute(req.method, url.pathname);
		const record: RequestRecord = {
			route: route.name,
			method: req.method ?? '',
			path: url.pathname,
			query: Object.fromEntries(url.searchParams),
			headers: { ...req.headers },
			status: null, // stays null when the socket is reset without an answer
			at: Date.now(),
			fields: {},
			files: [],
		};
		this.requests.push(record);
		const ctx = { req, res, record, closed: false };
		this.#inFlight += 1;
		this.#maxInFlight = Math.max(this.#maxInFlight, this.#inFlight);
		res.on('close', () => {
			ctx.closed = true;
			this.#inFlight -= 1;
			if (!this.#options.quiet) {
				const outcome = record.status ?? 'reset';
				process.stderr.write(
					`[cometapi-sim] ${req.method} ${req.url} -> ${outcome} (${Date.now() - record.at} ms)\n`,
				);
			}
		});
		try {
			await this.#dispatch(ctx, route, url);
		} catch (error) {
			if (ctx.closed) return;
			if (res.headersSent) res.destroy();
			else
				void this.#send(
					ctx,
					errorAnswer(500, `Simulator error: ${(error as Error).message}`, {
						code: 'simulator_error',
					}),
				);
		}
	}

	async #dispatch(ctx: Context & { record: RequestRecord }, route: Route, url: URL): Promise<void> {
		const { req } = ctx;
		if (!this.#authorized(req, route, url)) {
			req.resume();
			const message = req.headers.authorization ? 'Invalid token' : 'No token provided';
			return this.#send(ctx, errorAnswer(401, message));
		}
		const fault = this.#takeFault(route.name);
		if (fault?.kind === 'reset' && fault.beforeAccept) {
			req.socket.destroy();
			return;
		}
		const body = await this.#parseBody(route, req, ctx.record);

		// Faults that stand in for the real answer: the route's work (a create) never happens.
		if (fault?.kind === 'status' && !fault.acceptThenFail)
			return this.#send(ctx, statusFaultAnswer(fault));
		if (fault?.kind === 'html')
			return this.#send(ctx, htmlAnswer(fault.status ?? 200, 'Welcome', fault.headers));
		if (fault?.kind === 'moved') {
			const headers = { location: `${this.url}${url.pathname}/`, ...fault.headers };
			return this.#send(ctx, htmlAnswer(fault.status ?? 301, '301 Moved Permanently', headers));
		}
		if (fault?.kind === 'redirect' && 'id' in route) {
			const variant = url.searchParams.get('variant') ?? 'video';
			const location = `${this.fileOrigin}/files/${encodeURIComponent(route.id)}?variant=${encodeURIComponent(variant)}&token=${this.#linkToken(route.id)}`;
			return this.#send(ctx, {
				status: fault.status ?? 302,
				headers: { location, ...fault.headers },
				body: '',
			});
		}

		// Everything else alters an answer the route really produced (so a create made its job).
		const answer = this.#answer(route, body, ctx);
		if (!fault) return this.#send(ctx, answer);
		switch (fault.kind) {
			case 'status': // acceptThenFail
				return this.#send(ctx, statusFaultAnswer(fault));
			case 'reset':
				req.socket.destroy();
				return;
			case 'malformed-json':
				return this.#send(ctx, malformedJsonAnswer(answer, fault));
			case 'slow':
				await this.#delay(ctx, fault.delayMs ?? 0);
				return this.#send(ctx, answer);
			case 'truncate':
				return this.#send(ctx, answer, fault.bytes);
			default:
				throw new Error(`Unhandled fault kind ${fault.kind}`);
		}
	}

	/** Reads the body and records its fields/files. Returns what the route needs, or `{ error }`. */
	async #parseBody(
		route: Route,
		req: http.IncomingMessage,
		record: RequestRecord,
	): Promise<ParsedBody> {
		const raw = await readBody(req);
		const type = req.headers['content-type'] ?? '';
		if (route.name === 'create') {
			if (!/^multipart\/form-data\s*;/i.test(type))
				return { error: 'Content-Type must be multipart/form-data' };
			let form: FormData;
			try {
				form = await new Response(raw, { headers: { 'content-type': type } }).formData();
			} catch {
				return { error: 'Malformed multipart/form-data body' };
			}
			const fields: FormFields = {};
			const references: Reference[] = [];
			for (const [name, value] of form) {
				if (typeof value === 'string') {
					const earlier = fields[name];
					fields[name] = earlier === undefined ? value : [earlier, value].flat();
					if (name === 'input_reference') references.push({ type: 'text', value });
				} else {
					const bytes = Buffer.from(await value.arrayBuffer());
					record.files.push({
						fieldName: name,
						fileName: value.name,
						mimeType: value.type,
						size: bytes.length,
						sha256: sha256(bytes),
					});
					if (name === 'input_reference') references.push({ type: 'file', mimeType: value.type });
				}
			}
			record.fields = fields;
			return { fields, references };
		}
		if (route.name === 'remix') {
			let json: unknown;
			try {
				json = JSON.parse(raw.toString('utf8'));
			} catch {
				return { error: 'Body must be a JSON object' };
			}
			if (!json || typeof json !== 'object' || Array.isArray(json))
				return { error: 'Body must be a JSON object' };
			record.fields = json as Record<string, unknown>;
			return { json: json as Record<string, unknown> };
		}
		return {};
	}

	#answer(route: Route, body: ParsedBody, ctx: Context & { record: RequestRecord }): Answer {
		switch (route.name) {
			case 'models':
				return jsonAnswer(200, {
					object: 'list',
					data: MODELS.map((id) => ({
						id,
						object: 'model',
						created: 1735689600,
						owned_by: 'cometapi',
					})),
				});
			case 'create':
				return this.#create(body, ctx.record);
			case 'retrieve':
				return this.#retrieve(route.id);
			case 'content': {
				const job = this.jobs.get(route.id);
				if (!job) return errorAnswer(404, `Video ${route.id} not found`, { code: 'not_found' });
				return this.#contentAnswer(job, ctx.record.query.variant, ctx.req.headers.range);
			}
			case 'remix':
				return this.#remix(route.id, body, ctx.record);
			default:
				return errorAnswer(404, `Invalid URL (${ctx.req.method} ${ctx.record.path})`, {
					code: 'not_found',
				});
		}
	}

	#create(body: ParsedBody, record: RequestRecord): BodyAnswer {
		if ('error' in body) return errorAnswer(400, body.error, { code: 'invalid_request' });
		if (!('fields' in body)) throw new Error('create without a parsed form');
		const request = validateCreate(body.fields, body.references);
		if ('error' in request) return errorAnswer(400, request.error, { code: 'invalid_request' });
		const kind = isSora(request.model) ? 'sora' : 'veo';
		return this.#startJob({
			...request,
			id: randomId(kind === 'sora' ? 'video_' : 'task_'),
			kind,
			fields: record.fields,
			files: record.files,
		});
	}

	#remix(sourceId: string, body: ParsedBody, record: RequestRecord): BodyAnswer {
		if ('error' in body) return errorAnswer(400, body.error, { code: 'invalid_request' });
		if (!('json' in body)) throw new Error('remix without a parsed body');
		const prompt = body.json.prompt;
		const promptError = validatePrompt(prompt);
		if (promptError || typeof prompt !== 'string')
			return errorAnswer(400, promptError ?? 'prompt is required', { code: 'invalid_request' });
		const source = this.jobs.get(sourceId);
		if (!source)
			return errorAnswer(400, `Video ${sourceId} not found`, { code: 'invalid_request' });
		const { status } = source.state();
		if (status !== 'completed') {
			return errorAnswer(400, `Video ${sourceId} is not completed (status: ${status})`, {
				code: 'invalid_request',
			});
		}
		return this.#startJob({
			id: randomId('video_'),
			kind: 'sora',
			model: source.model,
			prompt,
			size: source.size,
			seconds: source.seconds,
			fields: record.fields,
			files: [],
			remixedFromVideoId: source.id,
		});
	}

	#startJob({
		id,
		kind,
		model,
		prompt,
		size,
		seconds,
		fields,
		files,
		remixedFromVideoId,
	}: {
		id: string;
		kind: 'sora' | 'veo';
		model: string;
		prompt: string;
		size: string;
		seconds: string;
		fields: Record<string, unknown>;
		files: UploadedFile[];
		remixedFromVideoId?: string;
	}): BodyAnswer {
		const create: CreateRequest = { id, model, prompt, fields, files };
		if (remixedFromVideoId) create.remixedFromVideoId = remixedFromVideoId;
		const plan = resolvePlan(this.#options, create);
		const job = new Job({
			id,
			kind,
			model,
			backendModel: kind === 'veo' ? backendModelName(model) : model,
			prompt,
			size,
			seconds,
			plan,
			createdAt: Date.now(),
			remixedFromVideoId,
		});
		this.jobs.set(id, job);
		this.creates.push(create);
		const view: Record<string, unknown> = {
			created_at: Math.floor(job.createdAt / 1000),
			id,
			model: job.backendModel,
			object: 'video',
			progress: 0,
			seconds,
			size,
			status: 'queued',
		};
		if (kind === 'veo') view.task_id = id;
		if (remixedFromVideoId) view.remixed_from_video_id = remixedFromVideoId;
		return jsonAnswer(200, view);
	}

	#retrieve(id: string): BodyAnswer {
		const job = this.jobs.get(id);
		if (!job) return errorAnswer(404, `Video ${id} not found`, { code: 'not_found' });
		const { status, progress } = job.state();
		const view: Record<string, unknown> = {
			id,
			object: 'video',
			model: job.backendModel,
			status,
			progress,
			created_at: Math.floor(job.createdAt / 1000),
			size: job.size,
			seconds: job.seconds,
			prompt: job.prompt,
			error: job.finishedAt !== null ? job.errorObject() : null,
		};
		if (job.kind === 'veo') view.task_id = id;
		if (job.remixedFromVideoId) view.remixed_from_video_id = job.remixedFromVideoId;
		if (status === 'completed' && job.endsAt !== null) {
			const completedAt = Math.floor(job.endsAt / 1000);
			view.completed_at = completedAt;
			view.expires_at = completedAt + LINK_TTL_SECONDS;
			const link = `${this.url}/v1/videos/${encodeURIComponent(id)}/content?token=${this.#linkToken(id)}`;
			if (this.#options.linkField === 'video_url') view.video_url = link;
			if (this.#options.linkField === 'metadata.url') view.metadata = { url: link };
		}
		const headers: Headers = {};
		if (this.#options.pollAfterMs != null)
			headers['openai-poll-after-ms'] = String(this.#options.pollAfterMs);
		return jsonAnswer(200, view, headers);
	}

	#contentAnswer(job: Job, variant = 'video', rangeHeader: string | undefined): Answer {
		if (!isVariant(variant)) {
			const message = `variant must be one of ${Object.keys(VARIANTS).join(', ')}`;
			return errorAnswer(400, message, { type: 'invalid_request_error', code: 'invalid_value' });
		}
		const { status } = job.state();
		if (status !== 'completed') {
			const message = `Video is not ready yet, current status: ${status}`;
			return errorAnswer(400, message, { type: 'invalid_request_error', code: 'video_not_ready' });
		}
		const source = VARIANTS[variant](job.id, job.plan.videoBytes);
		const headers = {
			'content-type': source.contentType,
			'accept-ranges': 'bytes',
			'content-disposition': `inline; filename="${job.id}.${source.extension}"`,
		};
		const range = parseRange(rangeHeader, source.size);
		if (range && 'unsatisfiable' in range) {
			return { status: 416, headers: { 'content-range': `bytes */${source.size}` }, body: '' };
		}
		if (!range) return { status: 200, headers, source, start: 0, end: source.size - 1 };
		const contentRange = `bytes ${range.start}-${range.end}/${source.size}`;
		return {
			status: 206,
			headers: { ...headers, 'content-range': contentRange },
			source,
			...range,
		};
	}

	/** Sends an answer; `truncateAt` sends only that many body bytes and then drops the connection. */
	async #send(ctx: Context, answer: Answer, truncateAt?: number): Promise<void> {
		if (ctx.closed) return;
		ctx.record.status = answer.status;
		if ('source' in answer) return this.#stream(ctx, answer, truncateAt);
		const body = answer.body;
		ctx.res.writeHead(answer.status, {
			...answer.headers,
			'content-length': Buffer.byteLength(body),
		});
		ctx.res.end(body);
	}

	async #stream(
		ctx: Context,
		{ status, headers, source, start, end }: FileAnswer,
		truncateAt: number | undefined,
	): Promise<void> {
		const { req, res } = ctx;
		res.writeHead(status, { ...headers, 'content-length': end - start + 1 });
		if (req.method === 'HEAD') {
			res.end();
			return;
		}
		const truncated = truncateAt !== undefined;
		const last = truncated ? Math.min(end, start + truncateAt - 1) : end;
		if (truncated) res.flushHeaders();
		for (const chunk of source.chunks(start, last)) {
			if (ctx.closed) return;
			if (!res.write(chunk)) await drained(res);
		}
		if (ctx.closed) return;
		// destroySoon flushes what was written, then closes: the client sees a body shorter than
		// its Content-Length.
		if (truncated) (res.socket as import('node:net').Socket | null)?.destroySoon();
		else res.end();
	}

	#delay(ctx: Context, ms: number): Promise<void> {
		return new Promise((resolve) => {
			const done = () => {
				clearTimeout(timer);
				ctx.res.off('close', done);
				resolve();
			};
			const timer = setTimeout(done, ms);
			ctx.res.on('close', done);
		});
	}

	/** The second origin: serves signed file links and records the headers it was sent. */
	#handleFile(req: http.IncomingMessage, res: http.ServerResponse): void {
		req.resume();
		const url = new URL(req.url ?? '/', 'http://files');
		const record: FileRequestRecord = {
			method: req.method ?? '',
			path: url.pathname,
			query: Object.fromEntries(url.searchParams),
			headers: { ...req.headers },
			status: null,
			at: Date.now(),
		};
		this.redirectRequests.push(record);
		const ctx: Context = { req, res, record, closed: false };
		res.on('close', () => {
			ctx.closed = true;
		});
		const match = /^\/files\/([^/]+)$/.exec(url.pathname);
		const id = match && safeDecode(match[1]);
		const job = id ? this.jobs.get(id) : undefined;
		let answer: Answer;
		if (!id || !job || (req.method !== 'GET' && req.method !== 'HEAD'))
			answer = errorAnswer(404, 'Not found');
		else if (url.searchParams.get('token') !== this.#linkToken(id)) {
			answer = errorAnswer(403, 'Link signature does not match', { code: 'forbidden' });
		} else answer = this.#contentAnswer(job, record.query.variant, req.headers.range);
		this.#send(ctx, answer).catch(() => res.destroy());
	}
}

function listen(server: http.Server, host: string, port: number): Promise<string> {
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, host, () => {
			server.off('error', reject);
			const address = server.address() as AddressInfo;
			const hostname = address.address.includes(':') ? `[${address.address}]` : address.address;
			resolve(`http://${hostname}:${address.port}`);
		});
	});
}

/** Starts the simulator (see the module comment); resolves once both servers listen. */
export async function startSimulator(options: Partial<SimulatorOptions> = {}): Promise<Simulator> {
	return Simulator.start(options);
}
