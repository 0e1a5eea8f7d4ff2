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
	/** Runs `task` in a request slot; `itemIndex`: the item it is for, where it is one's. */
	run<T>(
		cancel: Cancellation,
		task: (sentAt: number) => Promise<T>,
		itemIndex?: number,
	): Promise<T>;
	answered(sentAt: number, answer: Answered): void;
	/**
	 * Resolves when the execution may start item `itemIndex`: once fewer than a budget's worth of
	 * the items it started are still waiting for their first request slot (at once when cancelled;
	 * the item's request then finds that out). An item not started holds nothing but its input,
	 * so ten thousand items do not wait as ten thousand suspended requests.
	 */
	admit(cancel: Cancellation, itemIndex: number): Promise<void>;
	/** Item `itemIndex` ended (whether or not it sent anything): it no longer waits to start. */
	ended(itemIndex: number): void;
	leave(): void;
}

/** One execution's waiters: items' first requests (creates) ahead of the others. */
interface Waiters {
	first: Array<() => void>;
	rest: Array<() => void>;
}

/** One execution at the limiter: its ceiling, and the items it started that wait for a slot. */
interface Member {
	ceiling: number;
	starting: Set<number>;
	/** Wakes the execution's wait in `admit`, if it waits. */
	wakeAdmit?: () => void;
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

	/**
	 * Each execution's waiters in arrival order, items' first requests (`first`: a create) ahead
	 * of the others (polls, files), so every job starts as early as the budget allows and its
	 * generation time passes while the others' requests go; `turns`: executions with waiters, in turn.
	 */
	private readonly waiting = new Map<symbol, Waiters>();

	private readonly turns: symbol[] = [];

	private waiters = 0;

	private readonly members = new Map<symbol, Member>();

	private lowestCeiling = 1;

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
		const state: Member = { ceiling: Math.max(1, maxInFlight), starting: new Set() };
		this.members.set(member, state);
		this.updateCeiling();
		return {
			run: (cancel, task, itemIndex) => this.run(member, cancel, task, itemIndex),
			answered: (sentAt, answer) => this.answered(sentAt, answer),
			admit: (cancel, itemIndex) => this.admit(state, cancel, itemIndex),
			ended: (itemIndex) => this.started(state, itemIndex),
			leave: () => {
				this.members.delete(member);
				this.updateCeiling();
				this.drain();
				if (this.members.size === 0 && this.active === 0) this.onIdle();
			},
		};
	}

	private updateCeiling(): void {
		let lowest = Infinity;
		for (const { ceiling } of this.members.values()) lowest = Math.min(lowest, ceiling);
		this.lowestCeiling = lowest === Infinity ? 1 : lowest;
	}

	/** The smallest Max Requests in Flight of the executions running (1 with none). */
	get ceiling(): number {
		return this.lowestCeiling;
	}

	private async admit(state: Member, cancel: Cancellation, itemIndex: number): Promise<void> {
		while (state.starting.size >= this.budget && !cancel.isCancelled) {
			await new Promise<void>((resolve) => {
				const unsubscribe = cancel.subscribe(() => state.wakeAdmit?.());
				state.wakeAdmit = () => {
					state.wakeAdmit = undefined;
					unsubscribe();
					resolve();
				};
			});
		}
		state.starting.add(itemIndex);
	}

	/** Item `itemIndex` got its first slot, or ended: room for the next item to start. */
	private started(state: Member, itemIndex: number): void {
		if (state.starting.delete(itemIndex)) state.wakeAdmit?.();
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
		itemIndex: number | undefined,
	): Promise<T> {
		const state = this.members.get(member);
		if (this.active >= this.budget || this.waiters > 0) {
			const first = itemIndex !== undefined && state?.starting.has(itemIndex) === true;
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
				this.enqueue(member, wake, first);
			});
		} else {
			this.active++;
		}
		if (state && itemIndex !== undefined) this.started(state, itemIndex);
		try {
			return await task(Date.now());
		} finally {
			this.active--;
			this.drain();
		}
	}

	private enqueue(member: symbol, wake: () => void, first: boolean): void {
		let queue = this.waiting.get(member);
		if (!queue) {
			queue = { first: [], rest: [] };
			this.waiting.set(member, queue);
			this.turns.push(member);
		}
		(first ? queue.first : queue.rest).push(wake);
		this.waiters++;
	}

	private leaveQueue(member: symbol, wake: () => void): void {
		const queue = this.waiting.get(member) ?? { first: [], rest: [] };
		for (const line of [queue.first, queue.rest]) {
			const at = line.indexOf(wake);
			if (at !== -1) line.splice(at, 1);
		}
		this.waiters--;
		if (queue.first.length + queue.rest.length === 0) this.forget(member);
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
			// A larger budget lets each execution start more items.
			for (const state of this.members.values()) state.wakeAdmit?.();
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
			const queue = this.waiting.get(member) as Waiters;
			const wake = (queue.first.shift() ?? queue.rest.shift()) as () => void;
			this.waiters--;
			if (queue.first.length + queue.rest.length > 0) this.turns.push(member);
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
