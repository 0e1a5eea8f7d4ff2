/**
 * Every error the node raises once it talks to CometAPI is built here: one catalogue of
 * messages and hints (`Failures`: what went wrong with one attempt, each builder stating the
 * facts to the retry decision in ./retry), the job id on every error that concerns a job (in the
 * message and in `context.jobId`), and the key redacted before anything is cut to length.
 */
import type { IDataObject, IN8nHttpFullResponse, INode, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { jobOutcome, type VideoJob } from '../helpers/job';
import type { Redactor } from '../helpers/redact';
import { shorten } from '../helpers/redact';
import { DEFAULT_BASE_URL } from './base-url';
import {
	API_ANSWER_LIMIT,
	LongerThanAnnounced,
	Stalled,
	TooLarge,
	type DownloadMeter,
} from './body';
import {
	AttemptFailure,
	classify,
	ERRNOS,
	headerValue,
	serverDelayMs,
	type RetryDecision,
} from './retry';

/** What one call does, for its errors: which job, which item, and whether it costs money. */
export interface CallContext {
	/** A create costs money: it is repeated only where CometAPI certainly did not get it. */
	kind: 'create' | 'read';
	/** Where the call goes: CometAPI's API, or a file (a download, whichever host serves it). */
	target: 'api' | 'download';
	itemIndex: number;
	jobId?: string;
	/** In words, for messages: "create the video job". */
	action: string;
}

const MESSAGE_LIMIT = 600;
const DESCRIPTION_LIMIT = 1200;
/** Server text quoted inside a message: enough to recognise, never a flood. */
export const QUOTE_LIMIT = 300;

const MAYBE_CREATED = 'and a job may have been created';

export const HINTS = {
	maybeCreated:
		'The request may have reached CometAPI, so it was not sent again: a second attempt could create (and bill) a second job. Check the task log in your CometAPI console before running this item again.',
	nothingSent: 'Nothing was sent to CometAPI, so no job was created; the item can be run again.',
	checkKey: 'Check the API key in the Comet Video API credential.',
	notReady: 'Download it once Retrieve shows status "completed", or turn on "Wait for Completion".',
	retrieveLater: (id: string) =>
		`The job keeps running at CometAPI. Use the Retrieve operation with id ${id} later to pick it up, or raise "Timeout (Minutes)".`,
	cancelledWait: (id: string) =>
		`The job keeps running at CometAPI. Use the Retrieve operation with id ${id} to pick it up.`,
	noPartialFile: 'No partial file was passed on. Run the Download operation again with the id.',
	storage: "Check n8n's binary data storage (disk space, permissions, its size limit).",
	databaseCap:
		"n8n's database binary data mode stores each file in the database, up to N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE (512 MB unless set). Raise that setting, or store binary data in S3 (N8N_DEFAULT_BINARY_DATA_MODE=s3) or on a filesystem every worker shares (N8N_DEFAULT_BINARY_DATA_MODE=filesystem).",
	jobFailed: (code: string) =>
		`Nothing was rendered for this job, so there is nothing to download. Adjust the prompt or images and create a new job.${code ? ` Provider code: ${code}.` : ''}`,
};

export function jobIdOf(error: unknown): string | undefined {
	const context = (error as { context?: IDataObject } | undefined)?.context;
	return typeof context?.jobId === 'string' ? context.jobId : undefined;
}

/**
 * What a failed create means for sending it again: a job may exist, CometAPI refused it (a 4xx
 * other than 429: the same request is refused again), or neither is certain.
 */
export function createOutcome(error: unknown): 'may-exist' | 'refused' | 'unknown' {
	const { context, httpCode } = (error ?? {}) as { context?: IDataObject; httpCode?: unknown };
	if (context?.mayHaveCreated === true) return 'may-exist';
	const status = Number(httpCode);
	return status >= 400 && status < 500 && status !== 429 ? 'refused' : 'unknown';
}

/** The same error, as a new object: the same class, message, context and fields. */
export function copyError<T extends Error>(error: T): T {
	return Object.create(
		Object.getPrototypeOf(error) as object,
		Object.getOwnPropertyDescriptors(error),
	) as T;
}

export class ErrorFactory {
	constructor(
		private readonly node: INode,
		readonly redactor: Redactor,
	) {}

	/** A failure CometAPI (or the way to it) caused. */
	api(
		call: CallContext,
		message: string,
		extra: {
			description?: string;
			httpCode?: string;
			apiError?: IDataObject;
			/** A create whose request may have made (and billed) a job. */
			mayHaveCreated?: boolean;
		} = {},
	): NodeApiError {
		const { text, description } = this.texts(call, message, extra.description);
		const response: JsonObject = { message: text };
		if (extra.apiError) response.error = this.redactor.deep(extra.apiError) as JsonObject;
		const error = new NodeApiError(this.node, response, {
			message: text,
			description,
			httpCode: extra.httpCode,
			itemIndex: call.itemIndex,
		});
		if (call.jobId) error.context.jobId = call.jobId;
		if (extra.mayHaveCreated) error.context.mayHaveCreated = true;
		return error;
	}

	/** A failure on our side of the wire: a wait that ended, a file n8n could not store. */
	operation(
		call: Pick<CallContext, 'itemIndex' | 'jobId'>,
		message: string,
		description?: string,
	): NodeOperationError {
		const texts = this.texts(call, message, description);
		const error = new NodeOperationError(this.node, texts.text, {
			description: texts.description,
			itemIndex: call.itemIndex,
		});
		if (call.jobId) error.context.jobId = call.jobId;
		return error;
	}

	/** Errors that are not n8n's own (a bug, a broken stream) still reach the user as n8n errors. */
	wrap(error: unknown, itemIndex: number): NodeApiError | NodeOperationError {
		if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
		return this.operation({ itemIndex }, (error as Error)?.message ?? String(error));
	}

	private texts(
		call: Pick<CallContext, 'jobId'>,
		message: string,
		description?: string,
	): { text: string; description?: string } {
		const text = shorten(this.redactor.text(message), MESSAGE_LIMIT);
		// Checked after the cut: an id the cut removed is added again.
		const jobNote = call.jobId && !text.includes(call.jobId) ? ` [job ${call.jobId}]` : '';
		return {
			text: text + jobNote,
			description:
				description === undefined
					? undefined
					: shorten(this.redactor.text(description), DESCRIPTION_LIMIT),
		};
	}
}

/** Server text inside one of our messages: redacted first, then cut. */
export function quote(redactor: Redactor, text: string): string {
	return shorten(redactor.text(text), QUOTE_LIMIT);
}

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
		if (call.target === 'download') {
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
		if (meter.stoppedBy instanceof LongerThanAnnounced) {
			return this.notAFile(
				call,
				`more than the ${meter.stoppedBy.limit} bytes announced arrived: not the file it said it was`,
			);
		}
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

	/** Why a finished job's `/content` does not serve its file, for the next route's messages. */
	cannotServeReason(status: number, text: string): string {
		if (status < 300) return 'the content route answered with a JSON document instead of the file';
		const { message } = envelopeError(tryJsonObject(text));
		const said = message ? ` ("${quote(this.errors.redactor, message)}")` : '';
		return `the content route answered HTTP ${status}${said}`;
	}

	/** The content route could not serve the job, and no other route is left to try. */
	routeCannotServe(call: CallContext, reason: string, automatic: boolean): Error {
		return this.errors.api(
			call,
			`Could not ${call.action}: ${reason}${automatic ? ', and the job has no result link' : ''}`,
			{
				description: automatic
					? "CometAPI serves this job's file neither through the content route nor by a link in the job (video_url or metadata.url). Retrieve the job to see what it carries."
					: 'This model\'s files may be served by their result link only: set "Download From" (in Options) to Automatic or Result Link.',
			},
		);
	}

	/** Result Link asked for, and the job carries none the node may fetch (`problem`: why not). */
	noLink(call: CallContext, problem?: string): Error {
		return this.errors.operation(
			call,
			problem
				? `Could not ${call.action}: the job's result link is not fetched, because ${problem}`
				: `Could not ${call.action}: the job has no result link (an http or https video_url or metadata.url)`,
			'Set "Download From" (in Options) to Automatic or Content Route.',
		);
	}

	/** The storage host behind a result link answered with an error status. */
	linkStatus(response: IN8nHttpFullResponse, call: CallContext): AttemptFailure {
		const status = response.statusCode;
		const decision = classify({ kind: 'status', request: 'read', status });
		return this.failure(
			call,
			decision,
			`Could not ${call.action}: the result link answered HTTP ${status}`,
			{
				description: [403, 404, 410].includes(status)
					? "A result link expires (see the job's expiresAt): download the job soon after it completes, or through the content route where its model has one."
					: HINTS.noPartialFile,
				httpCode: String(status),
				retryAfterMs: decision.retry ? serverDelayMs(response.headers) : undefined,
			},
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
			{ kind: 'create', target: 'api', itemIndex, action: 'create the job again' },
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

	/** Cancelled mid-call: the message names the step it stopped in. */
	cancelled(call: CallContext): Error {
		const jobNote = call.jobId
			? ` The job ${call.jobId} keeps running at CometAPI.`
			: call.kind === 'create'
				? ` ${HINTS.maybeCreated}`
				: '';
		return this.errors.operation(
			call,
			`The execution was cancelled while the node was trying to ${call.action}`,
			`It stopped before that step was done.${jobNote}`,
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
