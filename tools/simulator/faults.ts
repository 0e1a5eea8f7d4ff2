/**
 * Faults: what `sim.fault(route, spec)` queues for the next request(s) on a route, and the
 * answers a fault builds (the simulator's #standIn and #sendAltered send them).
 */
import { errorAnswer, type Answer, type BodyAnswer } from './answers';

// The API host's routes, or `link`: the storage host's result links and redirect targets
// ('*' means every API route, never the storage host).
const FAULT_ROUTES = [
	'create',
	'retrieve',
	'content',
	'remix',
	'models',
	'public-models',
	'balance',
	'link',
	'*',
] as const;
export type FaultRoute = (typeof FAULT_ROUTES)[number];
const FAULT_KINDS = [
	'status',
	'reset',
	'html',
	'malformed-json',
	'slow',
	'truncate',
	'redirect',
	'moved',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
// Faults on a file: only the routes that serve one take them.
const CONTENT_ONLY_FAULTS: readonly string[] = ['truncate', 'redirect'];
const FILE_ROUTES: readonly string[] = ['content', 'link', '*'];

/** What to do to the next request(s) on a route; `kind` defaults to 'status' when `status` is set. */
export interface FaultSpec {
	kind?: FaultKind;
	status?: number;
	/** Error envelope fields of a status fault. */
	code?: string;
	message?: string;
	headers?: Record<string, string>;
	/** 'status': do the route's work (a create makes its job), then answer the status. */
	acceptThenFail?: boolean;
	/** 'reset': drop the connection before reading the request. */
	beforeAccept?: boolean;
	/** 'slow' */
	delayMs?: number;
	/** 'truncate': body bytes sent before the connection drops. */
	bytes?: number;
	/** How many requests the fault applies to (default 1). */
	times?: number;
}

export type Fault = FaultSpec & { kind: FaultKind; route: FaultRoute; remaining: number };

/** Faults in the order they were queued; each applies to `times` requests. */
export class FaultQueue {
	readonly #faults: Fault[] = [];

	add(route: FaultRoute, spec: FaultSpec): void {
		if (!FAULT_ROUTES.includes(route)) throw new Error(`Unknown fault route: ${route}`);
		const kind = spec.kind ?? (spec.status !== undefined ? 'status' : undefined);
		if (kind === undefined || !FAULT_KINDS.includes(kind))
			throw new Error(`Unknown fault kind: ${kind}`);
		if (CONTENT_ONLY_FAULTS.includes(kind) && !FILE_ROUTES.includes(route))
			throw new Error(`Fault ${kind} only applies to the content and link routes`);
		if (kind === 'status' && !Number.isInteger(spec.status))
			throw new Error('Status faults need a status');
		if (kind === 'slow' && !(spec.delayMs !== undefined && spec.delayMs >= 0))
			throw new Error('Slow faults need delayMs');
		if (kind === 'truncate' && !(Number.isInteger(spec.bytes) && spec.bytes! >= 0))
			throw new Error('Truncate faults need bytes');
		const times = spec.times ?? 1;
		if (!(Number.isInteger(times) && times > 0))
			throw new Error('times must be a positive integer');
		this.#faults.push({ ...spec, kind, route, remaining: times });
	}

	/** The first queued fault for a request on `routeName` (counted as used), if any. */
	take(routeName: string): Fault | undefined {
		const index = this.#faults.findIndex(
			(fault) =>
				(fault.route === routeName || (fault.route === '*' && routeName !== 'link')) &&
				(!CONTENT_ONLY_FAULTS.includes(fault.kind) || FILE_ROUTES.includes(routeName)),
		);
		if (index === -1) return undefined;
		const fault = this.#faults[index];
		fault.remaining -= 1;
		if (fault.remaining === 0) this.#faults.splice(index, 1);
		return fault;
	}

	clear(): void {
		this.#faults.length = 0;
	}
}

// [code, message] used by status faults that do not name their own. 500 deliberately does not
// use 'invalid_request': the doc makes that code mean "malformed request, do not retry".
const STATUS_DEFAULTS: Record<number, [string, string]> = {
	400: ['invalid_request', 'Invalid request'],
	401: ['', 'Invalid token'],
	403: ['forbidden', 'This key is not allowed to use this model'],
	429: ['rate_limit_exceeded', 'Upstream load is saturated, please try again later'],
	500: ['internal_error', 'Internal server error'],
	502: ['bad_gateway', 'The upstream provider returned an invalid response'],
	503: ['service_unavailable', 'No available channel for this model'],
	504: ['gateway_timeout', 'The upstream provider timed out'],
	524: ['timeout', 'A timeout occurred'],
};

export function statusFaultAnswer(fault: Fault): BodyAnswer {
	const status = fault.status ?? 500;
	const [code, message] = STATUS_DEFAULTS[status] ?? ['', `HTTP ${status}`];
	return errorAnswer(status, fault.message ?? message, {
		code: fault.code ?? code,
		headers: fault.headers,
	});
}

/** A 200 JSON answer cut in half: the real JSON answer when there is one (so a create still made its job). */
export function malformedJsonAnswer(answer: Answer, fault: Fault): BodyAnswer {
	const text =
		'body' in answer && answer.headers['content-type'] === 'application/json'
			? answer.body
			: '{"object":"video","status":"completed","id":"';
	const headers = { 'content-type': 'application/json', ...fault.headers };
	return {
		status: fault.status ?? 200,
		headers,
		body: text.slice(0, Math.max(1, Math.floor(text.length / 2))),
	};
}
