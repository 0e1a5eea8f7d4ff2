/**
 * The one exchange with a server, for API calls and files alike: a request inside the key's
 * request slot, its headers within Request Timeout, and its body under a deadline too (an API
 * answer whole within Request Timeout; a file at a pace the store watches; an error body whole
 * within Request Timeout, whichever route it came on). What goes wrong is reported as facts (a
 * `Fault`): ./retry decides on them, ./errors words them, once.
 */
import type {
	ICredentialsDecrypted,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IN8nHttpFullResponse,
} from 'n8n-workflow';

import { SlotWaitCancelled, type Answered, type LimiterSeat } from '../helpers/limiter';
import type { Pause } from '../helpers/pause';
import { settle } from '../helpers/settle';
import { SLOT_WAIT, type CallContext, type Failures } from './errors';
import { backoffMs, classify, Fault, type FailureFacts } from './retry';

export const CREDENTIAL_TYPE = 'cometVideoApi';

export interface TransportSettings {
	maxInFlight: number;
	maxAttempts: number;
	retryBaseDelayMs: number;
	/** The most one API call may take in all, and the longest a download may go without data. */
	requestTimeoutMs: number;
	maxDownloadBytes: number;
}

export type HttpContext = IExecuteFunctions | ILoadOptionsFunctions;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;
const MAX_SERVER_DELAY_MS = 120_000;
const ERRNO_PATTERN = /^(E[A-Z0-9_]+|ERR_[A-Z0-9_]+|Z_[A-Z_]+)$/;

const seconds = (ms: number) => Math.round(ms / 1000);

/** Job objects are a few hundred bytes; a megabyte is room for any honest answer. */
export const API_ANSWER_LIMIT = 1024 * 1024;
export class TooLarge extends Error {
	constructor(readonly limit: number) {
		super(`more than ${limit} bytes`);
	}
}

/** The parts of a Node readable stream used here (community nodes may not import `stream`). */
interface BodyStream extends AsyncIterable<Buffer> {
	push(chunk: unknown, encoding?: BufferEncoding): boolean;
	destroy(error?: Error): unknown;
}

function isStream(body: unknown): body is BodyStream {
	return !!body && typeof (body as BodyStream)[Symbol.asyncIterator] === 'function';
}

/** A file's body as the store reads it: a readable stream, with its buffer and its events. */
export interface FileBody extends BodyStream {
	read(size?: number): Buffer | string | null;
	unshift(chunk: Buffer): void;
	once(event: string, listener: () => void): unknown;
	removeListener(event: string, listener: () => void): unknown;
	readableEnded?: boolean;
	readableLength?: number;
	destroyed?: boolean;
	errored?: unknown;
}

function isFileBody(body: unknown): body is FileBody {
	return isStream(body) && typeof (body as FileBody).unshift === 'function';
}

/**
 * What a file route answered, as the store gets it: a file to stream in (with the headers that
 * describe it), or a document (an error status, or JSON where a file was asked for), already
 * read within Request Timeout and reported as facts.
 */
export type FileAnswer =
	| {
			file: FileBody;
			status: number;
			headers: { contentType?: string; contentEncoding?: string; contentLength?: string };
	  }
	| { document: FailureFacts };

/**
 * Destroys `body` if `signal` aborts while it is read (once a response has begun, aborting the
 * request alone does not end it). Call the result when the reading is over: a listener left on a
 * deadline's signal would hold the answer (and its socket) until the deadline passes.
 */
function endWith(body: unknown, signal: AbortSignal): () => void {
	if (!isStream(body)) return () => undefined;
	const end = () => body.destroy();
	if (signal.aborted) end();
	else signal.addEventListener('abort', end, { once: true });
	return () => signal.removeEventListener('abort', end);
}

/**
 * `pending`, unless `signal` aborts first: then the abort's reason is thrown at once, and an
 * answer that still comes has its body discarded. n8n's HTTP helpers put the execution's cancel
 * signal in place of the request's own, so a deadline has to be enforced around the call.
 */
