/**
 * What went wrong with one attempt, in the user's words: each builder states the facts to the
 * retry decision (./retry) and takes its message and hint from the catalogue (./errors).
 */
import type { IDataObject, IN8nHttpFullResponse } from 'n8n-workflow';

import type { VideoJob } from '../helpers/job';
import { API_ANSWER_LIMIT, Stalled, TooLarge, type DownloadMeter } from './body';
import { DEFAULT_BASE_URL } from './base-url';
import { HINTS, quote, type CallContext, type ErrorFactory } from './errors';
import { AttemptFailure, classify, headerValue, serverDelayMs, type FailureFacts } from './retry';

const ERRNO_PATTERN = /^(E[A-Z0-9_]+|ERR_[A-Z0-9_]+)$/;
/** A download's source broke; anything else failing while storing it is n8n's store. */
const BROKEN_CONNECTION_ERRNOS = new Set([
	'ECONNRESET',
	'ECONNABORTED',
	'ETIMEDOUT',
	'EPIPE',
	'ERR_STREAM_PREMATURE_CLOSE',
	'Z_BUF_ERROR',
	'Z_DATA_ERROR',
]);

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

function megabytes(bytes: number): string {
	return `${Math.round((bytes / 1024 / 1024) * 100) / 100} MB`;
}

const seconds = (ms: number) => Math.round(ms / 1000);

export class Failures {
	constructor(
		readonly errors: ErrorFactory,
		private readonly baseUrl: string,
		private readonly limits: { requestTimeoutMs: number; maxDownloadBytes: number },
	) {}

	/** What broke an attempt: our own verdict, or else the connection (a body cut mid-read). */
	of(error: unknown, call: CallContext): AttemptFailure {
		return error instanceof AttemptFailure ? error : this.network(error, call);
	}

	network(error: unknown, call: CallContext): AttemptFailure {
		const errno = networkCode(error);
		if (errno === 'ECONNABORTED' || errno === 'ETIMEDOUT') {
			return this.timeout(call, `no answer within ${seconds(this.limits.requestTimeoutMs)} s`);
		}
		const facts: FailureFacts = { kind: 'network', request: call.kind, errno };
		const { mayHaveCreated, nothingSent } = classify(facts);
		const reason = describeNetworkCode(errno);
		const codeNote = errno ? ` (network error ${errno})` : '';
		if (mayHaveCreated) {
			return this.failure(call, facts, `Could not ${call.action}: ${reason}, ${MAYBE_CREATED}`, {
				description: `${HINTS.maybeCreated}${codeNote}`,
			});
		}
		const sentNote = call.kind === 'create' && nothingSent ? `${HINTS.nothingSent} ` : '';
		return this.failure(call, facts, `Could not ${call.action}: ${reason}`, {
			description: `${sentNote}Check that ${this.baseUrl} is reachable from n8n${codeNote}.`,
		});
	}

	/** No answer, or not all of it, in time. */
	timeout(call: CallContext, what: string): AttemptFailure {
		const facts: FailureFacts = { kind: 'timeout', request: call.kind };
		const { mayHaveCreated } = classify(facts);
		return this.failure(
			call,
			facts,
			`Could not ${call.action}: ${what}${mayHaveCreated ? `, ${MAYBE_CREATED}` : ''}`,
			{
				description: mayHaveCreated
					? HINTS.maybeCreated
					: `Check that ${this.baseUrl} is reachable from n8n, or raise "Request Timeout (Seconds)".`,
			},
		);
	}

	/** An error status, with CometAPI's own message where its envelope carries one. */
	status(response: IN8nHttpFullResponse, text: string, call: CallContext): AttemptFailure {
		const status = response.statusCode;
		const envelope = tryJsonObject(text);
		const apiError = (
			envelope?.error && typeof envelope.error === 'object' ? envelope.error : {}
		) as IDataObject;
		const apiCode = typeof apiError.code === 'string' ? apiError.code : '';
		const facts: FailureFacts = { kind: 'status', request: call.kind, status, apiCode };
		const { mayHaveCreated, retry } = classify(facts);
		const redactor = this.errors.redactor;
		let message: string;
		let description: string | undefined;
		if (typeof apiError.message === 'string' && apiError.message) {
			message = `CometAPI could not ${call.action}: ${quote(redactor, apiError.message)}`;
		} else if (envelope === undefined && status < 500) {
			message = `CometAPI could not ${call.action}: the answer (HTTP ${status}) was not an API response`;
			description = this.baseUrlHint(response);
		} else {
			message = `CometAPI could not ${call.action} (HTTP ${status})`;
		}
		if (status === 401) description = HINTS.checkKey;
		if (mayHaveCreated) {
			message += `, ${MAYBE_CREATED}`;
			description = HINTS.maybeCreated;
		}
		return this.failure(call, facts, message, {
			description,
			httpCode: String(status),
			apiError,
			retryAfterMs: retry ? serverDelayMs(response.headers) : undefined,
		});
	}

	/** A 2xx whose body is not the JSON object expected. */
	unreadable(response: IN8nHttpFullResponse, call: CallContext): AttemptFailure {
		const claimedJson = /json/i.test(headerValue(response.headers, 'content-type') ?? '');
		const facts: FailureFacts = { kind: 'unreadable', request: call.kind, claimedJson };
		const { mayHaveCreated } = classify(facts);
		const message = claimedJson
			? `CometAPI's answer to "${call.action}" was cut off or malformed JSON`
			: `CometAPI's answer to "${call.action}" was not JSON (HTTP ${response.statusCode})`;
		const hints = [claimedJson ? '' : this.baseUrlHint(response)];
		if (mayHaveCreated) hints.push(HINTS.maybeCreated);
		return this.failure(call, facts, mayHaveCreated ? `${message}, ${MAYBE_CREATED}` : message, {
			description: hints.join(' ').trim() || undefined,
		});
	}

