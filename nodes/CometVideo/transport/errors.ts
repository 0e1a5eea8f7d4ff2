/**
 * Every error the node raises once it talks to CometAPI is built here: one catalogue of
 * messages and hints (`Failures`: what went wrong with one attempt, each builder stating the
 * facts to the retry decision in ./retry), the job id on every error that concerns a job (in the
 * message and in `context.jobId`), and the key redacted before anything is cut to length.
 */
import type { IDataObject, INode, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { jobOutcome, type VideoJob } from '../helpers/job';
import type { VideoRoute } from '../helpers/routes';
import type { Redactor } from '../helpers/redact';
import { shorten } from '../helpers/redact';
import { DEFAULT_BASE_URL } from './base-url';
import { ERRNOS, type FailureFacts, type Fault, type RetryDecision } from './retry';

/** What a wait for a request slot is called in messages (the limiter's, and the tests'). */
export const SLOT_WAIT = 'for a free request slot';

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
	/** A poll of a job this run created moments ago, which a route may not know yet. */
	freshJob?: boolean;
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

/** A poll of a job this run just created, which its route did not know yet: not a failure. */
export function jobNotKnownYet(error: unknown): boolean {
	return (error as { context?: IDataObject } | undefined)?.context?.jobNotKnownYet === true;
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
			/** A poll of a fresh job the route does not know yet: the waiter polls again. */
			jobNotKnownYet?: boolean;
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
		if (extra.jobNotKnownYet) error.context.jobNotKnownYet = true;
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

/** In words: n8n replaces any error message that contains a raw errno with stock text. */
function describeNetworkCode(code: string | undefined): string {
	return ERRNOS[code ?? '']?.words ?? 'the connection failed';
}

function megabytes(bytes: number): string {
	return `${Math.round((bytes / 1024 / 1024) * 100) / 100} MB`;
}

/** What the user reads of a failure: its message, hint and the fields the error keeps. */
interface Wording {
	message: string;
	description?: string;
	httpCode?: string;
	apiError?: IDataObject;
}

export class Failures {
	constructor(
		readonly errors: ErrorFactory,
		private readonly baseUrl: string,
	) {}

	/**
	 * The one place a failed call is put into words, once, when no retry follows: from the facts
	 * the attempt reported and the decision taken on them (./retry).
	 */
	word(fault: Fault, decision: RetryDecision, attempts: number, call: CallContext): Error {
		const { facts } = fault;
		if (facts.kind === 'cancelled') return this.cancelled(call);
		if (facts.kind === 'cancelled-waiting') return this.cancelledWaiting(call, facts.detail ?? '');
		const wording = this.wording(facts, decision, call);
		if (decision.mayHaveCreated) {
			wording.message += `, ${MAYBE_CREATED}`;
			// A hint that already says so (with more) stays; any other gives way to it.
			if (!wording.description?.includes(HINTS.maybeCreated)) {
				wording.description = HINTS.maybeCreated;
			}
		}
		if (decision.retry && attempts > 1) {
			wording.description =
				`${wording.description ?? ''} (gave up after ${attempts} attempts)`.trim();
		}
		return this.errors.api(call, wording.message, {
			...wording,
			mayHaveCreated: decision.mayHaveCreated,
			jobNotKnownYet: decision.jobNotKnownYet,
		});
	}

	private wording(facts: FailureFacts, decision: RetryDecision, call: CallContext): Wording {
		const redactor = this.errors.redactor;
		switch (facts.kind) {
			case 'network': {
				const codeNote = facts.errno ? ` (network error ${facts.errno})` : '';
				const sentNote =
					call.kind === 'create' && decision.nothingSent ? `${HINTS.nothingSent} ` : '';
				return {
					message: `Could not ${call.action}: ${describeNetworkCode(facts.errno)}`,
					description: decision.mayHaveCreated
						? `${HINTS.maybeCreated}${codeNote}`
						: `${sentNote}Check that ${this.baseUrl} is reachable from n8n${codeNote}.`,
				};
			}
			case 'timeout':
				return {
					message: `Could not ${call.action}: ${facts.detail ?? 'no answer in time'}`,
					description: `Check that ${this.baseUrl} is reachable from n8n, or raise "Request Timeout (Seconds)".`,
				};
			case 'status':
				return facts.from === 'link' ? this.linkStatus(facts, call) : this.status(facts, call);
			case 'unreadable': {
				const message = facts.claimedJson
					? `CometAPI's answer to "${call.action}" was cut off or malformed JSON`
					: `CometAPI's answer to "${call.action}" was not JSON (HTTP ${facts.status})`;
				const hints = [facts.claimedJson ? '' : this.baseUrlHint(facts)];
				if (decision.mayHaveCreated) hints.push(HINTS.maybeCreated);
				return { message, description: hints.join(' ').trim() || undefined };
			}
			case 'too-large':
				return this.tooLarge(facts, call);
			case 'truncated':
				return {
					message: `Could not ${call.action}: ${facts.detail ?? 'the answer broke off'}`,
					description: HINTS.noPartialFile,
				};
			case 'not-a-file':
				return {
					message: `Could not ${call.action}: ${facts.detail ?? 'the answer was not the file'}`,
					description: HINTS.noPartialFile,
					httpCode: facts.status === undefined ? undefined : String(facts.status),
				};
			case 'redirect': {
				const location = quote(redactor, facts.location || 'no Location');
				return {
					message: `Could not ${call.action}: the answer was a redirect the node does not follow (${location}): ${facts.detail}`,
					description: HINTS.noPartialFile,
					httpCode: String(facts.status),
				};
			}
			case 'storage': {
				const message = facts.detail ?? '';
				const databaseCap = /database/i.test(message) && /size|limit/i.test(message);
				return {
					message: `Could not store the downloaded file in n8n: ${quote(redactor, message)}`,
					description: databaseCap ? HINTS.databaseCap : HINTS.storage,
				};
			}
			case 'cancelled':
			case 'cancelled-waiting':
				return { message: `Could not ${call.action}: the execution was cancelled` };
		}
	}

	/**
	 * An error status, with CometAPI's own message where its envelope carries one. Only the
	 * envelope's `code` and `message` strings, capped, go further: a body may be nested deep
	 * enough to break any walk over it.
	 */
	private status(facts: FailureFacts, call: CallContext): Wording {
		const redactor = this.errors.redactor;
		const status = facts.status ?? 0;
		let message: string;
		let description: string | undefined;
		if (facts.apiMessage) {
			message = `CometAPI could not ${call.action}: ${quote(redactor, facts.apiMessage)} (HTTP ${status})`;
		} else if (!facts.jsonAnswer && status < 500) {
			message = `CometAPI could not ${call.action}: the answer (HTTP ${status}) was not an API response`;
			description = this.baseUrlHint(facts);
		} else {
			message = `CometAPI could not ${call.action} (HTTP ${status})`;
		}
		if (status === 401) description = HINTS.checkKey;
		return {
			message,
			description,
			httpCode: String(status),
			apiError: {
				...(facts.apiCode ? { code: quote(redactor, facts.apiCode) } : {}),
				...(facts.apiMessage ? { message: quote(redactor, facts.apiMessage) } : {}),
			},
		};
	}

	/** The storage host behind a result link answered with an error status. */
	private linkStatus(facts: FailureFacts, call: CallContext): Wording {
		const status = facts.status ?? 0;
		return {
			message: `Could not ${call.action}: the result link answered HTTP ${status}`,
			description: [403, 404, 410].includes(status)
				? "A result link expires (see the job's expiresAt): download the job soon after it completes, or through the content route where its model has one."
				: HINTS.noPartialFile,
			httpCode: String(status),
		};
	}

	private tooLarge(facts: FailureFacts, call: CallContext): Wording {
		if (call.target === 'download') {
			const seen = facts.bytes ? ` (${megabytes(facts.bytes)} or more)` : '';
			return {
				message: `Could not ${call.action}: the file is larger than ${megabytes(facts.limit ?? 0)}${seen}`,
				description: `Raise "Max Download Size (MB)" in the Options if the file is expected to be this large. ${HINTS.noPartialFile}`,
			};
		}
		return {
			message: `CometAPI's answer to "${call.action}" was larger than ${megabytes(facts.limit ?? 0)}, the most the node reads`,
			description: `Check the Base URL (${this.baseUrl}): an API answer is never this large.`,
		};
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

	/** A balance answer without the balance (`total_quota`): not CometAPI's balance route. */
	noBalance(call: CallContext, answer: IDataObject): Error {
		return this.errors.api(call, `CometAPI's answer to "${call.action}" carries no balance`, {
			description: `It said: ${quote(this.errors.redactor, JSON.stringify(this.errors.redactor.deep(answer)))}. The balance route answers total_quota in USD; a gateway Base URL must serve /user/quota as CometAPI does.`,
		});
	}

	/** Why a finished job's `/content` does not serve its file, for the next route's messages. */
	cannotServeReason(facts: FailureFacts): string {
		const status = facts.status ?? 0;
		if (status < 300) return 'the content route answered with a JSON document instead of the file';
		const said = facts.apiMessage ? ` ("${quote(this.errors.redactor, facts.apiMessage)}")` : '';
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

	/**
	 * The job carries no result link the node may fetch (`problem`: why not), and its route's
	 * `/content` was not asked for (Result Link) or does not exist (the routes of their own).
	 */
	noLink(call: CallContext, route: VideoRoute, problem?: string): Error {
		return this.errors.operation(
			call,
			problem
				? `Could not ${call.action}: the job's result link is not fetched, because ${problem}`
				: `Could not ${call.action}: the job has no result link (an http or https ${route.linkPlace})`,
			route.contentRoute
				? 'Set "Download From" (in Options) to Automatic or Content Route.'
				: `${route.label} serves the file only by its link: retrieve the job to see what it carries.`,
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

	/** Cancelled before the attempt was sent: waiting for a request slot, or to try again. */
	private cancelledWaiting(call: CallContext, waitingFor: string): Error {
		const slot = waitingFor === SLOT_WAIT;
		return this.errors.operation(
			call,
			`The execution was cancelled while waiting ${waitingFor}`,
			slot
				? `Nothing was sent to ${call.action}: the item waited behind other requests with this API key ("Max Requests in Flight").`
				: `The request to ${call.action} was not sent again.${call.jobId ? ` The job ${call.jobId} keeps running at CometAPI.` : ''}`,
		);
	}

	/** Cancelled mid-call: the message names the step it stopped in. */
	private cancelled(call: CallContext): Error {
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

	private baseUrlHint(facts: FailureFacts): string {
		const redactor = this.errors.redactor;
		const type = facts.location
			? `a redirect to ${facts.location}`
			: (facts.contentType ?? 'no content type');
		return `It sent ${quote(redactor, type)}, which usually means the Base URL in the Comet Video API credential (${this.baseUrl}) points at a web page, not the API. The usual value is ${DEFAULT_BASE_URL}.`;
	}
}
