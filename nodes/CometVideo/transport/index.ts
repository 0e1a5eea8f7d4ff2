/**
 * Every HTTP call the node makes to CometAPI, and the policy around them: the request limit,
 * retries that never risk a second paid job, error messages that carry the job id, and the key
 * kept out of anything the user can read.
 */
import type {
	IBinaryData,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { normalizeJob, type VideoJob } from '../helpers/job';
import { RequestLimiter } from '../helpers/limiter';
import { encodeMultipart, type MultipartPart } from '../helpers/multipart';
import type { Pause } from '../helpers/pause';

const CREDENTIAL_TYPE = 'cometVideoApi';
const DEFAULT_BASE_URL = 'https://api.cometapi.com';

export interface TransportSettings {
	maxInFlight: number;
	maxAttempts: number;
	retryBaseDelayMs: number;
	requestTimeoutMs: number;
}

export type ContentVariant = 'video' | 'thumbnail' | 'spritesheet';

/** A create costs money: it is repeated only where the server certainly did not take it. */
type RequestKind = 'create' | 'read';

type BinaryInput = Parameters<IExecuteFunctions['helpers']['prepareBinaryData']>[0];

const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504, 524]);
const RETRYABLE_NETWORK_CODES = new Set([
	'ECONNRESET',
	'ECONNREFUSED',
	'ECONNABORTED',
	'ETIMEDOUT',
	'EPIPE',
	'EAI_AGAIN',
	'ENETUNREACH',
	'EHOSTUNREACH',
	'ERR_STREAM_PREMATURE_CLOSE',
]);
const MAX_BACKOFF_MS = 30_000;
const MAX_RETRY_AFTER_MS = 120_000;
const ERROR_BODY_LIMIT = 64 * 1024;

export const CONTENT_TYPES: Record<ContentVariant, { mimeType: string; suffix: string }> = {
	video: { mimeType: 'video/mp4', suffix: '.mp4' },
	thumbnail: { mimeType: 'image/webp', suffix: '-thumbnail.webp' },
	spritesheet: { mimeType: 'image/jpeg', suffix: '-spritesheet.jpg' },
};

/** One attempt's failure, with what the retry loop needs to decide. */
class AttemptFailure extends Error {
	constructor(
		readonly error: NodeApiError | NodeOperationError,
		readonly retryable: boolean,
		readonly retryAfterMs?: number,
	) {
		super(error.message);
	}
}

interface CallContext {
	kind: RequestKind;
	itemIndex: number;
	/** The job the call concerns, once one exists: every error names it. */
	jobId?: string;
	/** What the call does, for messages ("create the video job"). */
	action: string;
}

/** Keep in step with the same rule in the credential's test request. */
function isLoopback(hostname: string): boolean {
	return (
		hostname === 'localhost' ||
		hostname === '[::1]' ||
		hostname === '::1' ||
		/^127(\.\d{1,3}){3}$/.test(hostname)
	);
}

function headerValue(headers: IDataObject | undefined, name: string): string | undefined {
	const value = headers?.[name];
	return Array.isArray(value) ? String(value[0]) : value === undefined ? undefined : String(value);
}

