/**
 * Every HTTP call the node makes, one method per CometAPI endpoint. Each call runs inside the
 * key's shared request limit, within a deadline, reads at most a bounded answer, and fails
 * through the retry decision (./retry) and the error catalogue (./errors).
 */
import type {
	IBinaryData,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IN8nHttpFullResponse,
} from 'n8n-workflow';
import { NodeOperationError, sleepWithAbort } from 'n8n-workflow';

import { isJobId, normalizeJob, type VideoJob } from '../helpers/job';
import { limiterFor, type RequestLimiter } from '../helpers/limiter';
import { encodeMultipart, type MultipartPart } from '../helpers/multipart';
import { Pause } from '../helpers/pause';
import { Redactor } from '../helpers/redact';
import { checkBaseUrl, DEFAULT_BASE_URL } from './base-url';
import {
	API_ANSWER_LIMIT,
	discard,
	endWith,
	isUndecoded,
	meterDownload,
	readCapped,
	readErrorText,
	Stalled,
	TooLarge,
	watchProgress,
	type DownloadMeter,
} from './body';
import { ErrorFactory, HINTS, quote, type CallContext } from './errors';
import {
	AttemptFailure,
	classify,
	headerValue,
	serverDelayMs,
	withRetries,
	type FailureFacts,
} from './retry';

export const CREDENTIAL_TYPE = 'cometVideoApi';

export interface TransportSettings {
	maxInFlight: number;
	maxAttempts: number;
	retryBaseDelayMs: number;
	/** The most one API call may take in all, and the longest a download may go without data. */
	requestTimeoutMs: number;
	maxDownloadBytes: number;
}

export type ContentVariant = 'video' | 'thumbnail' | 'spritesheet';

export const CONTENT_TYPES: Record<
	ContentVariant,
	{ mimeType: string; suffix: string; accepts: RegExp }
> = {
	video: { mimeType: 'video/mp4', suffix: '.mp4', accepts: /^(video\/|application\/octet-stream)/ },
	thumbnail: {
		mimeType: 'image/webp',
		suffix: '-thumbnail.webp',
		accepts: /^(image\/|application\/octet-stream)/,
	},
	spritesheet: {
		mimeType: 'image/jpeg',
		suffix: '-spritesheet.jpg',
		accepts: /^(image\/|application\/octet-stream)/,
	},
};

type HttpContext = IExecuteFunctions | ILoadOptionsFunctions;
type BinaryInput = Parameters<IExecuteFunctions['helpers']['prepareBinaryData']>[0];

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;
/** The download's source broke; anything else failing during a download is n8n's store. */
const BROKEN_CONNECTION_ERRNOS = new Set([
	'ECONNRESET',
	'ECONNABORTED',
	'ETIMEDOUT',
	'EPIPE',
	'ERR_STREAM_PREMATURE_CLOSE',
	'Z_BUF_ERROR',
	'Z_DATA_ERROR',
]);
const ERRNO_PATTERN = /^(E[A-Z0-9_]+|ERR_[A-Z0-9_]+)$/;

/** n8n keeps a failed request's errno as `httpCode`; other versions as `code`, or on a cause. */
function networkCode(error: unknown): string | undefined {
	for (let cause = error as IDataObject | undefined, depth = 0; cause && depth < 5; depth++) {
		for (const value of [cause.code, cause.httpCode]) {
			if (typeof value === 'string' && ERRNO_PATTERN.test(value)) return value;
		}
		cause = cause.cause as IDataObject | undefined;
	}
	return undefined;
}

/** In words: n8n replaces any error message that contains a raw errno with stock text. */
function describeNetworkCode(code: string | undefined): string {
	switch (code) {
		case 'ECONNREFUSED':
			return 'the connection was refused';
		case 'ECONNRESET':
		case 'EPIPE':
		case 'ERR_STREAM_PREMATURE_CLOSE':
			return 'the connection was reset';
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
			return 'the host name could not be resolved';
		default:
			return 'the connection failed';
	}
}

function tryJsonObject(text: string): IDataObject | undefined {
	try {
		const value: unknown = JSON.parse(text);
		return value && typeof value === 'object' && !Array.isArray(value)
			? (value as IDataObject)
			: undefined;
	} catch {
		return undefined;
	}
}

function megabytes(bytes: number): string {
	return `${Math.round((bytes / 1024 / 1024) * 100) / 100} MB`;
}