export async function unlessAborted<T extends { body?: unknown }>(
	pending: Promise<T>,
	signal: AbortSignal,
): Promise<T> {
	const discardLate = () =>
		void pending.then(
			(late) => discard(late.body),
			() => undefined,
		);
	let leave = () => undefined as void;
	const aborted = new Promise<never>((_, reject) => {
		leave = () => reject(signal.reason);
		if (signal.aborted) leave();
		else signal.addEventListener('abort', leave, { once: true });
	});
	try {
		return await Promise.race([pending, aborted]);
	} finally {
		signal.removeEventListener('abort', leave);
		if (signal.aborted) discardLate();
	}
}

/** Discards a body nobody will read, so its connection is freed. */
export function discard(body: unknown): void {
	if (isStream(body)) body.destroy();
}

/** The body as text, or `TooLarge` once it passes `limit` bytes (reading stops there). */
export async function readCapped(body: unknown, limit: number): Promise<string> {
	if (typeof body === 'string') {
		if (Buffer.byteLength(body) > limit) throw new TooLarge(limit);
		return body;
	}
	if (Buffer.isBuffer(body)) {
		if (body.length > limit) throw new TooLarge(limit);
		return body.toString('utf8');
	}
	if (!isStream(body)) return '';
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of body) {
		size += (chunk as Buffer).length;
		if (size > limit) {
			body.destroy();
			throw new TooLarge(limit);
		}
		chunks.push(chunk as Buffer);
	}
	return Buffer.concat(chunks).toString('utf8');
}

/**
 * An error body: what it says, read within `deadlineMs` like any API answer, so a host that
 * sends headers and then drips (or nothing) cannot hold the execution or its request slot.
 * Empty when it breaks off, overflows or runs late: the status alone then tells the story.
 */
async function readErrorText(body: unknown, deadlineMs: number): Promise<string> {
	const deadline = AbortSignal.timeout(deadlineMs);
	const stop = () => discard(body);
	deadline.addEventListener('abort', stop, { once: true });
	try {
		return await readCapped(body, API_ANSWER_LIMIT);
	} catch {
		discard(body);
		return '';
	} finally {
		deadline.removeEventListener('abort', stop);
	}
}

export function headerValue(headers: IDataObject | undefined, name: string): string | undefined {
	const value = headers?.[name];
	if (Array.isArray(value)) return String(value[0]);
	return value === undefined ? undefined : String(value);
}

/** `openai-poll-after-ms` or `Retry-After` (seconds or an HTTP date), in ms, capped. */
export function serverDelayMs(headers: IDataObject | undefined): number | undefined {
	const pollAfter = Number(headerValue(headers, 'openai-poll-after-ms'));
	let delay: number | undefined;
	if (Number.isFinite(pollAfter) && pollAfter > 0) {
		delay = pollAfter;
	} else {
		const retryAfter = headerValue(headers, 'retry-after');
		if (retryAfter !== undefined) {
			const seconds = Number(retryAfter);
			const date = Date.parse(retryAfter);
			if (Number.isFinite(seconds)) delay = Math.max(0, seconds * 1000);
			else if (!Number.isNaN(date)) delay = Math.max(0, date - Date.now());
		}
	}
	return delay === undefined ? undefined : Math.min(delay, MAX_SERVER_DELAY_MS);
}

/** n8n keeps a failed request's errno as `httpCode`; other versions as `code`, or on a cause. */
export function networkCode(error: unknown): string | undefined {
	for (let cause = error as IDataObject | undefined, depth = 0; cause && depth < 5; depth++) {
		for (const value of [cause.code, cause.httpCode]) {
			if (typeof value === 'string' && ERRNO_PATTERN.test(value)) return value;
		}
		cause = cause.cause as IDataObject | undefined;
	}
	return undefined;
}

export function tryJsonObject(text: string): IDataObject | undefined {
	try {
		const value: unknown = JSON.parse(text);
		return value && typeof value === 'object' && !Array.isArray(value)
			? (value as IDataObject)
			: undefined;
	} catch {
		return undefined;
	}
}

/** CometAPI's error envelope, `{ error: { code, message } }`: its two strings, nothing else. */
/**
 * The code and message of an error answer: CometAPI's envelope `{ error: { code, message } }`, or
 * the flat `{ code, message }` of Kling's and the wrapped routes' answers.
 */
