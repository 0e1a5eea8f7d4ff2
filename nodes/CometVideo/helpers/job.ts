import type { IDataObject } from 'n8n-workflow';

/** A video job as the node outputs it, whichever variant of the API object it came from. */
export interface VideoJob extends IDataObject {
	id: string;
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

/** Unix seconds (the API's unit) or an ISO string, as ISO. */
function isoTime(value: unknown): string | null {
	if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
		return new Date(value * 1000).toISOString();
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

export function normalizeJob(raw: IDataObject): VideoJob {
	const metadata = (
		raw.metadata && typeof raw.metadata === 'object' ? raw.metadata : {}
	) as IDataObject;
	const progress = Number(raw.progress);
	return {
		id: text(raw.id) ?? text(raw.task_id) ?? '',
		// An answer without a status says nothing yet: keep waiting, not a failure.
		status: normalizeStatus(text(raw.status) ?? ''),
		progress: Number.isFinite(progress) ? progress : null,
		model: text(raw.model),
		size: text(raw.size),
		seconds: text(raw.seconds),
		prompt: text(raw.prompt),
		// The link's place varies by backend; the content route works either way.
		videoUrl: text(raw.video_url) ?? text(metadata.url) ?? null,
		...jobError(raw.error),
		createdAt: isoTime(raw.created_at),
		completedAt: isoTime(raw.completed_at),
		expiresAt: isoTime(raw.expires_at),
		remixedFromVideoId: text(raw.remixed_from_video_id),
		...jobCost(raw.usage),
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
	switch (normalizeStatus(job.status)) {
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
