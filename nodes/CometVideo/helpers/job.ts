import type { IDataObject } from 'n8n-workflow';

import { ROUTES, type RouteKey, type VideoRoute } from './routes';

/** A video job as the node outputs it, whichever variant of the API object it came from. */
export interface VideoJob extends IDataObject {
	id: string;
	/** The route the job lives on: what Retrieve and Download downstream need beside the id. */
	route: RouteKey;
	status: string;
	progress: number | null;
	model: string | null;
	size: string | null;
	seconds: string | null;
	prompt: string | null;
	videoUrl: string | null;
	/**
	 * Only on a job that has one: n8n reads an `error` field on the first output item (even
	 * `null`) as a failed run, and Retry On Fail would run the node again.
	 */
	error?: { code: string; message: string };
	createdAt: string | null;
	completedAt: string | null;
	expiresAt: string | null;
	remixedFromVideoId: string | null;
	/** USD, only where the answer reports the real cost. */
	costUsd?: number;
}

export type JobOutcome = 'pending' | 'completed' | 'failed';

/** What CometAPI issues (task_…, video_…): anything else could steer a request to another path. */
const JOB_ID = /^[A-Za-z0-9_-]{1,200}$/;

export function isJobId(id: string): boolean {
	return JOB_ID.test(id);
}

function text(value: unknown): string | null {
	return typeof value === 'string' && value !== ''
		? value
		: typeof value === 'number'
			? String(value)
			: null;
}

/** Unix seconds (the API's unit), Unix milliseconds (Kling's) or an ISO string, as ISO. */
function isoTime(value: unknown): string | null {
	if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
		// Seconds reach 1e11 only in the year 5138: anything larger is milliseconds.
		return new Date(value > 1e11 ? value : value * 1000).toISOString();
	}
	return text(value);
}

/**
 * An error that says something. `{}` and `{ code: '', message: '' }` (what a gateway sends when
 * its error struct is not optional) are no error: on the first output item n8n would take any
 * `error` field for a failed run.
 */
function jobError(value: unknown): Pick<VideoJob, 'error'> {
	if (!value || typeof value !== 'object') return {};
	const { code, message } = value as IDataObject;
	const error = { code: text(code)?.trim() ?? '', message: text(message)?.trim() ?? '' };
	return error.code || error.message ? { error } : {};
}

/** xAI's unit of money in `usage.cost_in_usd_ticks`: 10^10 ticks are one US dollar. */
const TICKS_PER_USD = 1e10;

/**
 * What the job really cost, where its answer reports it (`usage.cost_in_usd_ticks`, documented
 * on xAI's route; read from any answer, since a gateway may add it to others).
 */
function jobCost(usage: unknown): Pick<VideoJob, 'costUsd'> {
	const given = (usage as IDataObject | null | undefined)?.cost_in_usd_ticks;
	const ticks =
		typeof given === 'number' || (typeof given === 'string' && given.trim() !== '')
			? Number(given)
			: NaN;
	return Number.isFinite(ticks) && ticks >= 0 ? { costUsd: ticks / TICKS_PER_USD } : {};
}

/**
 * The layers an answer may nest its job in, innermost first: the provider's object as it is
 * (`/v1/videos`, xAI, Runway), Kling's `{ code, message, data: { task_id, task_status, … } }`, or
 * CometAPI's wrapper `{ code, message, data: { status, fail_reason, …, data: { provider object } } }`.
 * The pages disagree on which shape a route answers today, so every one is read.
 */
function layersOf(raw: IDataObject): IDataObject[] {
	const layers = [raw];
	for (let layer = raw; layers.length < 3;) {
		const inner = layer.data;
		if (!inner || typeof inner !== 'object' || Array.isArray(inner)) break;
		layer = inner as IDataObject;
		layers.unshift(layer);
	}
	return layers;
}

/** The first of `read` that gives a value, innermost layer first. */
function first<T>(
	layers: IDataObject[],
	read: (layer: IDataObject) => T | null | undefined,
): T | null {
	for (const layer of layers) {
		const value = read(layer);
		if (value !== null && value !== undefined) return value;
	}
	return null;
}

function child(value: unknown, key: string | number): unknown {
	return value && typeof value === 'object' ? (value as IDataObject)[key as string] : undefined;
}

/** Where each route keeps the result link (families sheet; other-routes sheet §7). */
function linkIn(layer: IDataObject): string | null {
	return (
		text(layer.video_url) ??
		text(child(layer.metadata, 'url')) ??
		text(child(layer.video, 'url')) ??
		text(child(child(child(layer.task_result, 'videos'), 0), 'url')) ??
		text(child(layer.output, 0)) ??
		text(layer.result_url)
	);
}

const LINK = /^https?:\/\//i;

/**
 * Why the job failed, as the route says it: the `error` object, or (on a job that failed only:
 * these fields may hold any text, and any `error` on a first output item fails n8n's run) Kling's
 * `task_status_msg`, Runway's `failure` and `failureCode`, or the wrapper's `fail_reason` (which
 * carried the link on a success in one live example, so a link there is no reason).
 */
function errorIn(layer: IDataObject, failed: boolean): Pick<VideoJob, 'error'> | null {
	const given = jobError(layer.error);
	if (given.error || !failed) return given.error ? given : null;
	const reason = [layer.task_status_msg, layer.failure, layer.fail_reason]
		.map(text)
		.find((value) => value && !LINK.test(value));
	const code = text(layer.failureCode);
	return reason || code ? { error: { code: code ?? '', message: reason?.trim() ?? '' } } : null;
}

