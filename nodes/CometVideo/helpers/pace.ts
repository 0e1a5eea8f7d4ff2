/**
 * How long an execution's jobs of one model take, learned from their own polls, so the first
 * poll of the next such job goes about when it should be done: a batch of like jobs then costs
 * one poll each, not a poll two seconds in and another once progress shows the rate.
 */

/** Estimates kept per model: the median of the newest ones is the expectation. */
const KEPT = 31;
/** Aim a little past the expected finish, as poll-schedule does with a job's own rate. */
const MARGIN = 1.05;
const MARGIN_MS = 100;

export class JobPace {
	private readonly estimates = new Map<string, number[]>();

	/**
	 * What a poll `elapsedMs` after the create showed of a job not yet done: at `progress` percent
	 * it will take about elapsed × 100 / progress. (A job seen done says only that it took at most
	 * that long, however late the poll: learning from it would let the wait creep up.)
	 */
	learn(model: string, elapsedMs: number, progress: number | null): void {
		if (progress === null || !(progress > 0 && progress < 100) || !(elapsedMs > 0)) return;
		const totalMs = (elapsedMs * 100) / progress;
		const kept = this.estimates.get(model) ?? [];
		kept.push(totalMs);
		if (kept.length > KEPT) kept.shift();
		this.estimates.set(model, kept);
	}

	/**
	 * How much longer to wait before polling a job of `model` that is `elapsedMs` old and has no
	 * rate of its own yet: until just past the expected finish (0 without an expectation).
	 */
	waitBeforePoll(model: string, elapsedMs: number): number {
		const kept = this.estimates.get(model);
		if (!kept?.length) return 0;
		const sorted = [...kept].sort((a, b) => a - b);
		const expectedMs = sorted[Math.floor(sorted.length / 2)];
		return Math.max(0, expectedMs * MARGIN + MARGIN_MS - elapsedMs);
	}
}
