/**
 * The simulator's two HTTP servers (README.md here: hosts, options, faults, recipes). The API host
 * routes each request, records it, lets a queued fault have its say and answers; the second server
 * (`sim.fileOrigin`) plays the storage host of the families' signed, expiring result links and
 * the 'redirect' fault's targets. Jobs run on the wall clock: a job's status is computed from its
 * creation time and plan whenever it is read, so there are no timers to clean up.
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
	errorAnswer,
	htmlAnswer,
	jsonAnswer,
	storageError,
	type Answer,
	type BodyAnswer,
	type FileAnswer,
	type Headers,
} from './answers';
import { CallbackSender, type CallbackRecord } from './callbacks';
import { openAiList, publicList, type ModelRecord } from './catalogue';
import {
	FaultQueue,
	malformedJsonAnswer,
	statusFaultAnswer,
	type Fault,
	type FaultRoute,
	type FaultSpec,
} from './faults';
import { rulesFor, type ModelRules } from './families';
import {
	Job,
	maxOverlap,
	randomId,
	resolvePlan,
	spellStatus,
	validateCreate,
	validatePrompt,
	type CreateRequest,
	type FormFields,
	type Reference,
	type UploadedFile,
} from './jobs';
import {
	DEFAULT_OPTIONS,
	RUNTIME_OPTIONS,
	validateOptions,
	type HostName,
	type RuntimeOptions,
	type SimulatorOptions,
} from './options';
import {
	KLING_ACTIONS,
	createAnswer,
	klingCallbackPayload,
	pollAnswer,
	validateProviderCreate,
	type ProviderEndpoint,
	type ProviderName,
	type ProviderTask,
	type Snapshot,
} from './providers';

export type { CreateRequest, Plan, StatusWords, UploadedFile } from './jobs';
export type { Variant } from './content';
export type { FamilyName, ModelRules } from './families';
export type { ModelRecord } from './catalogue';
export type { FaultKind, FaultRoute, FaultSpec } from './faults';
export type { CallbackRecord } from './callbacks';
export type { ImageForm, ProviderEndpoint, ProviderName, ProviderTask } from './providers';
export type {
	AnswerShape,
	HostName,
	LinkContentType,
	LinkField,
	RuntimeOptions,
	SimulatorOptions,
} from './options';
export { MODEL_RULES } from './families';
export { CATALOGUE, modelRecord } from './catalogue';
export { CALLBACK_ATTEMPTS, CALLBACK_RETRY_MS } from './callbacks';
export { PROVIDER_MODELS, grokTicks } from './providers';

/** A provider's poll route: its provider and the action in its path (the create's action). */
type PollEndpoint = { provider: ProviderName; action: string };
// Provider routes share the fault route names `create` and `retrieve` with `/v1/videos`.
type Route =
	| { name: 'models' | 'public-models' | 'balance' | 'other' }
	| { name: 'create'; endpoint?: ProviderEndpoint }
	| { name: 'retrieve'; id: string; endpoint?: PollEndpoint }
	| { name: 'content' | 'remix'; id: string };
type RouteName = Route['name'];

/**
 * A job as the API answers it (create, remix, retrieve). Sora and Veo answer OpenAI's object
 * (size, seconds, prompt, error: null while running); the newer families a task object without
 * size, seconds or prompt, with `error` only on failure (families.ts, `shape`).
 */
export interface VideoView {
	id: string;
	object: 'video';
	model: string;
	status: string;
	progress: number;
	/** Seconds since the epoch. */
	created_at: number;
	/** Sora and Veo. */
	size?: string;
	/** Sora and Veo. */
	seconds?: string;
	/** Retrieve only, Sora and Veo. */
	prompt?: string;
	/** Retrieve only: the provider's reason for failed/error/unknown jobs that carry one. */
	error?: { code: string; message: string } | null;
	/** Every family but Sora (an alias of `id`). */
	task_id?: string;
	remixed_from_video_id?: string;
	completed_at?: number;
	expires_at?: number;
	/** The temporary link, where the linkField option puts it. */
	video_url?: string;
	metadata?: { url: string };
	/** Finished jobs, only with the costTicksPerSecond knob (xAI's field; no /v1/videos page has it). */
	usage?: { cost_in_usd_ticks: number };
}

/** One request the storage host (links and the 'redirect' fault's target) received. */
export interface FileRequestRecord {
	method: string;
	path: string;
	query: Record<string, string>;
	headers: http.IncomingHttpHeaders;
	/** Stays null when the socket is reset without an answer. */
	status: number | null;
	/** ms since the epoch */
	at: number;
}

/** One request the API server received. */
export interface RequestRecord extends FileRequestRecord {
	route: RouteName;
	/** Set on the Grok, Kling and Runway routes (their creates and polls). */
	provider?: ProviderName;
	/** Text fields of a create, the JSON body of a remix or of a provider's create. */
	fields: Record<string, unknown>;
	files: UploadedFile[];
}