/**
 * The job's status: a status of an end without a video in any layer wins (the wrapper may give
 * up while the provider's object is stale); otherwise the innermost (the provider's own word).
 */
function statusOf(layers: IDataObject[]): string {
	const words = layers
		.map((layer) => text(layer.status) ?? text(layer.task_status))
		.filter((word): word is string => word !== null)
		.map(normalizeStatus);
	return words.find((word) => outcomeOf(word) === 'failed') ?? words[0] ?? '';
}

/** Progress in percent: a number, a "40%" text, or (`fraction`) Runway's 0–1. */
function progressOf(value: unknown, fraction: boolean): number | null {
	if (typeof value === 'string' && value.trim().endsWith('%')) {
		const percent = Number(value.trim().slice(0, -1));
		return value.trim() !== '%' && Number.isFinite(percent) ? percent : null;
	}
	const number = Number(value);
	if (value === null || value === undefined || value === '' || !Number.isFinite(number))
		return null;
	return fraction ? Math.round(number * 100) : number;
}

/** `route`: the route that answered (its progress unit; the job keeps its name). */
export function normalizeJob(raw: IDataObject, route: VideoRoute = ROUTES.videos): VideoJob {
	const layers = layersOf(raw);
	const status = statusOf(layers);
	const pick = (...keys: string[]) =>
		first(layers, (layer) => keys.map((key) => text(layer[key])).find(Boolean));
	const link =
		first(layers, linkIn) ??
		// The wrapper's live example carried the link in fail_reason on a success.
		(outcomeOf(status) === 'completed'
			? first(layers, (layer) => {
					const reason = text(layer.fail_reason);
					return reason && LINK.test(reason) ? reason : null;
				})
			: null);
	return {
		// Kling's outer request_id names the request, not the task: the innermost id comes first.
		id: pick('id', 'task_id', 'request_id') ?? '',
		route: route.key,
		// An answer without a status says nothing yet (xAI's pending answer is only its id).
		status,
		progress: first(layers, (layer) =>
			progressOf(layer.progress, route.progressIsFraction === true),
		),
		model: pick('model', 'model_name'),
		size: text(raw.size),
		seconds: text(raw.seconds),
		prompt: text(raw.prompt),
		videoUrl: link,
		...(first(layers, (layer) => errorIn(layer, outcomeOf(status) === 'failed')) ?? {}),
		createdAt: first(layers, (layer) => isoTime(layer.created_at ?? layer.createdAt)),
		completedAt: isoTime(raw.completed_at),
		expiresAt: isoTime(raw.expires_at),
		remixedFromVideoId: text(raw.remixed_from_video_id),
		...(first(layers, (layer) => {
			const cost = jobCost(layer.usage);
			return cost.costUsd === undefined ? null : cost;
		}) ?? {}),
	};
}

/**
 * CometAPI's routes spell statuses in several ways (older pages: SUBMITTED, IN_PROGRESS,
 * SUCCESS, FAILED): each is read without case and output in the node's own words.
 */
const STATUS_WORDS: Record<string, string> = {
	queued: 'queued',
	submitted: 'queued',
	pending: 'queued',
	in_progress: 'in_progress',
	running: 'in_progress',
	processing: 'in_progress',
	completed: 'completed',
	succeeded: 'completed',
	succeed: 'completed',
	success: 'completed',
	done: 'completed',
	failed: 'failed',
	failure: 'failed',
	fail: 'failed',
	rejected: 'failed',
	error: 'error',
	expired: 'expired',
	timeout: 'expired',
	timed_out: 'expired',
	cancelled: 'cancelled',
	canceled: 'cancelled',
	unknown: 'unknown',
};

/**
 * Words of an end that no page lists yet (`CANCELED_BY_USER`, `FAILED_MODERATION`): a status
 * that says it failed, was refused, cancelled, expired or timed out never turns into a video, so
 * waiting out the whole Timeout for it would only waste the time.
 */
const ENDED_WITHOUT_VIDEO: Array<[RegExp, string]> = [
	[/cancel|abort/, 'cancelled'],
	[/expire|time_?out/, 'expired'],
	[/fail|error|reject/, 'failed'],
];

export function normalizeStatus(status: string): string {
	const word = status
		.trim()
		.toLowerCase()
		.replace(/[\s-]+/g, '_');
	if (Object.hasOwn(STATUS_WORDS, word)) return STATUS_WORDS[word];
	return ENDED_WITHOUT_VIDEO.find(([pattern]) => pattern.test(word))?.[1] ?? status;
}

/**
 * `error` is terminal on some CometAPI pages, and the gateway reports statuses it does not know
 * as `unknown`: neither will turn into a video, so both end the wait as a failure, as do an
 * expired and a cancelled job.
 */
export function jobOutcome(job: VideoJob): JobOutcome {
	return outcomeOf(job.status);
}

function outcomeOf(status: string): JobOutcome {
	switch (normalizeStatus(status)) {
		case 'completed':
			return 'completed';
		case 'failed':
		case 'error':
		case 'unknown':
		case 'cancelled':
		case 'expired':
			return 'failed';
		default:
			return 'pending';
	}
}

export function failureReason(job: VideoJob): string {
	if (job.error?.message) return job.error.message;
	if (job.status === 'unknown') {
		return 'CometAPI reports the status "unknown": the provider returned a state it does not recognise';
	}
	return 'the provider gave no reason';
}
