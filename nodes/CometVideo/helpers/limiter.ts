import { createHash } from 'crypto';

import type { Cancellation } from './pause';

export class SlotWaitCancelled extends Error {
	constructor() {
		super('The execution was cancelled while waiting for a free request slot');
	}
}

/** Where the budget starts: the "about five at once" of CometAPI's concurrency guide. */
export const START_BUDGET = 5;
/**
 * Latency "climbs" when an answer takes this much longer than the fastest seen (and at least
 * twice as long): the server, or the way to it, is queueing our requests.
 */
const SLOW_MARGIN_MS = 1000;

/** How an answer went, for the budget: `overloaded` (429, 503), or fine in `latencyMs`. */
export type Answered = { overloaded: true } | { overloaded: false; latencyMs?: number };

/** One execution's place at a key's limiter. */
export interface LimiterSeat {
	run<T>(cancel: Cancellation, task: (sentAt: number) => Promise<T>): Promise<T>;
	answered(sentAt: number, answer: Answered): void;
	leave(): void;
}

/**
 * How many requests go to CometAPI at once with one API key, across every item and every
 * execution running in this n8n process: an adaptive budget. It starts at five, doubles each
 * round trip while answers come back fine and fast, then grows by one per round trip; it halves
 * at once on a 429 or a 503 (CometAPI's answers to overload) and shrinks by a quarter when
 * latency climbs, once per burst (answers to requests sent before a cut do not cut again). It
 * never goes above the ceiling, the smallest "Max Requests in Flight" of the executions running,
 * nor below one. Waiters are served in turn across the executions sharing the key (one
 * execution's thousand queued requests do not hold another's first one back) and in arrival
 * order within each, so no item starves.
 */
export class RequestLimiter {
	private active = 0;

	/** Each execution's waiters, in arrival order; `turns`: executions with waiters, in turn. */
	private readonly waiting = new Map<symbol, Array<() => void>>();

	private readonly turns: symbol[] = [];

	private waiters = 0;

	private readonly members = new Map<symbol, number>();

	private allowed = START_BUDGET;

	private slowStart = true;

	/** Fine answers since the last step up, once past slow start: a budget's worth adds one. */
	private credit = 0;

	/** When the budget was last cut. */
	private cutAt = -Infinity;

	/** The fastest answer seen, the yardstick for "latency climbs". */
	private fastestMs = Infinity;

	/** For the benchmark and the README's figures: the highest budget, and overloads seen. */
	readonly stats = { peakBudget: START_BUDGET, overloads: 0 };

	constructor(private readonly onIdle: () => void = () => undefined) {}

	/**
	 * Registers one execution's ceiling: its seat runs its requests (`run`) and leaves when the
	 * execution ends (`leave`).
	 */
	join(maxInFlight: number): LimiterSeat {
		const member = Symbol('execution');
		this.members.set(member, Math.max(1, maxInFlight));
		return {
			run: async (cancel, task) => await this.run(member, cancel, task),
			answered: (sentAt, answer) => this.answered(sentAt, answer),
			leave: () => {
				this.members.delete(member);
				this.drain();
				if (this.members.size === 0 && this.active === 0) this.onIdle();
			},
		};
	}

	/** The smallest Max Requests in Flight of the executions running. */
	get ceiling(): number {
		return this.members.size === 0 ? 1 : Math.min(...this.members.values());
	}

	/** How many requests may be in flight now. */
	get budget(): number {
		return Math.max(1, Math.min(this.allowed, this.ceiling));
	}

	/**
	 * Runs `task` of execution `member` in a free slot; a waiter leaves the queue when its
	 * execution is cancelled. `task` gets the time its request goes out, to report how it was
	 * answered with `answered`.
	 */
	private async run<T>(
		member: symbol,
		cancel: Cancellation,
		task: (sentAt: number) => Promise<T>,
	): Promise<T> {
		if (this.active >= this.budget || this.waiters > 0) {
			// The slot is counted for us by drain() before we are woken.
			await new Promise<void>((resolve, reject) => {
				if (cancel.isCancelled) return reject(new SlotWaitCancelled());
				const unsubscribe = cancel.subscribe(() => {
					this.leaveQueue(member, wake);
					reject(new SlotWaitCancelled());
				});
				const wake = () => {
					unsubscribe();
					resolve();
				};
				this.enqueue(member, wake);
			});
		} else {
			this.active++;
		}
		try {
			return await task(Date.now());
		} finally {
			this.active--;
			this.drain();
		}
	}

	private enqueue(member: symbol, wake: () => void): void {
		let queue = this.waiting.get(member);
		if (!queue) {
			queue = [];
			this.waiting.set(member, queue);
			this.turns.push(member);
		}
		queue.push(wake);
		this.waiters++;
	}

	private leaveQueue(member: symbol, wake: () => void): void {
		const queue = this.waiting.get(member) ?? [];
		queue.splice(queue.indexOf(wake), 1);
		this.waiters--;
		if (queue.length === 0) this.forget(member);
	}

	private forget(member: symbol): void {
		this.waiting.delete(member);
		this.turns.splice(this.turns.indexOf(member), 1);
	}

	/** How the answer to a request sent at `sentAt` went: the budget follows it. */
	answered(sentAt: number, answer: Answered): void {
		if (answer.overloaded) {
			this.stats.overloads++;
			this.cut(sentAt, 0.5);
			return;
		}
		if (answer.latencyMs === undefined) return;
		const latency = answer.latencyMs;
		this.fastestMs = Math.min(this.fastestMs, latency);
		if (latency > Math.max(2 * this.fastestMs, this.fastestMs + SLOW_MARGIN_MS)) {
			this.cut(sentAt, 0.75);
			return;
		}
		// Grow only while the budget is what holds requests back.
		if (this.active + this.waiters < this.budget) return;
		this.credit++;
		if (this.slowStart || this.credit >= this.budget) {
			this.allowed = Math.min(this.ceiling, this.budget + 1);
			this.credit = 0;
		}
		this.stats.peakBudget = Math.max(this.stats.peakBudget, this.budget);
		this.drain();
	}

	/** Shrinks the budget by `factor`, once for the requests in flight when it happens. */
	private cut(sentAt: number, factor: number): void {
		this.slowStart = false;
		if (sentAt < this.cutAt) return;
		this.allowed = Math.max(1, Math.floor(this.budget * factor));
		this.credit = 0;
		this.cutAt = Date.now();
	}

	/** Wakes waiters while slots are free: one per execution in turn. */
	private drain(): void {
		while (this.waiters > 0 && this.active < this.budget) {
			const member = this.turns.shift() as symbol;
			const queue = this.waiting.get(member) as Array<() => void>;
			const wake = queue.shift() as () => void;
			this.waiters--;
			if (queue.length > 0) this.turns.push(member);
			else this.waiting.delete(member);
			this.active++;
			wake();
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