	/** A job answer without a usable id: nothing can be polled, and for a create a job may exist. */
	noJobId(call: CallContext, job: VideoJob, text: string): Error {
		const create = call.kind === 'create';
		return this.errors.api(
			call,
			`CometAPI's answer to "${call.action}" carries no ${job.id ? 'valid ' : ''}job id${create ? `, ${MAYBE_CREATED}` : ''}`,
			{
				description: `It said: ${quote(this.errors.redactor, text)}${create ? ` ${HINTS.maybeCreated}` : ''}`,
			},
		);
	}

	tooLarge(call: CallContext, bytes?: number): AttemptFailure {
		const facts: FailureFacts = { kind: 'too-large', request: call.kind };
		const { mayHaveCreated } = classify(facts);
		if (call.kind === 'read' && call.action.startsWith('download')) {
			const seen = bytes ? ` (${megabytes(bytes)} or more)` : '';
			return this.failure(
				call,
				facts,
				`Could not ${call.action}: the file is larger than ${megabytes(this.limits.maxDownloadBytes)}${seen}`,
				{
					description: `Raise "Max Download Size (MB)" in the Options if the file is expected to be this large. ${HINTS.noPartialFile}`,
				},
			);
		}
		return this.failure(
			call,
			facts,
			`CometAPI's answer to "${call.action}" was larger than ${megabytes(API_ANSWER_LIMIT)}, the most the node reads${mayHaveCreated ? `, ${MAYBE_CREATED}` : ''}`,
			{
				description: mayHaveCreated
					? HINTS.maybeCreated
					: `Check the Base URL (${this.baseUrl}): an API answer is never this large.`,
			},
		);
	}

	/** The body broke off, stalled or came short: retried, and never passed on as a file. */
	truncated(call: CallContext, what: string): AttemptFailure {
		return this.failure(
			call,
			{ kind: 'truncated', request: 'read' },
			`Could not ${call.action}: ${what}`,
			{
				description: HINTS.noPartialFile,
			},
		);
	}

	/** The server answered a download with something that is not the whole file. */
	notAFile(call: CallContext, what: string, status?: number): AttemptFailure {
		return this.failure(
			call,
			{ kind: 'not-a-file', request: 'read' },
			`Could not ${call.action}: ${what}`,
			{
				description: HINTS.noPartialFile,
				httpCode: status === undefined ? undefined : String(status),
			},
		);
	}

	/** Storing a download failed: the meter's verdict, a broken source, or n8n's own store. */
	store(
		error: unknown,
		sourceBroke: boolean,
		meter: DownloadMeter,
		call: CallContext,
		expectedBytes: number,
	): AttemptFailure {
		if (meter.stoppedBy instanceof TooLarge) return this.tooLarge(call, meter.bytes);
		if (meter.stoppedBy instanceof Stalled) {
			return this.truncated(
				call,
				`the download was too slow: fewer than 64 kB arrived in ${seconds(this.limits.requestTimeoutMs)} s`,
			);
		}
		// Only a broken connection is worth downloading again; a failing store is not.
		if (sourceBroke || BROKEN_CONNECTION_ERRNOS.has(networkCode(error) ?? '')) {
			const expected = Number.isFinite(expectedBytes) ? `${expectedBytes} bytes` : 'its end';
			return this.truncated(
				call,
				`the file broke off before ${expected} (${meter.bytes} received)`,
			);
		}
		const message = (error as Error)?.message ?? String(error);
		const databaseCap = /database/i.test(message) && /size|limit/i.test(message);
		return this.failure(
			call,
			{ kind: 'storage', request: 'read' },
			`Could not store the downloaded file in n8n: ${quote(this.errors.redactor, message)}`,
			{ description: databaseCap ? HINTS.databaseCap : HINTS.storage },
		);
	}

	/** Content asked for too early: what state the job is in, and what to do. */
	notReady(call: CallContext, job: VideoJob): Error {
		const redactor = this.errors.redactor;
		const progress = job.progress === null ? '' : ` (${job.progress}%)`;
		const failed = job.status === 'failed' || job.status === 'error';
		const reason = job.error?.message ? `: ${quote(redactor, job.error.message)}` : '';
		return this.errors.api(
			call,
			`Video ${job.id} is not ready to download: its status is "${quote(redactor, job.status)}"${progress}`,
			{
				description: failed ? `The job failed${reason}. Create a new one.` : HINTS.notReady,
				httpCode: '400',
			},
		);
	}

	cancelled(call: CallContext): Error {
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

	private failure(
		call: CallContext,
		facts: FailureFacts,
		message: string,
		extra: {
			description?: string;
			httpCode?: string;
			apiError?: IDataObject;
			retryAfterMs?: number;
		},
	): AttemptFailure {
		return new AttemptFailure(
			this.errors.api(call, message, extra),
			classify(facts),
			extra.retryAfterMs,
		);
	}

	private baseUrlHint(response: IN8nHttpFullResponse): string {
		const redactor = this.errors.redactor;
		const location = headerValue(response.headers, 'location');
		const type = location
			? `a redirect to ${location}`
			: (headerValue(response.headers, 'content-type') ?? 'no content type');
		return `It sent ${quote(redactor, type)}, which usually means the Base URL in the Comet Video API credential (${this.baseUrl}) points at a web page, not the API. The usual value is ${DEFAULT_BASE_URL}.`;
	}
}

const MAYBE_CREATED = 'and a job may have been created';
