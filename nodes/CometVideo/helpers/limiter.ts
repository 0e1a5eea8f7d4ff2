/**
 * Caps how many requests one execution has in flight, so a batch of jobs stays inside the
 * key's rate limit (CometAPI suggests about five at once). Waiters are served in arrival order.
 */
export class RequestLimiter {
	private active = 0;

	private readonly queue: Array<() => void> = [];

	constructor(private readonly maxInFlight: number) {}

	async run<T>(task: () => Promise<T>): Promise<T> {
		if (this.active >= this.maxInFlight) {
			await new Promise<void>((resolve) => this.queue.push(resolve));
		} else {
			this.active++;
		}
		try {
			return await task();
		} finally {
			const next = this.queue.shift();
			// Hand the slot straight to the next waiter so it cannot be taken twice.
			if (next) next();
			else this.active--;
		}
	}
}