export class CometApiClient {
	readonly errors: ErrorFactory;

	private constructor(
		private readonly ctx: HttpContext,
		private readonly baseUrl: string,
		private readonly settings: TransportSettings,
		private readonly pause: Pause,
		private readonly limiter: RequestLimiter,
		readonly release: () => void,
		redactor: Redactor,
	) {
		this.errors = new ErrorFactory(ctx.getNode(), redactor);
	}

	/**
	 * Reads the credential once, refuses to send the key anywhere unsafe, and joins the key's
	 * request budget in this process; `release()` leaves it when the execution ends.
	 */
	static async connect(
		ctx: HttpContext,
		settings: TransportSettings,
		pause: Pause,
	): Promise<CometApiClient> {
		const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
		const apiKey = String(credentials.apiKey ?? '');
		const check = checkBaseUrl(String(credentials.baseUrl ?? ''), credentials.allowHttp === true);
		if (!check.ok) {
			// Whatever sat before an "@" may be a password: it is not repeated.
			const shown = String(credentials.baseUrl ?? '').replace(/\/\/[^/]*@/, '//…@');
			throw new NodeOperationError(
				ctx.getNode(),
				`The Base URL "${new Redactor(apiKey).text(shown)}" in the Comet Video API credential ${check.problem}`,
				{ description: check.hint },
			);
		}
		const limiter = limiterFor(check.url, apiKey);
		const release = limiter.join(settings.maxInFlight);
		return new CometApiClient(
			ctx,
			check.url,
			settings,
			pause,
			limiter,
			release,
			new Redactor(apiKey),
		);
	}

	get redactor(): Redactor {
		return this.errors.redactor;
	}

	/** `buildParts` runs once a request slot is free, so images are read only just in time. */
	async createVideo(
		buildParts: () => Promise<MultipartPart[]>,
		itemIndex: number,
	): Promise<VideoJob> {
		const call: CallContext = { kind: 'create', itemIndex, action: 'create the video job' };
		const { job } = await this.requestJob(call, async () => {
			const { body, contentType } = encodeMultipart(await buildParts());
			return { method: 'POST', url: '/v1/videos', body, headers: { 'Content-Type': contentType } };
		});
		return job;
	}

	async remixVideo(sourceId: string, prompt: string, itemIndex: number): Promise<VideoJob> {
		const call: CallContext = { kind: 'create', itemIndex, action: `remix video ${sourceId}` };
		const { job } = await this.requestJob(call, async () => ({
			method: 'POST',
			url: `/v1/videos/${encodeURIComponent(sourceId)}/remix`,
			body: JSON.stringify({ prompt }),
			headers: { 'Content-Type': 'application/json' },
		}));
		return job;
	}

	/** The job, and how long the server asks us to wait before the next poll, if it says. */
	async retrieveVideo(
		id: string,
		itemIndex: number,
	): Promise<{ job: VideoJob; serverDelayMs?: number }> {
		const call: CallContext = { kind: 'read', itemIndex, jobId: id, action: 'retrieve the job' };
		const { job, headers } = await this.requestJob(call, async () => ({
			method: 'GET',
			url: `/v1/videos/${encodeURIComponent(id)}`,
		}));
		return { job, serverDelayMs: serverDelayMs(headers) };
	}

	/** The ids of the models the key may use, as `GET /v1/models` lists them. */
	async listModels(): Promise<string[]> {
		const call: CallContext = { kind: 'read', itemIndex: 0, action: 'list the models' };
		const { json } = await this.requestJson(call, async () => ({
			method: 'GET',
			url: '/v1/models',
		}));
		const entries = Array.isArray(json.data) ? (json.data as unknown[]) : [];
		return entries
			.map((entry) => (entry as IDataObject | null)?.id)
			.filter((id): id is string => typeof id === 'string' && id !== '');
	}