/** One request either host received, with the host's name. */
export type HostRequestRecord = FileRequestRecord & { host: HostName };

interface Context<R extends FileRequestRecord = FileRequestRecord> {
	req: http.IncomingMessage;
	res: http.ServerResponse;
	record: R;
	closed: boolean;
}

type ParsedBody =
	| { error: string }
	| { fields: FormFields; references: Reference[] }
	| { json: Record<string, unknown> }
	| Record<string, never>;

// Code of a `/content` refusal for a model without proxied downloads, per chosen status.
const NO_CONTENT_CODES: Record<number, string> = {
	404: 'not_found',
	405: 'method_not_allowed',
	501: 'not_implemented',
};

function invalidRequest(message: string): BodyAnswer {
	return errorAnswer(400, message, { code: 'invalid_request' });
}

/** Seedance's documented 400 for an unknown id (message `task_not_exist`; the code is ours). */
function taskNotExist(): BodyAnswer {
	return errorAnswer(400, 'task_not_exist', { code: 'task_not_exist', requestId: false });
}

function matchRoute(method: string | undefined, pathname: string): Route {
	const providerRoute = matchProviderRoute(method, pathname);
	if (providerRoute) return providerRoute;
	if (pathname === '/v1/models') return { name: method === 'GET' ? 'models' : 'other' };
	if (pathname === '/api/models') return { name: method === 'GET' ? 'public-models' : 'other' };
	if (pathname === '/v1/videos') return { name: method === 'POST' ? 'create' : 'other' };
	// The balance route (other-routes sheet §6.2: query.cometapi.com/user/quota, an older page
	// with a trailing slash), served here on the API host: a gateway Base URL's /user/quota.
	if (/^\/user\/quota\/?$/.test(pathname)) return { name: method === 'GET' ? 'balance' : 'other' };
	const match = /^\/v1\/videos\/([^/]+)(\/content|\/remix)?$/.exec(pathname);
	const id = match && safeDecode(match[1]);
	if (!match || !id) return { name: 'other' };
	if (!match[2] && method === 'GET') return { name: 'retrieve', id };
	if (match[2] === '/content' && (method === 'GET' || method === 'HEAD'))
		return { name: 'content', id };
	if (match[2] === '/remix' && method === 'POST') return { name: 'remix', id };
	return { name: 'other' };
}

/** The Grok, Kling and Runway routes (other-routes sheet §7), or null for any other path. */
function matchProviderRoute(method: string | undefined, pathname: string): Route | null {
	const poll = (pattern: RegExp, provider: ProviderName, action?: string): Route | null => {
		const match = pattern.exec(pathname);
		const id = match && safeDecode(match[match.length - 1]);
		if (!match || !id) return null;
		if (method !== 'GET') return { name: 'other' };
		return { name: 'retrieve', id, endpoint: { provider, action: action ?? match[1] } };
	};
	if (pathname === '/grok/v1/videos/generations' && method === 'POST')
		return { name: 'create', endpoint: { provider: 'xai', action: 'generations' } };
	if (pathname === '/runwayml/v1/image_to_video')
		return method === 'POST'
			? { name: 'create', endpoint: { provider: 'runway', action: 'image_to_video' } }
			: { name: 'other' };
	const kling = /^\/kling\/v1\/videos\/([^/]+)$/.exec(pathname)?.[1];
	if (kling && (KLING_ACTIONS as readonly string[]).includes(kling))
		return method === 'POST'
			? {
					name: 'create',
					endpoint: { provider: 'kling', action: kling as ProviderEndpoint['action'] },
				}
			: { name: 'other' };
	return (
		poll(/^\/grok\/v1\/videos\/([^/]+)$/, 'xai', 'generations') ??
		poll(/^\/kling\/v1\/videos\/([^/]+)\/([^/]+)$/, 'kling') ??
		poll(/^\/runwayml\/v1\/tasks\/([^/]+)$/, 'runway', 'image_to_video')
	);
}

function safeDecode(text: string): string | null {
	try {
		return decodeURIComponent(text);
	} catch {
		return null;
	}
}

/** The API key a request carries (`Authorization: Bearer <key>`), or '' without one. */
function bearerToken(req: http.IncomingMessage): string {
	const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
	return match ? match[1].trim() : '';
}

function newRecord({ method = '', headers }: http.IncomingMessage, url: URL): FileRequestRecord {
	const path = url.pathname;
	const query = Object.fromEntries(url.searchParams);
	return { method, path, query, headers: { ...headers }, status: null, at: Date.now() };
}

