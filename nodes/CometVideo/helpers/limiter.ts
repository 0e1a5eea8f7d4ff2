import { createHash } from 'crypto';

export class SlotWaitCancelled extends Error {
	constructor() {
		super('The execution was cancelled while waiting for a free request slot');
	}
}

/**
 * Caps how many requests go to CometAPI at once with one API key, across every item and every
 * execution running in this n8n process, so a burst of webhook-started executions stays inside
 * the key's rate limit (CometAPI suggests about five at once). Each execution joins with its own
 * "Max Requests in Flight"; the smallest value of those running is in force. Waiters are served
 * in arrival order.
 */
export class RequestLimiter {
	private active = 0;

	private readonly queue: Array<() => void> = [];

	private readonly members = new Map<symbol, number>();

	constructor(private readonly onIdle: () => void = () => undefined) {}

	/** Registers one execution's limit; call the returned function when the execution ends. */
	join(maxInFlight: number): () => void {
		const member = Symbol('execution');
		this.members.set(member, Math.max(1, maxInFlight));
		return () => {
			this.members.delete(member);
			this.drain();
			if (this.members.size === 0 && this.active === 0) this.onIdle();
		};
	}

	get capacity(): number {
		return this.members.size === 0 ? 1 : Math.min(...this.members.values());
	}

	/** Runs `task` in a free slot; a waiter leaves the queue when `cancel` aborts. */
	async run<T>(cancel: AbortSignal | undefined, task: () => Promise<T>): Promise<T> {
		if (this.active >= this.capacity || this.queue.length > 0) {
			// The slot is counted for us by drain() before we are woken.
			await new Promise<void>((resolve, reject) => {
				const leave = () => {
					this.queue.splice(this.queue.indexOf(wake), 1);
					reject(new SlotWaitCancelled());
				};
				const wake = () => {
					cancel?.removeEventListener('abort', leave);
					resolve();
				};
				if (cancel?.aborted) return reject(new SlotWaitCancelled());
				cancel?.addEventListener('abort', leave, { once: true });
				this.queue.push(wake);
			});
		} else {
			this.active++;
		}
		try {
			return await task();
		} finally {
			this.active--;
			this.drain();
		}
	}

	private drain(): void {
		while (this.queue.length > 0 && this.active < this.capacity) {
			this.active++;
			(this.queue.shift() as () => void)();
		}
	}
}

const sharedLimiters = new Map<string, RequestLimiter>();

/** The limiter of one key at one Base URL; the key itself is kept only as a hash. */
export function limiterFor(baseUrl: string, apiKey: string): RequestLimiter {
	const id = createHash('sha256').update(`${baseUrl}\n${apiKey}`).digest('hex');
	let limiter = sharedLimiters.get(id);
	if (!limiter) {
		limiter = new RequestLimiter(() => sharedLimiters.delete(id));
		sharedLimiters.set(id, limiter);
	}
	return limiter;
}
