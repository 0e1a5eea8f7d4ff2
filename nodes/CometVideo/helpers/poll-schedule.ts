/** When to poll a job next: a pure schedule, tested on its own. */
export interface PollSettings {
	/** The longest gap between two polls of one job; a server's hint never stretches it. */
	maxPollIntervalMs: number;
}

/** OpenAI's SDK polls every second; nothing is gained by asking more often. */
const MIN_POLL_MS = 1000;
/** Without a progress figure to go by, gaps start here and grow by half each poll. */
const FIRST_POLL_MS = 2000;
const GROWTH = 1.5;
/** A server hint of "now" still should not turn the wait into a busy loop. */
const SERVER_DELAY_FLOOR_MS = 200;

export interface ProgressSample {
	at: number;
	progress: number;
}

/**
 * A job whose progress moved since the last poll is polled about when it should be done (seen
 * promptly, without a flood of polls); one that reports no progress, or has stalled, is polled
 * at gaps that grow to the set maximum. A server's poll-after hint is followed, but never past
 * that maximum: a hint of an hour must not sleep through a finished job.
 */
export function nextPollDelay(
	settings: PollSettings,
	pollsSoFar: number,
	previous: ProgressSample,
	latest: ProgressSample,
	serverDelayMs?: number,
): number {
	const ceiling = Math.max(MIN_POLL_MS, settings.maxPollIntervalMs);
	if (serverDelayMs !== undefined) {
		return Math.min(ceiling, Math.max(SERVER_DELAY_FLOOR_MS, serverDelayMs));
	}
	const rate = (latest.progress - previous.progress) / Math.max(1, latest.at - previous.at);
	let delay: number;
	if (rate > 0 && latest.progress < 100) {
		// Aim just past the estimated finish, so the poll that goes out finds it done.
		delay = ((100 - latest.progress) / rate) * 1.05 + 100;
	} else {
		delay = FIRST_POLL_MS * GROWTH ** pollsSoFar;
	}
	// A little jitter keeps the polls of many jobs from moving in lockstep.
	const jitter = 1 + (Math.random() - 0.5) * 0.1;
	return Math.min(ceiling, Math.max(MIN_POLL_MS, delay * jitter));
}
