/** The request limiter: a waiter cancelled in the queue leaves it; the adaptive budget. */
import { describe, expect, test } from '@jest/globals';

import { RequestLimiter, SlotWaitCancelled } from '../../dist/nodes/CometVideo/helpers/limiter';
import { Pause } from '../../dist/nodes/CometVideo/helpers/pause';

/** An execution that is never cancelled. */
const running = new Pause(undefined);

describe('RequestLimiter', () => {
	test('a waiter leaves the queue on cancel, and the next one gets the slot', async () => {
		const seat = new RequestLimiter().join(1);
		let finishFirst = () => undefined as void;
		const first = seat.run(running, async () => {
			await new Promise<void>((resolve) => (finishFirst = resolve));
			return 'first';
		});
		const cancel = new AbortController();
		const cancelled = seat.run(new Pause(cancel.signal), async () => 'never');
		const third = seat.run(running, async () => 'third');
		cancel.abort();
		await expect(cancelled).rejects.toBeInstanceOf(SlotWaitCancelled);
		finishFirst();
		await expect(first).resolves.toBe('first');
		await expect(third).resolves.toBe('third');
		seat.leave();
	});

	test('executions sharing the key take turns: a queue of one does not wait behind the queue of another', async () => {
		const limiter = new RequestLimiter();
		const [busy, other] = [limiter.join(1), limiter.join(1)];
		const order: string[] = [];
		let finishFirst = () => undefined as void;
		const first = busy.run(running, async () => {
			await new Promise<void>((resolve) => (finishFirst = resolve));
			order.push('busy 0');
		});
		const queued = [1, 2, 3, 4, 5].map((i) =>
			busy.run(running, async () => void order.push(`busy ${i}`)),
		);
		const others = other.run(running, async () => void order.push('other 0'));
		finishFirst();
		await Promise.all([first, ...queued, others]);
		expect(order.slice(0, 3)).toEqual(['busy 0', 'busy 1', 'other 0']);
		busy.leave();
		other.leave();
	});
});

/**
 * The adaptive budget, driven by hand: `demand` requests are held in flight (and queued), and
 * answers are reported as the exchange reports them.
 */
describe('RequestLimiter: the adaptive budget', () => {
	/** A limiter with `demand` requests held, each released by calling the returned function. */
	function loaded(ceiling: number, demand: number) {
		const limiter = new RequestLimiter();
		const seat = limiter.join(ceiling);
		const finishers: Array<() => void> = [];
		const requests = Array.from({ length: demand }, () =>
			seat.run(running, async () => {
				await new Promise<void>((resolve) => finishers.push(resolve));
			}),
		);
		const finishAll = async () => {
			for (let i = 0; i < demand; i++) {
				while (finishers.length === 0) await Promise.resolve();
				(finishers.shift() as () => void)();
				await Promise.resolve();
			}
			await Promise.all(requests);
			seat.leave();
		};
		return { limiter, finishAll };
	}

	test('starts at 5, and doubles per round of fine answers while demand fills it (slow start)', async () => {
		const { limiter, finishAll } = loaded(100, 50);
		expect(limiter.budget).toBe(5);
		for (let i = 0; i < 5; i++) limiter.answered(Date.now(), { overloaded: false, latencyMs: 20 });
		expect(limiter.budget).toBe(10);
		await finishAll();
	});

	test('never above the ceiling (the smallest Max Requests in Flight running)', async () => {
		const { limiter, finishAll } = loaded(7, 50);
		for (let i = 0; i < 40; i++) limiter.answered(Date.now(), { overloaded: false, latencyMs: 20 });
		expect(limiter.budget).toBe(7);
		expect(limiter.stats.peakBudget).toBe(7);
		await finishAll();
	});

	test('no growth while demand stays below the budget', async () => {
		const { limiter, finishAll } = loaded(100, 2);
		for (let i = 0; i < 40; i++) limiter.answered(Date.now(), { overloaded: false, latencyMs: 20 });
		expect(limiter.budget).toBe(5);
		await finishAll();
	});

	test('a 429 or 503 halves it at once, once per burst; then growth is one per round', async () => {
		const { limiter, finishAll } = loaded(100, 50);
		for (let i = 0; i < 15; i++) limiter.answered(Date.now(), { overloaded: false, latencyMs: 20 });
		expect(limiter.budget).toBe(20);
		const burstSentAt = Date.now() - 1;
		limiter.answered(burstSentAt, { overloaded: true });
		expect(limiter.budget).toBe(10);
		// Answers to the same burst (sent before the cut) do not cut again.
		for (let i = 0; i < 5; i++) limiter.answered(burstSentAt, { overloaded: true });
		expect(limiter.budget).toBe(10);
		expect(limiter.stats.overloads).toBe(6);
		// Congestion avoidance: about one more per budget's worth of fine answers.
		for (let i = 0; i < 10; i++) limiter.answered(Date.now(), { overloaded: false, latencyMs: 20 });
		expect(limiter.budget).toBe(11);
		await finishAll();
	});

	test('never below one, however many overloads', async () => {
		const { limiter, finishAll } = loaded(100, 10);
		for (let i = 0; i < 20; i++) {
			limiter.answered(Date.now() + 1, { overloaded: true });
			await new Promise((resolve) => setTimeout(resolve, 2));
		}
		expect(limiter.budget).toBe(1);
		await finishAll();
	});

	test('latency that climbs (twice the fastest and a second more) cuts it by a quarter', async () => {
		const { limiter, finishAll } = loaded(100, 50);
		for (let i = 0; i < 15; i++)
			limiter.answered(Date.now(), { overloaded: false, latencyMs: 200 });
		expect(limiter.budget).toBe(20);
		limiter.answered(Date.now(), { overloaded: false, latencyMs: 1100 });
		expect(limiter.budget).toBe(21);
		limiter.answered(Date.now(), { overloaded: false, latencyMs: 1300 });
		expect(limiter.budget).toBe(15);
		await finishAll();
	});
});