function envelopeError(envelope: IDataObject | undefined): { code: string; message: string } {
	const error = envelope?.error;
	const fields = (
		error && typeof error === 'object' && !Array.isArray(error) ? error : (envelope ?? {})
	) as IDataObject;
	const string = (value: unknown) =>
		typeof value === 'string' || typeof value === 'number' ? String(value).slice(0, 300) : '';
	return { code: string(fields.code), message: string(fields.message) };
}

/** What an error status said: the status, the envelope's code and message, where it pointed. */
export function statusFacts(
	call: CallContext,
	response: IN8nHttpFullResponse,
	text: string,
	from: 'api' | 'link',
): FailureFacts {
	const envelope = tryJsonObject(text);
	const { code, message } = envelopeError(envelope);
	return {
		kind: 'status',
		request: call.kind,
		status: response.statusCode,
		apiCode: code || undefined,
		apiMessage: message || undefined,
		jsonAnswer: envelope !== undefined,
		...(call.freshJob ? { freshJob: true } : {}),
		contentType: headerValue(response.headers, 'content-type'),
		location: headerValue(response.headers, 'location'),
		retryAfterMs: serverDelayMs(response.headers),
		from,
	};
}

export class Exchange {
	constructor(
		private readonly ctx: HttpContext,
		private readonly baseUrl: string,
		/** The credential as read once per execution: n8n applies it to each request, unread again. */
		private readonly credentials: ICredentialsDecrypted,
		private readonly settings: TransportSettings,
		private readonly pause: Pause,
		private readonly limiter: LimiterSeat,
		private readonly failures: Failures,
		/** Why a redirect's target is not followed, if it is not. */
		private readonly redirectProblem: (target: URL, from: URL) => string | undefined,
	) {}

	/**
	 * One API call, retried as ./retry decides: its JSON object and headers. `options` runs once a
	 * request slot is free, so a create's images are read only just in time. `authenticated`
	 * false: an absolute URL that carries its own authorisation (the balance route's `key`), sent
	 * without the credential's header.
	 */
	json(
		call: CallContext,
		options: () => Promise<IHttpRequestOptions>,
		{ authenticated = true }: { authenticated?: boolean } = {},
	): Promise<{ json: IDataObject; headers: IDataObject }> {
		// Not awaited here: a waiting request keeps one suspended frame fewer.
		return this.inSlot(call, async () => {
			const request = await options();
			const sentAt = Date.now();
			return await this.attempt(call, this.settings.requestTimeoutMs, async (signal) => {
				const response = await this.send(request, call, signal, authenticated, {
					headersDeadline: false,
				});
				this.limiter.answered(sentAt, answeredAs(response.statusCode, Date.now() - sentAt));
				const reading = endWith(response.body, signal);
				let text: string;
				try {
					text = await readCapped(response.body, API_ANSWER_LIMIT);
				} finally {
					reading();
				}
				if (response.statusCode >= 300) throw new Fault(statusFacts(call, response, text, 'api'));
				const json = tryJsonObject(text);
				if (!json) {
					throw new Fault({
						kind: 'unreadable',
						request: call.kind,
						status: response.statusCode,
						claimedJson: /json/i.test(headerValue(response.headers, 'content-type') ?? ''),
						contentType: headerValue(response.headers, 'content-type'),
						location: headerValue(response.headers, 'location'),
					});
				}
				return { json, headers: response.headers };
			});
		});
	}

	/**
	 * One file, retried as ./retry decides: the answer of `url` (the content route with the key,
	 * a result link without it), its redirects followed here without the key, handed to `take`
	 * inside the request slot, and its body released whatever `take` does with it.
	 */
	async file<T>(
		call: CallContext,
		url: URL,
		authenticated: boolean,
		take: (answer: FileAnswer) => Promise<T>,
	): Promise<T> {
		return await this.inSlot(call, async () => {
			return await this.attempt(call, undefined, async (signal) => {
				const sentAt = Date.now();
				const first = await this.send(fileRequest(url), call, signal, authenticated, {
					headersDeadline: true,
				});
				// A file's time says how large it is, not how busy CometAPI is: only overload counts.
				if (authenticated) this.limiter.answered(sentAt, answeredAs(first.statusCode));
				const response = await this.followRedirects(first, url, call, signal);
				const reading = endWith(response.body, signal);
				const taken = await settle(
					async () => await take(await this.fileAnswer(response, call, authenticated)),
				);
				reading();
				discard(response.body);
				if (!taken.ok) throw taken.error;
				return taken.value;
			});
		});
	}