/** `Retry-After` (seconds or an HTTP date) or OpenAI's `openai-poll-after-ms`, in ms. */
export function serverDelayMs(headers: IDataObject | undefined): number | undefined {
	const pollAfter = Number(headerValue(headers, 'openai-poll-after-ms'));
	if (Number.isFinite(pollAfter) && pollAfter > 0) return pollAfter;
	const retryAfter = headerValue(headers, 'retry-after');
	if (retryAfter === undefined) return undefined;
	const seconds = Number(retryAfter);
	if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
	const date = Date.parse(retryAfter);
	return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

const ERRNO_PATTERN = /^(E[A-Z0-9_]+|ERR_[A-Z0-9_]+)$/;

function networkCode(error: unknown): string | undefined {
	// n8n wraps the client's error in a NodeApiError that keeps the errno as its `httpCode`;
	// other versions keep it as `code` on the error or down its cause chain.
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

async function readText(body: unknown, limit = ERROR_BODY_LIMIT): Promise<string> {
	if (typeof body === 'string') return body;
	if (Buffer.isBuffer(body)) return body.toString('utf8');
	if (!body || typeof (body as AsyncIterable<Buffer>)[Symbol.asyncIterator] !== 'function')
		return '';
	const chunks: Buffer[] = [];
	let size = 0;
	try {
		for await (const chunk of body as AsyncIterable<Buffer>) {
			chunks.push(chunk);
			size += chunk.length;
			if (size >= limit) break;
		}
	} catch {
		// A body that breaks off mid-error still says what it said so far.
	}
	return Buffer.concat(chunks).toString('utf8').slice(0, limit);
}

export class CometApiClient {
	private readonly limiter: RequestLimiter;

	private constructor(
		private readonly ctx: IExecuteFunctions,
		private readonly baseUrl: string,
		private readonly apiKey: string,
		private readonly settings: TransportSettings,
		private readonly pause: Pause,
	) {
		this.limiter = new RequestLimiter(settings.maxInFlight);
	}

	/** Reads the credential once and refuses to send the key anywhere unsafe. */
	static async connect(
		ctx: IExecuteFunctions,
		settings: TransportSettings,
		pause: Pause,
	): Promise<CometApiClient> {
		const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
		const apiKey = String(credentials.apiKey ?? '');
		const rawBaseUrl = String(credentials.baseUrl || DEFAULT_BASE_URL)
			.trim()
			.replace(/\/+$/, '');
		let url: URL;
		try {
			url = new URL(rawBaseUrl);
		} catch {
			throw new NodeOperationError(
				ctx.getNode(),
				`The Base URL "${rawBaseUrl}" in the CometAPI credential is not a valid URL`,
				{ description: `Use ${DEFAULT_BASE_URL}, or the full URL of your gateway.` },
			);
		}
		if (url.protocol === 'http:' && !isLoopback(url.hostname) && credentials.allowHttp !== true) {
			throw new NodeOperationError(
				ctx.getNode(),
				`The CometAPI credential's Base URL uses plain HTTP (${url.host}): the API key would travel unencrypted`,
				{
					description:
						'Use an https:// Base URL. For a self-hosted gateway on a private network, tick "Allow Plain HTTP" in the credential.',
				},
			);
		}
		if (url.protocol !== 'http:' && url.protocol !== 'https:') {
			throw new NodeOperationError(
				ctx.getNode(),
				`The Base URL "${rawBaseUrl}" in the CometAPI credential must start with https://`,
			);
		}
		return new CometApiClient(ctx, rawBaseUrl, apiKey, settings, pause);
	}

	async createVideo(parts: MultipartPart[], itemIndex: number): Promise<VideoJob> {
		const { body, contentType } = encodeMultipart(parts);
		return await this.requestJob(
			{ method: 'POST', url: '/v1/videos', body, headers: { 'Content-Type': contentType } },
			{ kind: 'create', itemIndex, action: 'create the video job' },
		);
	}

	async remixVideo(sourceId: string, prompt: string, itemIndex: number): Promise<VideoJob> {
		return await this.requestJob(
			{
				method: 'POST',
				url: `/v1/videos/${encodeURIComponent(sourceId)}/remix`,
				body: JSON.stringify({ prompt }),
				headers: { 'Content-Type': 'application/json' },
			},
			{ kind: 'create', itemIndex, action: `remix video ${sourceId}` },
		);
	}

	/** The job, and how long the server asks us to wait before the next poll, if it says. */
	async retrieveVideo(
		id: string,
		itemIndex: number,
	): Promise<{ job: VideoJob; serverDelayMs?: number }> {
		let delay: number | undefined;
		const job = await this.requestJob(
			{ method: 'GET', url: `/v1/videos/${encodeURIComponent(id)}` },
			{ kind: 'read', itemIndex, jobId: id, action: 'retrieve the job' },
			(headers) => (delay = serverDelayMs(headers)),
		);
		return { job, serverDelayMs: delay };
	}

	/**
	 * Streams the file from the socket into n8n's binary data store; in filesystem mode it never
	 * sits whole in memory. A body shorter than its Content-Length is a failure, never a video.
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
		const { mimeType, suffix } = CONTENT_TYPES[variant];
		const result = await this.withRetries(
			async (): Promise<{ file: IBinaryData } | { notReady: NodeApiError }> => {
				const response = await this.send(
					{
						method: 'GET',
						url: `/v1/videos/${encodeURIComponent(id)}/content`,
						qs: { variant },
						encoding: 'stream',
					},
					call,
				);
				if (response.statusCode >= 300) {
					const failure = this.httpFailure(response, await readText(response.body), call);
					// Explained after this attempt has given back its request slot.
					if (response.statusCode === 400) return { notReady: failure.error as NodeApiError };
					throw failure;
				}
				const expectedBytes = Number(headerValue(response.headers, 'content-length'));
				let binary: IBinaryData;
				try {
					binary = await this.ctx.helpers.prepareBinaryData(
						response.body as BinaryInput,
						`${id}${suffix}`,
						mimeType,
					);
				} catch (error) {
					if (this.pause.isCancelled) throw this.cancelled(call);
					const code = networkCode(error);
					// Only a broken connection is worth downloading again; a failing store is not.
					if (code) throw this.truncated(call, expectedBytes, undefined);
					throw this.fail(
						call,
						false,
						`Could not store the downloaded file in n8n: ${(error as Error).message}`,
						{
							description: "Check n8n's binary data storage (disk space, permissions).",
						},
					);
				}
				// n8n counts what it stored; a body that ended cleanly but short is still broken.
				const storedBytes = binary.bytes;
				if (
					Number.isFinite(expectedBytes) &&
					storedBytes !== undefined &&
					storedBytes < expectedBytes
				) {
					throw this.truncated(call, expectedBytes, storedBytes);
				}
				return { file: binary };
			},
		);
		if ('notReady' in result) throw await this.explainNotReady(result.notReady, call);
		return result.file;
	}

	/** Content asked for too early answers 400: say what state the job is in instead. */
	private async explainNotReady(error: NodeApiError, call: CallContext): Promise<Error> {
		const id = call.jobId as string;
		let job: VideoJob;
		try {
			({ job } = await this.retrieveVideo(id, call.itemIndex));
		} catch {
			return error;
		}
		if (job.status === 'completed') return error;
		const progress = job.progress === null ? '' : ` (${job.progress}%)`;
		return new NodeApiError(this.ctx.getNode(), { message: error.message } as JsonObject, {
			message: `Video ${id} is not ready to download: its status is "${job.status}"${progress}`,
			description:
				job.status === 'failed' || job.status === 'error'
					? `The job failed${job.error?.message ? `: ${this.redact(job.error.message)}` : ''}. Create a new one.`
					: 'Download it once Retrieve shows status "completed", or turn on "Wait for Completion".',
			httpCode: '400',
			itemIndex: call.itemIndex,
		});
	}

	private async requestJob(
		options: IHttpRequestOptions,
		call: CallContext,
		onHeaders?: (headers: IDataObject) => void,
	): Promise<VideoJob> {
		return await this.withRetries(async () => {
			// API calls never legitimately redirect: a 301 means a wrong Base URL, and following it
			// would turn a POST into a GET.
			const response = await this.send(
				{ ...options, encoding: 'text', disableFollowRedirect: true },
				call,
			);
			const text = await readText(response.body, Infinity);
			if (response.statusCode >= 300) throw this.httpFailure(response, text, call);
			const raw = this.parseJson(response, text, call);
			const job = normalizeJob(raw);
			if (!job.id) {
				throw this.fail(call, false, `CometAPI's answer to "${call.action}" carries no job id`, {
					description: `It said: ${this.redact(text.slice(0, 300))}${call.kind === 'create' ? ` ${this.maybeCreatedHint()}` : ''}`,
				});
			}
			onHeaders?.(response.headers);
			return job;
		});
	}

	private async withRetries<T>(attempt: () => Promise<T>): Promise<T> {
		for (let attemptNumber = 1; ; attemptNumber++) {
			try {
				return await this.limiter.run(attempt);
			} catch (error) {
				if (!(error instanceof AttemptFailure)) throw this.asNodeError(error);
				if (!error.retryable || attemptNumber >= this.settings.maxAttempts) {
					if (error.retryable && attemptNumber > 1) {
						error.error.description =
							`${error.error.description ?? ''} (gave up after ${attemptNumber} attempts)`.trim();
					}
					throw error.error;
				}
				await this.pause.for(error.retryAfterMs ?? this.backoffMs(attemptNumber));
			}
		}
	}

	/** CometAPI's guidance: min(30 s, base · 2^n) plus up to a second of jitter. */
	private backoffMs(attemptNumber: number): number {
		const exponential = this.settings.retryBaseDelayMs * 2 ** (attemptNumber - 1);
		return (
			Math.min(MAX_BACKOFF_MS, exponential) +
			Math.random() * Math.min(1000, this.settings.retryBaseDelayMs)
		);
	}

	private async send(
		options: IHttpRequestOptions,
		call: CallContext,
	): Promise<IN8nHttpFullResponse> {
		try {
			return (await this.ctx.helpers.httpRequestWithAuthentication.call(this.ctx, CREDENTIAL_TYPE, {
				...options,
				baseURL: this.baseUrl,
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				// A redirect to a storage host must not carry the key with it.
				sendCredentialsOnCrossOriginRedirect: false,
				timeout: this.settings.requestTimeoutMs,
			})) as IN8nHttpFullResponse;
		} catch (error) {
			if (this.pause.isCancelled) throw this.cancelled(call);
			throw this.networkFailure(error, call);
		}
	}

	private networkFailure(error: unknown, call: CallContext): AttemptFailure {
		const code = networkCode(error);
		const timedOut = code === 'ECONNABORTED' || code === 'ETIMEDOUT';
		const reason = timedOut
			? `no answer within ${Math.round(this.settings.requestTimeoutMs / 1000)} s`
			: describeNetworkCode(code);
		const codeNote = code ? ` (network error ${code})` : '';
		// Refused means nothing reached the server, so even a create is safe to send again.
		const certainlyNotSent = code === 'ECONNREFUSED';
		if (call.kind === 'create' && !certainlyNotSent) {
			return this.fail(
				call,
				false,
				`Could not ${call.action}: ${reason}, and a job may have been created`,
				{
					description: `${this.maybeCreatedHint()}${codeNote}`,
				},
			);
		}
		return this.fail(
			call,
			RETRYABLE_NETWORK_CODES.has(code ?? ''),
			`Could not ${call.action}: ${reason}`,
			{
				description: `Check that ${this.baseUrl} is reachable from n8n${codeNote}.`,
			},
		);
	}

	private httpFailure(
		response: IN8nHttpFullResponse,
		text: string,
		call: CallContext,
	): AttemptFailure {
		const status = response.statusCode;
		const envelope = this.tryJson(text);
		const apiError = (
			envelope?.error && typeof envelope.error === 'object' ? envelope.error : {}
		) as IDataObject;
		const apiCode = typeof apiError.code === 'string' ? apiError.code : '';
		const transient =
			RETRYABLE_STATUSES.has(status) && !(status === 500 && apiCode === 'invalid_request');
		// Only a 429 proves a create was turned away; after a 5xx a job may exist.
		const retryable = call.kind === 'create' ? status === 429 : transient;
		let message: string;
		let description: string | undefined;
		if (typeof apiError.message === 'string' && apiError.message) {
			message = `CometAPI could not ${call.action}: ${apiError.message}`;
		} else if (envelope === undefined && status < 500) {
			message = `CometAPI could not ${call.action}: the answer (HTTP ${status}) was not an API response`;
			description = this.baseUrlHint(response);
		} else {
			message = `CometAPI could not ${call.action} (HTTP ${status})`;
		}
		if (status === 401) description = 'Check the API key in the CometAPI credential.';
		if (call.kind === 'create' && transient && status !== 429) {
			message += ', and a job may have been created';
			description = this.maybeCreatedHint();
		}
		return this.fail(call, retryable, message, {
			description,
			httpCode: String(status),
			retryAfterMs: retryable ? this.cappedServerDelay(response.headers) : undefined,
			apiError,
		});
	}

	private cappedServerDelay(headers: IDataObject): number | undefined {
		const delay = serverDelayMs(headers);
		return delay === undefined ? undefined : Math.min(delay, MAX_RETRY_AFTER_MS);
	}

	/** The body broke off or came short: retried, and never passed on as a video. */
	private truncated(call: CallContext, expected: number, received?: number): AttemptFailure {
		const expectedText = Number.isFinite(expected) ? `${expected} bytes` : 'its end';
		const receivedText = received === undefined ? '' : ` (${received} received)`;
		return this.fail(
			call,
			true,
			`Could not ${call.action}: the file broke off before ${expectedText}${receivedText}`,
			{
				description: 'No partial file was passed on. Run the Download operation again with the id.',
			},
		);
	}

	private parseJson(response: IN8nHttpFullResponse, text: string, call: CallContext): IDataObject {
		const parsed = this.tryJson(text);
		if (parsed !== undefined) return parsed;
		const looksJson = /json/i.test(headerValue(response.headers, 'content-type') ?? '');
		const message = looksJson
			? `CometAPI's answer to "${call.action}" was cut off or malformed JSON`
			: `CometAPI's answer to "${call.action}" was not JSON (HTTP ${response.statusCode})`;
		if (call.kind === 'create') {
			// The server said 2xx: the job most likely exists, we just cannot read its id.
			throw this.fail(call, false, `${message}, and a job may have been created`, {
				description: `${looksJson ? '' : this.baseUrlHint(response) + ' '}${this.maybeCreatedHint()}`,
			});
		}
		throw this.fail(call, looksJson, message, {
			description: looksJson ? undefined : this.baseUrlHint(response),
		});
	}

	private tryJson(text: string): IDataObject | undefined {
		try {
			const value: unknown = JSON.parse(text);
			return value && typeof value === 'object' && !Array.isArray(value)
				? (value as IDataObject)
				: undefined;
		} catch {
			return undefined;
		}
	}

	private baseUrlHint(response: IN8nHttpFullResponse): string {
		const location = headerValue(response.headers, 'location');
		const type = location
			? `a redirect to ${location}`
			: (headerValue(response.headers, 'content-type') ?? 'no content type');
		return `It sent ${type}, which usually means the Base URL in the CometAPI credential (${this.baseUrl}) points at a web page, not the API. The usual value is ${DEFAULT_BASE_URL}.`;
	}

	private maybeCreatedHint(): string {
		return 'The request may have reached CometAPI, so it was not sent again: a second attempt could create (and bill) a second job. Check the task log in your CometAPI console before running this item again.';
	}

	private fail(
		call: CallContext,
		retryable: boolean,
		message: string,
		extra: {
			description?: string;
			httpCode?: string;
			retryAfterMs?: number;
			apiError?: IDataObject;
		} = {},
	): AttemptFailure {
		const jobNote = call.jobId ? ` [job ${call.jobId}]` : '';
		const error = new NodeApiError(
			this.ctx.getNode(),
			{
				message: this.redact(message),
				...(extra.apiError ? { error: this.redactObject(extra.apiError) } : {}),
			} as JsonObject,
			{
				message: this.redact(message) + jobNote,
				description: extra.description ? this.redact(extra.description) : undefined,
				httpCode: extra.httpCode,
				itemIndex: call.itemIndex,
			},
		);
		if (call.jobId) error.context.jobId = call.jobId;
		return new AttemptFailure(error, retryable, extra.retryAfterMs);
	}

	private cancelled(call: CallContext): NodeOperationError {
		const jobNote = call.jobId
			? ` The job ${call.jobId} keeps running at CometAPI.`
			: call.kind === 'create'
				? ` ${this.maybeCreatedHint()}`
				: '';
		return new NodeOperationError(
			this.ctx.getNode(),
			`Stopped before CometAPI answered: the execution was cancelled`,
			{
				description: `The request was to ${call.action}.${jobNote}`,
				itemIndex: call.itemIndex,
			},
		);
	}

	/** Errors that are not n8n's own (a cancelled pause, a bug) still reach the user as n8n errors. */
	private asNodeError(error: unknown): NodeApiError | NodeOperationError {
		if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
		return new NodeOperationError(this.ctx.getNode(), error as Error);
	}

	/** Servers sometimes echo the key they were sent; it must not reach execution logs. */
	redact(text: string): string {
		return this.apiKey.length >= 4 ? text.split(this.apiKey).join('***') : text;
	}

	private redactObject(value: IDataObject): IDataObject {
		return JSON.parse(this.redact(JSON.stringify(value))) as IDataObject;
	}
}