/**
 * Items start as the budget lets them in: an execution's items wait to start (holding nothing
 * but their input) while a budget's worth of its started items still wait for their first slot;
 * those first requests (creates) go ahead of the execution's other requests.
 */
describe('RequestLimiter: items start in turn', () => {
	/** Runs `ticks` rounds of the microtask queue. */
	const settleFor = async (ticks = 20) => {
		for (let i = 0; i < ticks; i++) await Promise.resolve();
	};

	test('no more than a budget of started items wait for their first slot; a slot, or an item ending, lets the next in', async () => {
		const seat = new RequestLimiter().join(100);
		const held: Array<() => void> = [];
		const hold = () => new Promise<void>((resolve) => held.push(resolve));
		// Five items in flight (the starting budget), five started and queued behind them.
		for (let i = 0; i < 10; i++) {
			await seat.admit(running, i);
			void seat.run(running, hold, i);
		}
		let admitted = false;
		const next = seat.admit(running, 10).then(() => (admitted = true));
		await settleFor();
		expect(admitted).toBe(false);
		// An item that ends without a request (say, a dry run) makes room as a slot does.
		seat.ended(9);
		await settleFor();
		expect(admitted).toBe(true);
		await next;
		(held.shift() as () => void)();
		await settleFor();
		expect(held).toHaveLength(5);
		seat.leave();
	});

	test('a cancelled execution stops waiting to start items (their requests then refuse)', async () => {
		const cancel = new AbortController();
		const pause = new Pause(cancel.signal);
		const seat = new RequestLimiter().join(1);
		await seat.admit(pause, 0);
		const first = seat.run(pause, () => new Promise<void>(() => undefined), 0);
		await seat.admit(pause, 1);
		const queued = seat.run(pause, async () => 'never', 1);
		const waiting = seat.admit(pause, 2);
		cancel.abort();
		await expect(waiting).resolves.toBeUndefined();
		await expect(queued).rejects.toBeInstanceOf(SlotWaitCancelled);
		void first;
		seat.leave();
	});

	test("an item's first request goes ahead of the execution's other waiting requests", async () => {
		const seat = new RequestLimiter().join(1);
		const order: string[] = [];
		let finishFirst = () => undefined as void;
		await seat.admit(running, 0);
		const busy = seat.run(
			running,
			() => new Promise<void>((resolve) => (finishFirst = resolve)),
			0,
		);
		const poll = seat.run(running, async () => void order.push('poll of item 0'), 0);
		await seat.admit(running, 1);
		const create = seat.run(running, async () => void order.push('create of item 1'), 1);
		finishFirst();
		await Promise.all([busy, poll, create]);
		expect(order).toEqual(['create of item 1', 'poll of item 0']);
		seat.leave();
	});
});
