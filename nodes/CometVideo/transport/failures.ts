/**
 * What went wrong with one attempt, in the user's words: each builder states the facts to the
 * retry decision (./retry) and takes its message and hint from the catalogue (./errors).
 */
import type { IDataObject, IN8nHttpFullResponse } from 'n8n-workflow';

import { jobOutcome, type VideoJob } from '../helpers/job';
import { API_ANSWER_LIMIT, Stalled, TooLarge, type DownloadMeter } from './body';
import { DEFAULT_BASE_URL } from './base-url';
import { HINTS, QUOTE_LIMIT, quote, type CallContext, type ErrorFactory } from './errors';
import {
	AttemptFailure,
	classify,
	ERRNOS,
	headerValue,
	serverDelayMs,
	type RetryDecision,
} from './retry';

const ERRNO_PATTERN = /^(E[A-Z0-9_]+|ERR_[A-Z0-9_]+|Z_[A-Z_]+)$/;

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
	return ERRNOS[code ?? '']?.words ?? 'the connection failed';
}

/** CometAPI's error envelope, `{ error: { code, message } }`: its two strings, nothing else. */
function envelopeError(envelope: IDataObject | undefined): { code: string; message: string } {
	const error = envelope?.error;
	const fields = (
		error && typeof error === 'object' && !Array.isArray(error) ? error : {}
	) as IDataObject;
	const string = (value: unknown) => (typeof value === 'string' ? value.slice(0, QUOTE_LIMIT) : '');
	return { code: string(fields.code), message: string(fields.message) };
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
		const decision = classify({ kind: 'network', request: call.kind, errno });
		const { mayHaveCreated, nothingSent } = decision;
		const reason = describeNetworkCode(errno);
		const codeNote = errno ? ` (network error ${errno})` : '';
		if (mayHaveCreated) {
			return this.failure(call, decision, `Could not ${call.action}: ${reason}, ${MAYBE_CREATED}`, {
				description: `${HINTS.maybeCreated}${codeNote}`,
			});
		}
		const sentNote = call.kind === 'create' && nothingSent ? `${HINTS.nothingSent} ` : '';
		return this.failure(call, decision, `Could not ${call.action}: ${reason}`, {
			description: `${sentNote}Check that ${this.baseUrl} is reachable from n8n${codeNote}.`,
		});
	}

	/** No answer, or not all of it, in time. */
	timeout(call: CallContext, what: string): AttemptFailure {
		const decision = classify({ kind: 'timeout', request: call.kind });
		const { mayHaveCreated } = decision;
		return this.failure(
			call,
			decision,
			`Could not ${call.action}: ${what}${mayHaveCreated ? `, ${MAYBE_CREATED}` : ''}`,
			{
				description: mayHaveCreated
					? HINTS.maybeCreated
					: `Check that ${this.baseUrl} is reachable from n8n, or raise "Request Timeout (Seconds)".`,
			},
		);
	}

	/**
	 * An error status, with CometAPI's own message where its envelope carries one. Only the
	 * envelope's `code` and `message` strings, capped, go further: a body may be nested deep
	 * enough to break any walk over it.
	 */
	status(response: IN8nHttpFullResponse, text: string, call: CallContext): AttemptFailure {
		const status = response.statusCode;
		const envelope = tryJsonObject(text);
		const apiError = envelopeError(envelope);
		const decision = classify({
			kind: 'status',
			request: call.kind,
			status,
			apiCode: apiError.code,
		});
		const { mayHaveCreated, retry } = decision;
		const redactor = this.errors.redactor;
		let message: string;
		let description: string | undefined;
		if (apiError.message) {
			message = `CometAPI could not ${call.action}: ${quote(redactor, apiError.message)} (HTTP ${status})`;
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
		return this.failure(call, decision, message, {
			description,
			httpCode: String(status),
			apiError: {
				...(apiError.code ? { code: quote(redactor, apiError.code) } : {}),
				...(apiError.message ? { message: quote(redactor, apiError.message) } : {}),
			},
			retryAfterMs: retry ? serverDelayMs(response.headers) : undefined,
		});
	}

	/** A 2xx whose body is not the JSON object expected. */
	unreadable(response: IN8nHttpFullResponse, call: CallContext): AttemptFailure {
		const claimedJson = /json/i.test(headerValue(response.headers, 'content-type') ?? '');
		const decision = classify({ kind: 'unreadable', request: call.kind, claimedJson });
		const { mayHaveCreated } = decision;
		const message = claimedJson
			? `CometAPI's answer to "${call.action}" was cut off or malformed JSON`
			: `CometAPI's answer to "${call.action}" was not JSON (HTTP ${response.statusCode})`;
		const hints = [claimedJson ? '' : this.baseUrlHint(response)];
		if (mayHaveCreated) hints.push(HINTS.maybeCreated);
		return this.failure(call, decision, mayHaveCreated ? `${message}, ${MAYBE_CREATED}` : message, {
			description: hints.join(' ').trim() || undefined,
		});
	}

	/** A job answer without a usable id: nothing can be polled, and for a create a job may exist. */
	noJobId(call: CallContext, job: VideoJob, answer: IDataObject): Error {
		const create = call.kind === 'create';
		return this.errors.api(
			call,
			`CometAPI's answer to "${call.action}" carries no ${job.id ? 'valid ' : ''}job id${create ? `, ${MAYBE_CREATED}` : ''}`,
			{
				// Quoted from the parsed value, so no escaped form of the key slips past the redactor.
				description: `It said: ${quote(this.errors.redactor, JSON.stringify(this.errors.redactor.deep(answer)))}${create ? ` ${HINTS.maybeCreated}` : ''}`,
				mayHaveCreated: create,
			},
		);
	}

	tooLarge(call: CallContext, bytes?: number): AttemptFailure {
		const decision = classify({ kind: 'too-large', request: call.kind });
		const { mayHaveCreated } = decision;
		if (call.kind === 'read' && call.action.startsWith('download')) {
			const seen = bytes ? ` (${megabytes(bytes)} or more)` : '';
			return this.failure(
				call,
				decision,
				`Could not ${call.action}: the file is larger than ${megabytes(this.limits.maxDownloadBytes)}${seen}`,
				{
					description: `Raise "Max Download Size (MB)" in the Options if the file is expected to be this large. ${HINTS.noPartialFile}`,
				},
			);
		}
		return this.failure(
			call,
			decision,
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
			classify({ kind: 'truncated', request: 'read' }),
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
			classify({ kind: 'not-a-file', request: 'read' }),
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
		if (sourceBroke || ERRNOS[networkCode(error) ?? '']?.brokeOff) {
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
			classify({ kind: 'storage', request: 'read' }),
			`Could not store the downloaded file in n8n: ${quote(this.errors.redactor, message)}`,
			{ description: databaseCap ? HINTS.databaseCap : HINTS.storage },
		);
	}

	/** Content asked for too early: what state the job is in, and what to do. */
	notReady(call: CallContext, job: VideoJob): Error {
		const redactor = this.errors.redactor;
		const progress = job.progress === null ? '' : ` (${job.progress}%)`;
		const failed = jobOutcome(job) === 'failed';
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

	/** An id that cannot be used: not an id's characters, or a form of the key. */
	invalidId(call: CallContext): Error {
		return this.errors.operation(
			{ itemIndex: call.itemIndex },
			'Video ID: the ID is not a valid job ID',
			'A job ID looks like task_… or video_…: letters, digits, "_" and "-", up to 200 characters.',
		);
	}

	/** A poll of one job answered with another: neither can be trusted. */
	otherJob(call: CallContext, otherId: string): Error {
		return this.errors.api(
			call,
			`CometAPI answered "${call.action}" for job ${call.jobId} with another job, ${quote(this.errors.redactor, otherId || '(no id)')}`,
			{ description: HINTS.retrieveLater(call.jobId ?? '') },
		);
	}

	/** Retry On Fail ran the node again for an item whose earlier create may have made a job. */
	notSentAgain(itemIndex: number): Error {
		return this.errors.api(
			{ kind: 'create', itemIndex, action: 'create the job again' },
			`Not sent again: an earlier try of this node in this execution got no clear answer from CometAPI, ${MAYBE_CREATED}`,
			{ description: HINTS.maybeCreated, mayHaveCreated: true },
		);
	}

	cancelledWaitingForSlot(call: CallContext): Error {
		return this.errors.operation(
			call,
			'The execution was cancelled while waiting for a free request slot',
			`Nothing was sent to ${call.action}: the item waited behind other requests with this API key ("Max Requests in Flight").`,
		);
	}

	cancelled(call: CallContext): Error {
		const jobNote = call.jobId
			? ` The job ${call.jobId} keeps running at CometAPI.`
			: call.kind === 'create'
				? ` ${HINTS.maybeCreated}`
				: '';
		return this.errors.operation(
			call,
			'Stopped before CometAPI answered: the execution was cancelled',
			`The request was to ${call.action}.${jobNote}`,
		);
	}

	private failure(
		call: CallContext,
		decision: RetryDecision,
		message: string,
		extra: {
			description?: string;
			httpCode?: string;
			apiError?: IDataObject;
			retryAfterMs?: number;
		},
	): AttemptFailure {
		return new AttemptFailure(
			this.errors.api(call, message, { ...extra, mayHaveCreated: decision.mayHaveCreated }),
			decision,
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