	/**
	 * Streams the file into n8n's binary data store: in filesystem mode it never sits whole in
	 * memory. Only a 200 whose type fits the variant is taken; a redirect is followed by our own
	 * code without the key; a body that breaks off, stalls, passes the size limit or differs
	 * from its announced length is a failure, never a file.
	 */
	async downloadContent(
		id: string,
		variant: ContentVariant,
		itemIndex: number,
	): Promise<IBinaryData> {
		const call: CallContext = {
			kind: 'read',
			itemIndex,
			jobId: id,
			action: `download the ${variant}`,
		};
		const path = `/v1/videos/${encodeURIComponent(id)}/content?variant=${variant}`;
		const result = await this.retrying(call, async () => {
			return await this.limiter.run(async () => {
				return await this.attempt(
					call,
					undefined,
					async (signal): Promise<{ file: IBinaryData } | { notReady: Error }> => {
						const response = await this.followRedirects(
							await this.send(
								{ method: 'GET', url: path, headers: { 'Accept-Encoding': 'identity' } },
								call,
								signal,
							),
							new URL(this.baseUrl + path),
							call,
							signal,
						);
						if (response.statusCode >= 300) {
							const failure = this.statusFailure(
								response,
								await readErrorText(response.body),
								call,
							);
							// Explained after this attempt has given back its request slot.
							if (response.statusCode === 400) return { notReady: failure.error };
							throw failure;
						}
						endWith(response.body, signal);
						return { file: await this.storeFile(response, id, variant, call) };
					},
				);
			});
		});
		if ('notReady' in result) throw await this.explainNotReady(result.notReady, call);
		return result.file;
	}

	private async storeFile(
		response: IN8nHttpFullResponse,
		id: string,
		variant: ContentVariant,
		call: CallContext,
	): Promise<IBinaryData> {
		const type = CONTENT_TYPES[variant];
		const contentType = (headerValue(response.headers, 'content-type') ?? '').toLowerCase();
		const notAFile = (what: string) => {
			discard(response.body);
			return this.failure(
				call,
				{ kind: 'not-a-file', request: 'read' },
				`Could not ${call.action}: ${what}`,
				{
					description: HINTS.noPartialFile,
					httpCode: String(response.statusCode),
				},
			);
		};
		if (response.statusCode !== 200) {
			throw notAFile(`CometAPI sent only part of the file (HTTP ${response.statusCode})`);
		}
		if (!type.accepts.test(contentType)) {
			throw notAFile(
				`CometAPI sent ${contentType ? `a ${quote(this.redactor, contentType.split(';')[0])} document` : 'an answer without a type'}, not the ${variant}`,
			);
		}
		if (!isUndecoded(response.body)) {
			throw notAFile(
				'CometAPI sent the file compressed although asked not to, so it cannot be checked for completeness',
			);
		}
		const expectedBytes = Number(headerValue(response.headers, 'content-length') ?? NaN);
		if (expectedBytes > this.settings.maxDownloadBytes) {
			discard(response.body);
			throw this.tooLarge(call, expectedBytes);
		}
		const mimeType = /^(video|image)\/[\w.+-]+$/.test(contentType.split(';')[0])
			? contentType.split(';')[0]
			: type.mimeType;
		const meter = meterDownload(response.body, this.settings.maxDownloadBytes);
		const finished = new AbortController();
		void watchProgress(response.body, meter, this.settings.requestTimeoutMs, finished.signal);
		let binary: IBinaryData;
		try {
			binary = await (this.ctx as IExecuteFunctions).helpers.prepareBinaryData(
				response.body as BinaryInput,
				`${id}${type.suffix}`,
				mimeType,
			);
		} catch (error) {
			const sourceBroke = !!(response.body as { errored?: unknown }).errored;
			throw this.storeFailure(error, sourceBroke, meter, call, expectedBytes);
		} finally {
			finished.abort();
		}
		const stored = binary.bytes ?? meter.bytes;
		if (Number.isFinite(expectedBytes) && stored < expectedBytes) {
			throw this.truncated(
				call,
				`the file broke off before ${expectedBytes} bytes (${stored} received)`,
			);
		}
		if (Number.isFinite(expectedBytes) && stored > expectedBytes) {
			// More than announced: a body encoded although we asked for none, or not the file.
			throw this.failure(
				call,
				{ kind: 'not-a-file', request: 'read' },
				`Could not ${call.action}: ${stored} bytes arrived where ${expectedBytes} were announced`,
				{
					description: HINTS.noPartialFile,
				},
			);
		}
		return binary;
	}

