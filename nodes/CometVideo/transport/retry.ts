/**
 * When to try a call again: the one place that decides. An attempt reports what happened as
 * facts (a `Fault`: status, errno, bytes, type; no words), and `classify` decides from them
 * alone: retry? may a job exist? A create costs money: it is repeated only where CometAPI
 * certainly did not receive it. (The exchange applies the decision; ./errors words it.)
 */
export type FailureKind =
	/** The server answered with an error status. */
	| 'status'
	/** The connection failed; `errno` says how. */
	| 'network'
	/** No answer, or no end of the answer, in time. */
	| 'timeout'
	/** A 2xx whose body was not the JSON object expected (cut off, or another format). */
	| 'unreadable'
	/** An answer over the size limit. */
	| 'too-large'
	/** A download that broke off, came short, or did not match its announced size. */
	| 'truncated'
	/** A download the server answered with something other than the file (206, HTML). */
	| 'not-a-file'
	/** A download's redirect the node does not follow (`detail`: why). */
	| 'redirect'
	/** n8n could not store the file. */
	| 'storage'
	/** The execution was cancelled during the call. */
	| 'cancelled'
	/** The execution was cancelled before the attempt was sent (`detail`: waiting for what). */
	| 'cancelled-waiting';

/** What happened to one attempt, as the attempt saw it; `classify` reads the facts, never words of ours. */
export interface FailureFacts {
	kind: FailureKind;
	request: 'create' | 'read';
	status?: number;
	/** `error.code` of CometAPI's error envelope. */
	apiCode?: string;
	errno?: string;
	/** For `unreadable`: the answer said it was JSON, so it was most likely cut off in transit. */
	claimedJson?: boolean;
	/** `error.message` of CometAPI's error envelope. */
	apiMessage?: string;
	/** The error answer was a JSON object (an API's answer, not a web page). */
	jsonAnswer?: boolean;
	contentType?: string;
	location?: string;
	/** How long the server asked us to wait before trying again. */
	retryAfterMs?: number;
	/** Who answered: CometAPI, or the host behind the job's result link. */
	from?: 'api' | 'link';
	/** For `too-large`: the most the node reads, and how many bytes arrived or were announced. */
	limit?: number;
	bytes?: number;
	/** What exactly was wrong, for the kinds whose facts are a sentence (not-a-file, truncated). */
	detail?: string;
	/** The call polled a job created moments ago (see `notKnownYet`). */
	freshJob?: boolean;
}

export interface RetryDecision {
	retry: boolean;
	/** The request may have reached CometAPI: a create may have made (and billed) a job. */
	mayHaveCreated: boolean;
	/** Certainly nothing reached CometAPI. */
	nothingSent: boolean;
	/** A fresh job its route does not know yet: not tried again here; the waiter polls again. */
	jobNotKnownYet?: boolean;
}

const TRANSIENT_STATUSES = new Set([429, 500, 502, 503, 504, 524]);

/**
 * "A freshly created task may briefly return `task_not_exist`" (Runway's task page; Seedance's
 * unknown id answers the same 400): for a job this run just created, that is "not yet".
 */
function notKnownYet(facts: FailureFacts): boolean {
	return (
		facts.freshJob === true &&
		(facts.status === 400 || facts.status === 404) &&
		[facts.apiCode, facts.apiMessage].some(
			(word) => word?.trim().toLowerCase() === 'task_not_exist',
		)
	);
}
/**
 * The one errno table: each errno the node tells apart, in words, and what it says about the
 * request. `nothingSent`: it failed before any byte left the machine. `transient`: trying again
 * may work. `brokeOff`: a body that had begun stopped (a download is fetched again).
 */
export const ERRNOS: Record<
	string,
	{ words: string; nothingSent?: boolean; transient?: boolean; brokeOff?: boolean }
> = {
	ECONNREFUSED: { words: 'the connection was refused', nothingSent: true, transient: true },
	ENOTFOUND: { words: 'the host name could not be resolved', nothingSent: true },
	EAI_AGAIN: { words: 'the host name could not be resolved', nothingSent: true, transient: true },
	ECONNRESET: { words: 'the connection was reset', transient: true, brokeOff: true },
	EPIPE: { words: 'the connection was reset', transient: true, brokeOff: true },
	ERR_STREAM_PREMATURE_CLOSE: {
		words: 'the connection was reset',
		transient: true,
		brokeOff: true,
	},
	ECONNABORTED: { words: 'the connection timed out', transient: true, brokeOff: true },
	ETIMEDOUT: { words: 'the connection timed out', transient: true, brokeOff: true },
	ENETUNREACH: { words: 'the network is unreachable', transient: true },
	EHOSTUNREACH: { words: 'the host is unreachable', transient: true },
	// zlib, for a garbled compressed answer. (A cut one is no error: the HTTP client flushes
	// what it has, so only the announced length tells.)
	Z_DATA_ERROR: { words: 'the compressed answer was garbled', transient: true, brokeOff: true },
};

export function classify(facts: FailureFacts): RetryDecision {
	const create = facts.request === 'create';
	switch (facts.kind) {
		case 'status': {
			const status = facts.status ?? 0;
			const transient =
				TRANSIENT_STATUSES.has(status) && !(status === 500 && facts.apiCode === 'invalid_request');
			// Only a 429 proves a create was turned away; after a 5xx a job may exist.
			if (status === 429) return { retry: true, mayHaveCreated: false, nothingSent: false };
			if (notKnownYet(facts)) {
				return { retry: false, mayHaveCreated: false, nothingSent: false, jobNotKnownYet: true };
			}
			return {
				retry: transient && !create,
				mayHaveCreated: transient && create,
				nothingSent: false,
			};
		}
		case 'network': {
			const known = ERRNOS[facts.errno ?? ''];
			const nothingSent = known?.nothingSent === true;
			const transient = known?.transient === true;
			return {
				retry: transient && (nothingSent || !create),
				mayHaveCreated: create && !nothingSent,
				nothingSent,
			};
		}
		case 'timeout':
		case 'truncated':
			return { retry: !create, mayHaveCreated: create, nothingSent: false };
		case 'unreadable':
			return {
				retry: !create && facts.claimedJson === true,
				mayHaveCreated: create,
				nothingSent: false,
			};
		case 'too-large':
			return { retry: false, mayHaveCreated: create, nothingSent: false };
		case 'not-a-file':
		case 'redirect':
		case 'storage':
			return { retry: false, mayHaveCreated: false, nothingSent: false };
		case 'cancelled':
			return { retry: false, mayHaveCreated: create, nothingSent: false };
		case 'cancelled-waiting':
			return { retry: false, mayHaveCreated: false, nothingSent: true };
	}
}

const MAX_BACKOFF_MS = 30_000;

/** CometAPI's guidance: min(30 s, base · 2^n) plus up to a second of jitter. */
export function backoffMs(attemptNumber: number, baseDelayMs: number): number {
	const exponential = baseDelayMs * 2 ** (attemptNumber - 1);
	return Math.min(MAX_BACKOFF_MS, exponential) + Math.random() * Math.min(1000, baseDelayMs);
}

/** One attempt's failure, as facts. The loop decides on them; words come only at the end. */
export class Fault extends Error {
	constructor(readonly facts: FailureFacts) {
		super(`${facts.kind} fault`);
	}
}