	/** A file, or a document (an error status, or JSON) read whole within Request Timeout. */
	private async fileAnswer(
		response: IN8nHttpFullResponse,
		call: CallContext,
		authenticated: boolean,
	): Promise<FileAnswer> {
		const { statusCode: status, headers, body } = response;
		const contentType = headerValue(headers, 'content-type');
		if (status < 300 && !/json/i.test(contentType ?? '') && isFileBody(body)) {
			const contentEncoding = headerValue(headers, 'content-encoding');
			const contentLength = headerValue(headers, 'content-length');
			return { file: body, status, headers: { contentType, contentEncoding, contentLength } };
		}
		const text = await readErrorText(body, this.settings.requestTimeoutMs);
		return { document: statusFacts(call, response, text, authenticated ? 'api' : 'link') };
	}

	/**
	 * Attempts, each in a request slot, until one succeeds or ./retry's decision says stop (a
	 * back-off between them holds no slot); the failure is worded once, then. Anything not a
	 * Fault (a bug, an image that could not be read) reaches the user as an n8n error as it is.
	 */
	private async inSlot<T>(call: CallContext, attempt: () => Promise<T>): Promise<T> {
		for (let attempts = 1; ; attempts++) {
			const outcome = await settle(() => this.limiter.run(this.pause, attempt, call.itemIndex));
			if (outcome.ok) return outcome.value;
			const fault = this.faultOf(outcome.error, call);
			if (!fault) throw this.failures.errors.wrap(outcome.error, call.itemIndex);
			const decision = classify(fault.facts);
			if (!decision.retry || attempts >= this.settings.maxAttempts) {
				throw this.failures.word(fault, decision, attempts, call);
			}
			const delay = fault.facts.retryAfterMs ?? backoffMs(attempts, this.settings.retryBaseDelayMs);
			const paused = await settle(() => this.pause.for(delay));
			if (!paused.ok) {
				const cancelled = new Fault({
					kind: 'cancelled-waiting',
					request: call.kind,
					detail: 'to try again',
				});
				throw this.failures.word(cancelled, classify(cancelled.facts), attempts, call);
			}
		}
	}

	/** The facts of a failed attempt, where it is one (a cancelled wait for a slot is, too). */
	private faultOf(error: unknown, call: CallContext): Fault | undefined {
		if (error instanceof SlotWaitCancelled) {
			return new Fault({ kind: 'cancelled-waiting', request: call.kind, detail: SLOT_WAIT });
		}
		return error instanceof Fault ? error : undefined;
	}

	/**
	 * One attempt, aborted when the execution is cancelled or, for API calls, when `deadlineMs`
	 * passes: an answer that trickles in byte by byte cannot hold the execution.
	 */
	private async attempt<T>(
		call: CallContext,
		deadlineMs: number | undefined,
		run: (signal: AbortSignal) => Promise<T>,
	): Promise<T> {
		const request = new AbortController();
		const untrack = this.pause.track(request);
		// AbortSignal.timeout: a deadline without a timer of our own (community nodes may not use
		// the global timers) that does not keep n8n's process alive.
		const deadline = deadlineMs === undefined ? undefined : AbortSignal.timeout(deadlineMs);
		const signal = deadline ? AbortSignal.any([request.signal, deadline]) : request.signal;
		const outcome = await settle(() => run(signal));
		untrack();
		if (outcome.ok) return outcome.value;
		throw this.attemptFault(outcome.error, call, deadline?.aborted ? deadlineMs : undefined);
	}

	/** What broke an attempt: a cancel, its deadline, our own verdict, or else the connection. */
	private attemptFault(error: unknown, call: CallContext, deadlineMs: number | undefined): Fault {
		if (this.pause.isCancelled) return new Fault({ kind: 'cancelled', request: call.kind });
		if (deadlineMs !== undefined) {
			return new Fault({
				kind: 'timeout',
				request: call.kind,
				detail: `no answer within ${seconds(deadlineMs)} s, or not all of it: the answer took too long`,
			});
		}
		if (error instanceof Fault) return error;
		if (error instanceof TooLarge) {
			return new Fault({ kind: 'too-large', request: call.kind, limit: error.limit });
		}
		// A body that breaks off mid-read is a network failure like any other.
		return new Fault(this.networkFacts(error, call));
	}

