/**
 * When to try a call again. One pure decision over what went wrong, and one loop that applies
 * it. A create costs money: it is repeated only where CometAPI certainly did not receive it.
 */
import type { IDataObject } from 'n8n-workflow';

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
	/** n8n could not store the file. */
	| 'storage';

export interface FailureFacts {
	kind: FailureKind;
	request: 'create' | 'read';
	status?: number;
	/** `error.code` of CometAPI's error envelope. */
	apiCode?: string;
	errno?: string;
	/** For `unreadable`: the answer said it was JSON, so it was most likely cut off in transit. */
	claimedJson?: boolean;
}

export interface RetryDecision {
	retry: boolean;
	/** The request may have reached CometAPI: a create may have made (and billed) a job. */
	mayHaveCreated: boolean;
	/** Certainly nothing reached CometAPI. */
	nothingSent: boolean;
}

const TRANSIENT_STATUSES = new Set([429, 500, 502, 503, 504, 524]);
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
		case 'storage':
			return { retry: false, mayHaveCreated: false, nothingSent: false };
	}
}

const MAX_BACKOFF_MS = 30_000;
const MAX_SERVER_DELAY_MS = 120_000;

/** CometAPI's guidance: min(30 s, base · 2^n) plus up to a second of jitter. */
export function backoffMs(attemptNumber: number, baseDelayMs: number): number {
	const exponential = baseDelayMs * 2 ** (attemptNumber - 1);
	return Math.min(MAX_BACKOFF_MS, exponential) + Math.random() * Math.min(1000, baseDelayMs);
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

/** One attempt's failure: the error the user would see, and what the loop should do. */
export class AttemptFailure extends Error {
	constructor(
		readonly error: Error & { description?: string | null },
		readonly decision: RetryDecision,
		readonly retryAfterMs?: number,
	) {
		super(error.message);
	}
}

export interface RetryPolicy {
	maxAttempts: number;
	baseDelayMs: number;
	pause(ms: number): Promise<void>;
}

/** What the user sees once no retry follows: the attempt's own error, saying how often it ran. */
function finalError(error: unknown, attempts: number): unknown {
	if (!(error instanceof AttemptFailure)) return error;
	if (error.decision.retry && attempts > 1) {
		error.error.description =
			`${error.error.description ?? ''} (gave up after ${attempts} attempts)`.trim();
	}
	return error.error;
}

/** Runs `attempt` until it succeeds, fails for good, or the attempts run out. */
export async function withRetries<T>(policy: RetryPolicy, attempt: () => Promise<T>): Promise<T> {
	for (let attemptNumber = 1; ; attemptNumber++) {
		try {
			return await attempt();
		} catch (error) {
			const retry = error instanceof AttemptFailure && error.decision.retry;
			if (!retry || attemptNumber >= policy.maxAttempts) throw finalError(error, attemptNumber);
			await policy.pause(error.retryAfterMs ?? backoffMs(attemptNumber, policy.baseDelayMs));
		}
	}
}