/** A create's multipart form: its text fields, files (recorded, hashed) and references. */
async function parseForm(raw: Buffer, type: string, record: RequestRecord): Promise<ParsedBody> {
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

/** A remix's or a provider create's JSON body, which must be an object. */
function parseJsonObject(raw: Buffer, record: RequestRecord): ParsedBody {
	let json: unknown;
	try {
		json = JSON.parse(raw.toString('utf8'));
	} catch {
		json = null;
	}
	if (!json || typeof json !== 'object' || Array.isArray(json))
		return { error: 'Body must be a JSON object' };
	record.fields = json as Record<string, unknown>;
	return { json: record.fields };
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk) => chunks.push(chunk));
		req.on('end', () => resolve(Buffer.concat(chunks)));
		req.on('error', reject);
	});
}

/** Resolves after `ms` (without it: once the response can take more data), or once it closes. */
function wait(res: http.ServerResponse, ms?: number): Promise<void> {
	return new Promise((resolve) => {
		const done = () => {
			clearTimeout(timer);
			res.off('drain', done).off('close', done);
			resolve();
		};
		const timer = ms === undefined ? undefined : setTimeout(done, ms);
		if (ms === undefined) res.on('drain', done);
		res.on('close', done);
	});
}

export class Simulator {
	#options: SimulatorOptions;
	readonly #startOptions: SimulatorOptions;
	readonly #server: http.Server;
	readonly #fileServer: http.Server;
	readonly #faults = new FaultQueue();
	#inFlight = 0;
	#maxInFlight = 0;
	// Per API key (the Authorization header's token): requests in flight now, and the most at once.
	readonly #inFlightByKey = new Map<string, number>();
	#maxInFlightByKey = new Map<string, number>();
	// Per key: requests being served (not refused by keyConcurrencyLimit), the 429s that limit
	// sent, and the most in flight since the last sampleInFlight().
	readonly #servedByKey = new Map<string, number>();
	#refusedByKey = new Map<string, number>();
	#windowPeakByKey = new Map<string, number>();
	// Signs the temporary links handed out in video_url / metadata.url and redirects.
	readonly #linkSecret = crypto.randomBytes(16);
	readonly #hashCache = new Map<string, string>();
	readonly #callbacks = new CallbackSender();

	/** Every request the API server received, in arrival order. */
	readonly requests: RequestRecord[] = [];
	/** The creates and remixes that made a job (each one costs the user money). */
	readonly creates: CreateRequest[] = [];
	readonly jobs = new Map<string, Job>();
	/** Every request the storage host (`fileOrigin`) received: result links and redirect targets. */
	readonly storageRequests: FileRequestRecord[] = [];
	// Both hosts' records in arrival order, for requestLog().
	readonly #log: [HostName, FileRequestRecord][] = [];
	url = '';
	/** The storage host's origin: it serves the families' result links and redirect targets. */
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

	/** Every POST to a Kling `callback_url` (each retry too), in the order they were sent. */
	get callbacks(): CallbackRecord[] {
		return this.#callbacks.records;
	}

	/** Resolves once every callback due so far has been delivered or given up on. */
	callbacksSettled(): Promise<void> {
		return this.#callbacks.settled();
	}

	/** The storage host's record under the name from when it only served the 'redirect' fault. */
	get redirectRequests(): FileRequestRecord[] {
		return this.storageRequests;
	}