	private storeFailure(
		error: unknown,
		sourceBroke: boolean,
		meter: DownloadMeter,
		call: CallContext,
		expectedBytes: number,
	): AttemptFailure | Error {
		if (this.pause.isCancelled) return this.cancelled(call);
		if (meter.stoppedBy instanceof TooLarge) return this.tooLarge(call, meter.bytes);
		if (meter.stoppedBy instanceof Stalled) {
			const seconds = Math.round(this.settings.requestTimeoutMs / 1000);
			return this.truncated(
				call,
				`the download was too slow: fewer than 64 kB arrived in ${seconds} s`,
			);
		}
		const message = (error as Error)?.message ?? String(error);
		// Only a broken connection is worth downloading again; a failing store is not.
		if (sourceBroke || BROKEN_CONNECTION_ERRNOS.has(networkCode(error) ?? '')) {
			const expected = Number.isFinite(expectedBytes) ? `${expectedBytes} bytes` : 'its end';
			return this.truncated(
				call,
				`the file broke off before ${expected} (${meter.bytes} received)`,
			);
		}
		const databaseCap = /database/i.test(message) && /size|limit/i.test(message);
		return this.errors.operation(
			call,
			`Could not store the downloaded ${call.action.replace(/^download the /, '')} in n8n: ${quote(this.redactor, message)}`,
			databaseCap ? HINTS.databaseCap : HINTS.storage,
		);
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
			let target: URL | undefined;
			try {
				target = location ? new URL(location, url) : undefined;
			} catch {
				target = undefined;
			}
			if (!target || !/^https?:$/.test(target.protocol) || hops >= MAX_REDIRECTS) {
				throw this.failure(
					call,
					{ kind: 'not-a-file', request: 'read' },
					`Could not ${call.action}: CometAPI answered with ${hops >= MAX_REDIRECTS ? 'too many redirects' : `a redirect the node cannot follow (${quote(this.redactor, location ?? 'no Location')})`}`,
					{ httpCode: String(current.statusCode) },
				);
			}
			url = target;
			current = await this.send(
				{ method: 'GET', url: target.href, headers: { 'Accept-Encoding': 'identity' } },
				call,
				signal,
				{ authenticated: false },
			);
		}
		return current;
	}

	/** Content asked for too early answers 400: say what state the job is in instead. */
	private async explainNotReady(error: Error, call: CallContext): Promise<Error> {
		const id = call.jobId as string;
		let job: VideoJob;
		try {
			({ job } = await this.retrieveVideo(id, call.itemIndex));
		} catch {
			return error;
		}
		if (job.status === 'completed') return error;
		const progress = job.progress === null ? '' : ` (${job.progress}%)`;
		const failed = job.status === 'failed' || job.status === 'error';
		return this.errors.api(
			call,
			`Video ${id} is not ready to download: its status is "${quote(this.redactor, job.status)}"${progress}`,
			{
				description: failed
					? `The job failed${job.error?.message ? `: ${quote(this.redactor, job.error.message)}` : ''}. Create a new one.`
					: HINTS.notReady,
				httpCode: '400',
			},
		);
	}

	private async requestJob(
		call: CallContext,
		options: () => Promise<IHttpRequestOptions>,
	): Promise<{ job: VideoJob; headers: IDataObject }> {
		const { json, headers, text } = await this.requestJson(call, options);
		const job = normalizeJob(json);
		if (!isJobId(job.id)) {
			throw this.errors.api(
				call,
				`CometAPI's answer to "${call.action}" carries no ${job.id ? 'valid ' : ''}job id${call.kind === 'create' ? ', and a job may have been created' : ''}`,
				{
					description: `It said: ${quote(this.redactor, text)}${call.kind === 'create' ? ` ${HINTS.maybeCreated}` : ''}`,
				},
			);
		}
		return { job, headers };
	}

	/** One JSON call: within the key's limit and the deadline, retried as the policy says. */
	private async requestJson(
		call: CallContext,
		options: () => Promise<IHttpRequestOptions>,
	): Promise<{ json: IDataObject; headers: IDataObject; text: string }> {
		return await this.retrying(call, async () => {
			return await this.limiter.run(async () => {
				const request = await options();
				return await this.attempt(call, this.settings.requestTimeoutMs, async (signal) => {
					const response = await this.send(request, call, signal);
					endWith(response.body, signal);
					let text: string;
					try {
						text = await readCapped(response.body, API_ANSWER_LIMIT);
					} catch (error) {
						// A body that breaks off mid-read is a network failure like any other.
						throw error instanceof TooLarge
							? this.tooLarge(call, undefined, response.statusCode)
							: this.networkFailure(error, call);
					}
					if (response.statusCode >= 300) throw this.statusFailure(response, text, call);
					return { json: this.parseObject(response, text, call), headers: response.headers, text };
				});
			});
		});
	}

	private async retrying<T>(call: CallContext, attempt: () => Promise<T>): Promise<T> {
		return await withRetries(
			{
				maxAttempts: this.settings.maxAttempts,
				baseDelayMs: this.settings.retryBaseDelayMs,
				pause: async (ms) => await this.pause.for(ms),
			},
			attempt,
		).catch((error: unknown) => {
			throw this.errors.wrap(error, call.itemIndex);
		});
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
		const finished = new AbortController();
		const untrack = this.pause.track(request);
		let timedOut = false;
		if (deadlineMs !== undefined) {
			sleepWithAbort(deadlineMs, finished.signal).then(
				() => {
					timedOut = true;
					request.abort();
				},
				() => undefined,
			);
		}
		try {
			return await run(request.signal);
		} catch (error) {
			if (this.pause.isCancelled) throw this.cancelled(call);
			if (timedOut) {
				const seconds = Math.round((deadlineMs as number) / 1000);
				throw this.failure(
					call,
					{ kind: 'timeout', request: call.kind },
					`Could not ${call.action}: no answer within ${seconds} s, or not all of it: the answer took too long${call.kind === 'create' ? ', and a job may have been created' : ''}`,
					{
						description:
							call.kind === 'create'
								? HINTS.maybeCreated
								: `Check that ${this.baseUrl} is reachable from n8n, or raise "Request Timeout (Seconds)".`,
					},
				);
			}
			throw this.attemptFailureOf(error, call);
		} finally {
			finished.abort();
			untrack();
		}
	}

	private async send(
		options: IHttpRequestOptions,
		call: CallContext,
		signal: AbortSignal,
		{ authenticated = true } = {},
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
		try {
			const response = authenticated
				? await this.ctx.helpers.httpRequestWithAuthentication.call(
						this.ctx,
						CREDENTIAL_TYPE,
						request,
					)
				: await this.ctx.helpers.httpRequest(request);
			return response as IN8nHttpFullResponse;
		} catch (error) {
			// A timeout or cancel that caused this is told apart by attempt().
			throw this.networkFailure(error, call);
		}
	}

	/** What broke an attempt: our own verdict, or else the connection (a body cut mid-read). */
	private attemptFailureOf(error: unknown, call: CallContext): AttemptFailure {
		return error instanceof AttemptFailure ? error : this.networkFailure(error, call);
	}

	private networkFailure(error: unknown, call: CallContext): AttemptFailure {
		const errno = networkCode(error);
		const timedOut = errno === 'ECONNABORTED' || errno === 'ETIMEDOUT';
		const facts: FailureFacts = timedOut
			? { kind: 'timeout', request: call.kind }
			: { kind: 'network', request: call.kind, errno };
		const { mayHaveCreated, nothingSent } = classify(facts);
		const reason = timedOut
			? `no answer within ${Math.round(this.settings.requestTimeoutMs / 1000)} s`
			: describeNetworkCode(errno);
		const codeNote = errno ? ` (network error ${errno})` : '';
		if (mayHaveCreated) {
			return this.failure(
				call,
				facts,
				`Could not ${call.action}: ${reason}, and a job may have been created`,
				{
					description: `${HINTS.maybeCreated}${codeNote}`,
				},
			);
		}
		return this.failure(call, facts, `Could not ${call.action}: ${reason}`, {
			description: `${call.kind === 'create' && nothingSent ? `${HINTS.nothingSent} ` : ''}Check that ${this.baseUrl} is reachable from n8n${codeNote}.`,
		});
	}

	private statusFailure(
		response: IN8nHttpFullResponse,
		text: string,
		call: CallContext,
	): AttemptFailure {
		const status = response.statusCode;
		const envelope = tryJsonObject(text);
		const apiError = (
			envelope?.error && typeof envelope.error === 'object' ? envelope.error : {}
		) as IDataObject;
		const apiCode = typeof apiError.code === 'string' ? apiError.code : '';
		const facts: FailureFacts = { kind: 'status', request: call.kind, status, apiCode };
		const { mayHaveCreated, retry } = classify(facts);
		let message: string;
		let description: string | undefined;
		if (typeof apiError.message === 'string' && apiError.message) {
			message = `CometAPI could not ${call.action}: ${quote(this.redactor, apiError.message)}`;
		} else if (envelope === undefined && status < 500) {
			message = `CometAPI could not ${call.action}: the answer (HTTP ${status}) was not an API response`;
			description = this.baseUrlHint(response);
		} else {
			message = `CometAPI could not ${call.action} (HTTP ${status})`;
		}
		if (status === 401) description = HINTS.checkKey;
		if (mayHaveCreated) {
			message += ', and a job may have been created';
			description = HINTS.maybeCreated;
		}
		return this.failure(call, facts, message, {
			description,
			httpCode: String(status),
			apiError,
			retryAfterMs: retry ? serverDelayMs(response.headers) : undefined,
		});
	}

	private parseObject(
		response: IN8nHttpFullResponse,
		text: string,
		call: CallContext,
	): IDataObject {
		const parsed = tryJsonObject(text);
		if (parsed !== undefined) return parsed;
		const claimedJson = /json/i.test(headerValue(response.headers, 'content-type') ?? '');
		const facts: FailureFacts = { kind: 'unreadable', request: call.kind, claimedJson };
		const { mayHaveCreated } = classify(facts);
		const message = claimedJson
			? `CometAPI's answer to "${call.action}" was cut off or malformed JSON`
			: `CometAPI's answer to "${call.action}" was not JSON (HTTP ${response.statusCode})`;
		const baseUrlHint = claimedJson ? '' : `${this.baseUrlHint(response)} `;
		throw this.failure(
			call,
			facts,
			mayHaveCreated ? `${message}, and a job may have been created` : message,
			{
				description:
					`${baseUrlHint}${mayHaveCreated ? HINTS.maybeCreated : ''}`.trim() || undefined,
			},
		);
	}

	private tooLarge(call: CallContext, bytes?: number, status?: number): AttemptFailure {
		const facts: FailureFacts = { kind: 'too-large', request: call.kind, status };
		const { mayHaveCreated } = classify(facts);
		if (call.action.startsWith('download')) {
			return this.failure(
				call,
				facts,
				`Could not ${call.action}: the file is larger than ${megabytes(this.settings.maxDownloadBytes)}${bytes ? ` (${megabytes(bytes)} or more)` : ''}`,
				{
					description:
						'Raise "Max Download Size (MB)" in the Options if the file is expected to be this large. No partial file was passed on.',
				},
			);
		}
		return this.failure(
			call,
			facts,
			`CometAPI's answer to "${call.action}" was larger than ${megabytes(API_ANSWER_LIMIT)}, the most the node reads${mayHaveCreated ? ', and a job may have been created' : ''}`,
			{
				description: mayHaveCreated
					? HINTS.maybeCreated
					: `Check the Base URL (${this.baseUrl}): an API answer is never this large.`,
			},
		);
	}

	/** The body broke off, stalled or came short: retried, and never passed on as a file. */
	private truncated(call: CallContext, what: string): AttemptFailure {
		return this.failure(
			call,
			{ kind: 'truncated', request: 'read' },
			`Could not ${call.action}: ${what}`,
			{
				description: HINTS.noPartialFile,
			},
		);
	}

	private failure(
		call: CallContext,
		facts: FailureFacts,
		message: string,
		extra: {
			description?: string;
			httpCode?: string;
			apiError?: IDataObject;
			retryAfterMs?: number;
		} = {},
	): AttemptFailure {
		return new AttemptFailure(
			this.errors.api(call, message, extra),
			classify(facts),
			extra.retryAfterMs,
		);
	}

	private baseUrlHint(response: IN8nHttpFullResponse): string {
		const location = headerValue(response.headers, 'location');
		const type = location
			? `a redirect to ${quote(this.redactor, location)}`
			: (headerValue(response.headers, 'content-type') ?? 'no content type');
		return `It sent ${quote(this.redactor, type)}, which usually means the Base URL in the Comet Video API credential (${this.baseUrl}) points at a web page, not the API. The usual value is ${DEFAULT_BASE_URL}.`;
	}

	private cancelled(call: CallContext): Error {
		const jobNote = call.jobId
			? ` The job ${call.jobId} keeps running at CometAPI.`
			: call.kind === 'create'
				? ` ${HINTS.maybeCreated}`
				: '';
		return this.errors.operation(
			{ itemIndex: call.itemIndex },
			'Stopped before CometAPI answered: the execution was cancelled',
			`The request was to ${call.action}.${jobNote}`,
		);
	}
}

export type { CallContext } from './errors';
