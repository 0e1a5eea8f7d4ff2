/** The request limiter: a waiter cancelled in the queue leaves it. */
import { describe, expect, test } from '@jest/globals';

import { RequestLimiter, SlotWaitCancelled } from '../../dist/nodes/CometVideo/helpers/limiter';

describe('RequestLimiter', () => {
	test('a waiter leaves the queue on cancel, and the next one gets the slot', async () => {
		const limiter = new RequestLimiter();
		const release = limiter.join(1);
		let finishFirst = () => undefined as void;
		const first = limiter.run(undefined, async () => {
			await new Promise<void>((resolve) => (finishFirst = resolve));
			return 'first';
		});
		const cancel = new AbortController();
		const cancelled = limiter.run(cancel.signal, async () => 'never');
		const third = limiter.run(undefined, async () => 'third');
		cancel.abort();
		await expect(cancelled).rejects.toBeInstanceOf(SlotWaitCancelled);
		finishFirst();
		await expect(first).resolves.toBe('first');
		await expect(third).resolves.toBe('third');
		release();
	});
});