	/** Every request either host received, in arrival order, each with its host's name. */
	requestLog(): HostRequestRecord[] {
		return this.#log.map(([host, { method, path, query, headers, status, at }]) => {
			return { host, method, path, query, headers, status, at };
		});
	}

	/**
	 * The hosts that received `text` (default: the API key) anywhere in a request's headers, path
	 * or query: `['api']` proves the key went to the API host only.
	 */
	hostsThatSaw(text: string = this.apiKey): HostName[] {
		const hosts = this.requestLog()
			.filter(({ headers, path, query }) => JSON.stringify({ headers, path, query }).includes(text))
			.map(({ host }) => host);
		return [...new Set(hosts)];
	}

	/** The most requests that were ever in flight at once (since start, reset or resetStats). */
	get maxInFlight(): number {
		return this.#maxInFlight;
	}

	/** The most requests carrying this API key that were in flight at once (same window). */
	maxInFlightForKey(apiKey: string): number {
		return this.#maxInFlightByKey.get(apiKey) ?? 0;
	}

	/** Requests carrying this API key in flight now (refused ones included until answered). */
	inFlightForKey(apiKey: string): number {
		return this.#inFlightByKey.get(apiKey) ?? 0;
	}

	/**
	 * For sampling over time: requests carrying this key in flight now, and the most at once since
	 * the previous call for this key (or since start, reset or resetStats); starts a new window.
	 */
	sampleInFlight(apiKey: string): { now: number; peak: number } {
		const now = this.inFlightForKey(apiKey);
		const peak = this.#windowPeakByKey.get(apiKey) ?? now;
		this.#windowPeakByKey.set(apiKey, now);
		return { now, peak };
	}

	/** 429s sent by keyConcurrencyLimit since start, reset or resetStats: one key's, or all. */
	rateLimited(apiKey?: string): number {
		if (apiKey !== undefined) return this.#refusedByKey.get(apiKey) ?? 0;
		return [...this.#refusedByKey.values()].reduce((sum, count) => sum + count, 0);
	}

	configure(partial: Partial<RuntimeOptions> = {}): this {
		for (const key of Object.keys(partial)) {
			if (!RUNTIME_OPTIONS.includes(key))
				throw new Error(`Option ${key} cannot be changed at runtime`);
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
		this.#faults.add(route, spec);
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
		this.#maxInFlightByKey = new Map(this.#inFlightByKey);
		this.#windowPeakByKey = new Map(this.#inFlightByKey);
		this.#refusedByKey = new Map();
	}

	/** sha256 (hex) of what the content route serves for a job; big files are hashed by streaming. */
	videoSha256(id: string, variant: Variant = 'video'): string {
		const source = this.#source(id, variant);
		const key = `${id}:${variant}:${source.size}`;
		const hash = this.#hashCache.get(key) ?? sha256OfSource(source);
		this.#hashCache.set(key, hash);
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
		this.storageRequests.length = 0;
		this.#log.length = 0;
		this.#faults.clear();
		this.#hashCache.clear();
		this.#callbacks.clear();
		this.#callbacks.records.length = 0;
		this.#options = { ...this.#startOptions };
		this.resetStats();
	}

	async close(): Promise<void> {
		this.#callbacks.clear();
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

	#authorized(req: http.IncomingMessage, route: Route, url: URL): boolean {
		// The public catalogue needs no key (a key sent anyway is ignored).
		if (route.name === 'public-models') return true;
		// The balance route takes the key in its query, "not a Bearer token" (a Bearer is ignored).
		if (route.name === 'balance') return url.searchParams.get('key') === this.#options.apiKey;
		if (bearerToken(req) === this.#options.apiKey) return true;
		// Temporary links (video_url / metadata.url) are signed, so they work without the key.
		return route.name === 'content' && url.searchParams.get('token') === this.#linkToken(route.id);
	}

	async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
		const url = new URL(req.url ?? '/', 'http://simulator');
		const route = matchRoute(req.method, url.pathname);
		const record: RequestRecord = {
			route: route.name,
			...('endpoint' in route && route.endpoint && { provider: route.endpoint.provider }),
			...newRecord(req, url),
			fields: {},
			files: [],
		};
		this.requests.push(record);
		this.#log.push(['api', record]);
		const ctx = { req, res, record, closed: false };
		const key = bearerToken(req);
		this.#countInFlight(key, 1);
		res.on('close', () => {
			ctx.closed = true;
			this.#countInFlight(key, -1);
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
			if (res.headersSent) return void res.destroy();
			const message = `Simulator error: ${(error as Error).message}`;
			void this.#send(ctx, errorAnswer(500, message, { code: 'simulator_error' }));
		}
	}

	/** Counts a request carrying `key` in (1) or out (-1), keeping the most at once. */
	#countInFlight(key: string, delta: 1 | -1): void {
		this.#inFlight += delta;
		this.#maxInFlight = Math.max(this.#maxInFlight, this.#inFlight);
		const keyInFlight = (this.#inFlightByKey.get(key) ?? 0) + delta;
		this.#inFlightByKey.set(key, keyInFlight);
		this.#maxInFlightByKey.set(key, Math.max(this.#maxInFlightByKey.get(key) ?? 0, keyInFlight));
		this.#windowPeakByKey.set(key, Math.max(this.#windowPeakByKey.get(key) ?? 0, keyInFlight));
	}

	/**
	 * keyConcurrencyLimit: takes one of the key's places until the answer ends (true), or counts a
	 * refusal (false) when the key already has that many requests being served.
	 */
	#admit(key: string, res: http.ServerResponse): boolean {
		const limit = this.#options.keyConcurrencyLimit;
		const served = this.#servedByKey.get(key) ?? 0;
		if (limit !== undefined && served >= limit) {
			this.#refusedByKey.set(key, (this.#refusedByKey.get(key) ?? 0) + 1);
			return false;
		}
		this.#servedByKey.set(key, served + 1);
		res.on('close', () => this.#servedByKey.set(key, (this.#servedByKey.get(key) ?? 1) - 1));
		return true;
	}

	/** latencyMs: every API answer (errors, refusals and faults' stand-ins too) waits this long. */
	async #latency(res: http.ServerResponse): Promise<void> {
		if (this.#options.latencyMs > 0) await wait(res, this.#options.latencyMs);
	}

	async #dispatch(ctx: Context<RequestRecord>, route: Route, url: URL): Promise<void> {
		const { req } = ctx;
		if (!this.#authorized(req, route, url)) {
			req.resume();
			// The balance route's refusal is not documented ("not seen"): the API's 401 envelope,
			// with a message of the simulator's choosing.
			const given =
				route.name === 'balance' ? url.searchParams.has('key') : req.headers.authorization;
			const message = given ? 'Invalid token' : 'No token provided';
			await this.#latency(ctx.res);
			return this.#send(ctx, errorAnswer(401, message));
		}
		const key = bearerToken(req);
		// A link signed for keyless access (token) is not one of a key's requests.
		if (key === this.#options.apiKey && !this.#admit(key, ctx.res)) {
			req.resume();
			await this.#latency(ctx.res);
			return this.#send(ctx, this.#tooManyRequests());
		}
		const fault = this.#faults.take(route.name);
		if (fault?.kind === 'reset' && fault.beforeAccept) {
			req.socket.destroy();
			return;
		}
		const body = await this.#parseBody(route, req, ctx.record);
		const standIn = this.#standIn(fault, this.url, url, 'id' in route ? route.id : null);
		if (standIn) {
			await this.#latency(ctx.res);
			return this.#send(ctx, standIn);
		}
		// Everything else alters an answer the route really produced (so a create made its job).
		const answer = this.#answer(route, body, ctx);
		await this.#latency(ctx.res);
		return this.#sendAltered(ctx, fault, answer);
	}

	/**
	 * The refusal of a request beyond keyConcurrencyLimit. The sheet documents 429 ("rate limited
	 * or saturated") in the error envelope, no Retry-After and no wording: message and code are
	 * the simulator's choice.
	 */
	#tooManyRequests(): BodyAnswer {
		const limit = this.#options.keyConcurrencyLimit;
		const message = `Too many requests: this key already has ${limit} requests in progress, please retry later`;
		return errorAnswer(429, message, { code: 'rate_limit_exceeded' });
	}

	/** The answer a fault sends instead of the route's own (whose work then never happens). */
	#standIn(
		fault: Fault | undefined,
		origin: string,
		url: URL,
		id: string | null,
	): BodyAnswer | undefined {
		if (fault?.kind === 'status' && !fault.acceptThenFail) return statusFaultAnswer(fault);
		if (fault?.kind === 'html') return htmlAnswer(fault.status ?? 200, 'Welcome', fault.headers);
		if (fault?.kind === 'moved') {
			const headers = { location: `${origin}${url.pathname}/`, ...fault.headers };
			return htmlAnswer(fault.status ?? 301, '301 Moved Permanently', headers);
		}
		if (fault?.kind === 'redirect' && id !== null) {
			const variant = url.searchParams.get('variant') ?? 'video';
			const location = `${this.fileOrigin}/files/${encodeURIComponent(id)}?variant=${encodeURIComponent(variant)}&token=${this.#linkToken(id)}`;
			return { status: fault.status ?? 302, headers: { location, ...fault.headers }, body: '' };
		}
		return undefined;
	}

	/** Sends the route's own answer as the fault (if any) alters it. */
	async #sendAltered(ctx: Context, fault: Fault | undefined, answer: Answer): Promise<void> {
		if (!fault) return this.#send(ctx, answer);
		switch (fault.kind) {
			case 'status': // acceptThenFail
				return this.#send(ctx, statusFaultAnswer(fault));
			case 'reset':
				ctx.req.socket.destroy();
				return;
			case 'malformed-json':
				return this.#send(ctx, malformedJsonAnswer(answer, fault));
			case 'slow':
				await wait(ctx.res, fault.delayMs ?? 0);
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
		if (route.name === 'create' && route.endpoint) return parseJsonObject(raw, record);
		if (route.name === 'create') return parseForm(raw, req.headers['content-type'] ?? '', record);
		if (route.name === 'remix') return parseJsonObject(raw, record);
		return {};
	}

	#answer(route: Route, body: ParsedBody, ctx: Context<RequestRecord>): Answer {
		switch (route.name) {
			case 'models':
				return jsonAnswer(200, openAiList(this.#listedModels()));
			case 'public-models':
				return jsonAnswer(200, publicList(this.#listedModels(), ctx.record.query));
			case 'balance':
				return jsonAnswer(200, this.#options.account);
			case 'create':
				if (route.endpoint) return this.#providerCreate(route.endpoint, body, ctx);
				return this.#create(body, ctx.record);
			case 'retrieve':
				if (route.endpoint) return this.#providerPoll(route.id, route.endpoint);
				return this.#retrieve(route.id);
			case 'content':
				return this.#content(route.id, ctx);
			case 'remix':
				return this.#remix(route.id, body, ctx.record);
			default:
				return errorAnswer(404, `Invalid URL (${ctx.req.method} ${ctx.record.path})`, {
					code: 'not_found',
				});
		}
	}

	#create(body: ParsedBody, record: RequestRecord): BodyAnswer {
		if ('error' in body) return invalidRequest(body.error);
		if (!('fields' in body)) throw new Error('create without a parsed form');
		const request = validateCreate(body.fields, body.references);
		if ('error' in request) return errorAnswer(400, request.error, { code: request.code });
		const retired = this.#retiredRefusal(request.model);
		if (retired) return retired;
		const { model, prompt, rules, values } = request;
		const { fields, files } = record;
		const create = { id: randomId(rules.idPrefix), model, prompt, fields, files };
		return jsonAnswer(200, this.#view(this.#startJob(create, rules, values), false));
	}

	#retiredRefusal(model: string): BodyAnswer | null {
		if (!this.#options.retiredModels.includes(model)) return null;
		// What other resellers of the route answer for retired Sora ids; status and code are the
		// simulator's choice (unverified for CometAPI).
		return errorAnswer(404, `model not found: ${model}`, { code: 'model_not_found' });
	}

	/** A create on the Grok, Kling or Runway route (providers.ts validates and shapes it). */
	#providerCreate(
		endpoint: ProviderEndpoint,
		body: ParsedBody,
		{ req, record }: Context<RequestRecord>,
	): BodyAnswer {
		if ('error' in body) return invalidRequest(body.error);
		if (!('json' in body)) throw new Error('provider create without a parsed body');
		// §3.1: the header is required on create (its refusal is not documented: a 400 of ours).
		if (endpoint.provider === 'runway' && !req.headers['x-runway-version'])
			return invalidRequest('The X-Runway-Version header is required (e.g. 2024-11-06)');
		const valid = validateProviderCreate(endpoint, body.json);
		if ('error' in valid) return invalidRequest(valid.error);
		const retired = this.#retiredRefusal(valid.model);
		if (retired) return retired;
		const { id, model, prompt, task } = valid;
		const create = { id, model, prompt, fields: record.fields, files: [], endpoint };
		const job = this.#startJob(create, rulesFor(model), {}, task);
		if (task.callbackUrl) this.#scheduleCallbacks(job, task, task.callbackUrl);
		return jsonAnswer(200, createAnswer(job, task));
	}

	/**
	 * A provider's poll. A job made on another route (or Kling action) is unknown here: no refusal
	 * is documented for that, so it is the unknown-id answer (the simulator's choice).
	 */
	#providerPoll(id: string, endpoint: PollEndpoint): BodyAnswer {
		const job = this.jobs.get(id);
		const task = job?.task;
		if (!job || task?.provider !== endpoint.provider || task.action !== endpoint.action)
			return this.#unknownJob(id);
		// §3.2: "A freshly created task may briefly return task_not_exist".
		if (task.provider === 'runway' && Date.now() - job.createdAt < this.#options.runwayNotYetMs)
			return taskNotExist();
		const shape = this.#options.answerShape;
		const wrapped = shape === 'wrapped' || (shape === 'alternate' && task.polls % 2 === 1);
		task.polls += 1;
		return jsonAnswer(200, pollAnswer(job, task, this.#snapshot(job, Date.now()), wrapped));
	}

	/** The job as it stood at `at`: status, progress, when that status began, and its link. */
	#snapshot(job: Job, at: number): Snapshot {
		const { status, progress } = job.state(at);
		const changedAt =
			status === 'queued' ? job.createdAt : status === 'in_progress' ? job.startsAt : job.endsAt;
		const link =
			status === 'completed' && job.endsAt !== null
				? this.#resultLink(job, Math.floor(job.endsAt / 1000) + this.#options.linkTtlSeconds)
				: null;
		return { status, progress, at, changedAt: changedAt ?? at, link };
	}

	/**
	 * §2.2: "Kling posts to your callback endpoint whenever task status changes": at the start
	 * (processing) and at the end; a job that goes straight to its end sends the end only.
	 */
	#scheduleCallbacks(job: Job, task: ProviderTask, url: string): void {
		const times = [job.startsAt, job.endsAt].filter((at): at is number => at !== null);
		const changes = times.filter(
			(at, index) => index === 0 || job.state(at).status !== job.state(times[index - 1]).status,
		);
		this.#callbacks.schedule(
			url,
			changes.map((at) => ({
				at,
				payload: () => klingCallbackPayload(job, task, this.#snapshot(job, at)),
			})),
		);
	}

	/** Sora's remix; other families' remix is not documented (silent): the simulator allows it. */
	#remix(sourceId: string, body: ParsedBody, record: RequestRecord): BodyAnswer {
		if ('error' in body) return invalidRequest(body.error);
		if (!('json' in body)) throw new Error('remix without a parsed body');
		const prompt = body.json.prompt;
		const promptError = validatePrompt(prompt);
		if (promptError || typeof prompt !== 'string')
			return invalidRequest(promptError ?? 'prompt is required');
		const source = this.#videosJob(sourceId);
		if (!source) return invalidRequest(`Video ${sourceId} not found`);
		const { status } = source.state();
		if (status !== 'completed')
			return invalidRequest(`Video ${sourceId} is not completed (status: ${status})`);
		const { model, rules, values } = source;
		const { fields } = record;
		const id = randomId(rules.idPrefix);
		const create = { id, model, prompt, fields, files: [], remixedFromVideoId: sourceId };
		return jsonAnswer(200, this.#view(this.#startJob(create, rules, values), false));
	}

	/** Makes the job a create or remix asked for, its plan decided now. */
	#startJob(
		create: CreateRequest,
		rules: ModelRules,
		values: Job['values'],
		task?: ProviderTask,
	): Job {
		const { id, model, prompt, remixedFromVideoId } = create;
		const plan = resolvePlan(this.#options, create);
		const createdAt = Date.now();
		const init = { id, model, rules, prompt, values, plan, createdAt, remixedFromVideoId, task };
		const job = new Job(init);
		this.jobs.set(id, job);
		this.creates.push(create);
		return job;
	}

	#content(id: string, { req, record }: Context): Answer {
		const job = this.#videosJob(id);
		if (!job) return this.#unknownJob(id);
		if (!(this.#options.contentRoute[job.rules.family] ?? job.rules.contentRoute)) {
			const status = this.#options.noContentStatus;
			// Undocumented (the API sheet: "expect a 4xx JSON error after completion"): the
			// simulator refuses at any status of the job, as a route that does not exist would.
			return errorAnswer(status, `Model ${job.model} does not support video content download`, {
				code: NO_CONTENT_CODES[status] ?? 'content_not_supported',
			});
		}
		return this.#contentAnswer(job, record.query.variant, req.headers.range);
	}

	/** A `/v1/videos` job: the provider routes' jobs are not found there (§7: no /content). */
	#videosJob(id: string): Job | undefined {
		const job = this.jobs.get(id);
		return job?.task ? undefined : job;
	}

	#retrieve(id: string): BodyAnswer {
		const job = this.#videosJob(id);
		if (!job) return this.#unknownJob(id);
		const headers: Headers = {};
		if (this.#options.pollAfterMs != null)
			headers['openai-poll-after-ms'] = String(this.#options.pollAfterMs);
		return jsonAnswer(200, this.#view(job, true), headers);
	}

	/** A job as create (`retrieve` false: queued, no result) or retrieve answers it, per its family. */
	#view(job: Job, retrieve: boolean): VideoView {
		const { rules, id } = job;
		const state = retrieve ? job.state() : { status: 'queued' as const, progress: 0 };
		const status = state.status === 'error' && !rules.hasErrorStatus ? 'failed' : state.status;
		const view: VideoView = {
			id,
			object: 'video',
			model: job.backendModel,
			status: spellStatus(status, this.#options.statusWords),
			progress: state.progress,
			created_at: Math.floor(job.createdAt / 1000),
		};
		if (rules.shape === 'openai') {
			view.size = job.values.size ?? '';
			view.seconds = job.values.seconds ?? '';
			if (retrieve) {
				view.prompt = job.prompt;
				view.error = job.finishedAt !== null ? job.errorObject() : null;
			}
		} else if (retrieve && job.finishedAt !== null) {
			const error = job.errorObject();
			if (error) view.error = error;
		}
		if (rules.taskIdAlias) view.task_id = id;
		if (job.remixedFromVideoId) view.remixed_from_video_id = job.remixedFromVideoId;
		if (retrieve && state.status === 'completed' && job.endsAt !== null) {
			const completedAt = Math.floor(job.endsAt / 1000);
			view.completed_at = completedAt;
			const expiresAt = completedAt + this.#options.linkTtlSeconds;
			if (rules.shape === 'openai') view.expires_at = expiresAt;
			const link = this.#resultLink(job, expiresAt);
			if (this.#options.linkField === 'video_url') view.video_url = link;
			if (this.#options.linkField === 'metadata.url') view.metadata = { url: link };
			const perSecond = this.#options.costTicksPerSecond;
			// Veo's task object may carry no seconds ("" by default): its older ids are 8 s clips.
			if (perSecond !== undefined)
				view.usage = { cost_in_usd_ticks: perSecond * (Number(job.values.seconds) || 8) };
		}
		return view;
	}

	/**
	 * The completed job's temporary link, on the family's host unless `linkHost` says otherwise;
	 * a provider route's job has no `/content` route, so its link is always on the storage host.
	 */
	#resultLink(job: Job, expiresAt: number): string {
		const host = job.task ? 'storage' : (this.#options.linkHost ?? job.rules.linkHost);
		const id = encodeURIComponent(job.id);
		if (host === 'api')
			return `${this.url}/v1/videos/${id}/content?token=${this.#linkToken(job.id)}`;
		const signature = this.#linkToken(`${job.id}:${expiresAt}`);
		return `${this.fileOrigin}/results/${id}.mp4?expires=${expiresAt}&signature=${signature}`;
	}

	#unknownJob(id: string): BodyAnswer {
		// Seedance's query page documents a 400 whose message is `task_not_exist`.
		// Its code is not given: the same word, the simulator's choice.
		if (this.#options.unknownId === 'task_not_exist') return taskNotExist();
		return errorAnswer(404, `Video ${id} not found`, { code: 'not_found' });
	}

	#listedModels(): readonly ModelRecord[] {
		return this.#options.catalogue.filter(({ id }) => !this.#options.retiredModels.includes(id));
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
		if (range && 'unsatisfiable' in range)
			return { status: 416, headers: { 'content-range': `bytes */${source.size}` }, body: '' };
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
		const { status, headers, body } = answer;
		ctx.res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
		ctx.res.end(body);
	}

	async #stream(
		ctx: Context,
		{ status, headers, source, start, end, chunked }: FileAnswer,
		truncateAt: number | undefined,
	): Promise<void> {
		const { req, res } = ctx;
		res.writeHead(status, chunked ? headers : { ...headers, 'content-length': end - start + 1 });
		if (req.method === 'HEAD') {
			res.end();
			return;
		}
		const truncated = truncateAt !== undefined;
		const last = truncated ? Math.min(end, start + truncateAt - 1) : end;
		if (truncated) res.flushHeaders();
		for (const chunk of source.chunks(start, last)) {
			if (ctx.closed) return;
			if (!res.write(chunk)) await wait(res);
		}
		if (ctx.closed) return;
		// destroySoon flushes what was written, then closes: the client sees a body shorter than
		// its Content-Length.
		if (truncated) (res.socket as import('node:net').Socket | null)?.destroySoon();
		else res.end();
	}

	/**
	 * The storage host: the families' signed, expiring result links (`/results/{id}.mp4`, errors in
	 * a storage bucket's XML) and the 'redirect' fault's targets (`/files/{id}`); it records the
	 * headers it was sent and serves files the way `linkContentType` and `linkChunked` say.
	 */
	#handleFile(req: http.IncomingMessage, res: http.ServerResponse): void {
		req.resume();
		const url = new URL(req.url ?? '/', 'http://files');
		const record = newRecord(req, url);
		this.storageRequests.push(record);
		this.#log.push(['storage', record]);
		const ctx: Context = { req, res, record, closed: false };
		res.on('close', () => {
			ctx.closed = true;
		});
		const fault = this.#faults.take('link');
		if (fault?.kind === 'reset') {
			req.socket.destroy();
			return;
		}
		const id = /^\/(?:results|files)\/([^/]+?)(?:\.mp4)?$/.exec(url.pathname)?.[1];
		const standIn = this.#standIn(fault, this.fileOrigin, url, id ? safeDecode(id) : null);
		const answer = standIn ?? this.#asStored(this.#storageAnswer(req, url));
		this.#sendAltered(ctx, standIn ? undefined : fault, answer).catch(() => res.destroy());
	}

	#storageAnswer(req: http.IncomingMessage, url: URL): Answer {
		if (req.method !== 'GET' && req.method !== 'HEAD') return errorAnswer(404, 'Not found');
		const result = /^\/results\/([^/]+)\.mp4$/.exec(url.pathname);
		if (result) {
			const id = safeDecode(result[1]);
			const expires = url.searchParams.get('expires') ?? '';
			if (!id || url.searchParams.get('signature') !== this.#linkToken(`${id}:${expires}`))
				return storageError(403, 'SignatureDoesNotMatch', 'The request signature does not match');
			if (Date.now() / 1000 >= Number(expires))
				return storageError(403, 'AccessDenied', 'Request has expired');
			const job = this.jobs.get(id);
			if (!job) return storageError(404, 'NoSuchKey', 'The specified key does not exist.');
			return this.#contentAnswer(job, 'video', req.headers.range);
		}
		const match = /^\/files\/([^/]+)$/.exec(url.pathname);
		const id = match && safeDecode(match[1]);
		const job = id ? this.jobs.get(id) : undefined;
		if (!id || !job) return errorAnswer(404, 'Not found');
		if (url.searchParams.get('token') !== this.#linkToken(id))
			return errorAnswer(403, 'Link signature does not match', { code: 'forbidden' });
		return this.#contentAnswer(job, url.searchParams.get('variant') ?? 'video', req.headers.range);
	}

	/** A file as the storage host serves it: typed or not, with a length or chunked. */
	#asStored(answer: Answer): Answer {
		if (!('source' in answer)) return answer;
		const headers: Headers = { ...answer.headers };
		const type = this.#options.linkContentType;
		if (type === 'none') delete headers['content-type'];
		else if (type !== 'typed') headers['content-type'] = type;
		return { ...answer, headers, chunked: this.#options.linkChunked };
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