	private networkFacts(error: unknown, call: CallContext): FailureFacts {
		const errno = networkCode(error);
		if (errno === 'ECONNABORTED' || errno === 'ETIMEDOUT') {
			const detail = `no answer within ${seconds(this.settings.requestTimeoutMs)} s`;
			return { kind: 'timeout', request: call.kind, detail };
		}
		return { kind: 'network', request: call.kind, errno };
	}

	/** Redirects of a download are followed here, never by the client: the key stays behind. */
	private async followRedirects(
		response: IN8nHttpFullResponse,
		from: URL,
		call: CallContext,
		signal: AbortSignal,
	): Promise<IN8nHttpFullResponse> {
		let current = response;
		let url = from;
		for (let hops = 0; REDIRECT_STATUSES.has(current.statusCode); hops++) {
			const location = headerValue(current.headers, 'location');
			discard(current.body);
			const target = parseUrl(location, url);
			const problem =
				hops >= MAX_REDIRECTS
					? `it is the ${MAX_REDIRECTS + 1}th redirect in a row`
					: target
						? this.redirectProblem(target, url)
						: 'it is no URL';
			if (!target || problem) {
				throw new Fault({
					kind: 'redirect',
					request: call.kind,
					status: current.statusCode,
					location: location ?? '',
					detail: problem,
				});
			}
			url = target;
			current = await this.send(fileRequest(target), call, signal, false, {
				headersDeadline: true,
			});
		}
		return current;
	}

	private async send(
		options: IHttpRequestOptions,
		call: CallContext,
		signal: AbortSignal,
		authenticated: boolean,
		{ headersDeadline }: { headersDeadline: boolean },
	): Promise<IN8nHttpFullResponse> {
		const request: IHttpRequestOptions = {
			...options,
			...(authenticated ? { baseURL: this.baseUrl } : {}),
			encoding: 'stream',
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			// Redirects are the caller's business: API calls never legitimately redirect (a 301
			// means a wrong Base URL, and following it would turn a POST into a GET), and a
			// download's redirect is followed without the key.
			disableFollowRedirect: true,
			sendCredentialsOnCrossOriginRedirect: false,
			timeout: this.settings.requestTimeoutMs,
			abortSignal: signal,
		};
		// Every file request (each redirect hop too) gets its headers within Request Timeout; an API
		// call's own deadline already covers its headers. (One timer fewer per poll: a deadline's
		// timer lives until it fires, and ten thousand waiting items poll.)
		const headersDue = headersDeadline
			? AbortSignal.timeout(this.settings.requestTimeoutMs)
			: undefined;
		const pending = (
			authenticated
				? this.ctx.helpers.httpRequestWithAuthentication.call(this.ctx, CREDENTIAL_TYPE, request, {
						credentialsDecrypted: this.credentials,
					})
				: this.ctx.helpers.httpRequest(request)
		) as Promise<IN8nHttpFullResponse>;
		const outcome = await settle(
			async () =>
				await unlessAborted(pending, headersDue ? AbortSignal.any([signal, headersDue]) : signal),
		);
		if (outcome.ok) return outcome.value;
		if (headersDue?.aborted && !signal.aborted) {
			const detail = `no answer within ${seconds(this.settings.requestTimeoutMs)} s`;
			throw new Fault({ kind: 'timeout', request: call.kind, detail });
		}
		// A cancel or the call's own deadline is told apart by attempt().
		throw new Fault(this.networkFacts(outcome.error, call));
	}
}

/** An answer, for the request budget: 429 and 503 are CometAPI's answers to overload. */
function answeredAs(status: number, latencyMs?: number): Answered {
	return status === 429 || status === 503 ? { overloaded: true } : { overloaded: false, latencyMs };
}

/** A file is asked for as it is stored: the client decodes gzip on its own, not every encoding. */
function fileRequest(url: URL): IHttpRequestOptions {
	return { method: 'GET', url: url.href, headers: { 'Accept-Encoding': 'identity' } };
}

/** A URL, when the text is one (relative to `base`, where given). */
export function parseUrl(text: string | null | undefined, base?: URL): URL | undefined {
	try {
		return text ? new URL(text, base) : undefined;
	} catch {
		return undefined;
	}
}
