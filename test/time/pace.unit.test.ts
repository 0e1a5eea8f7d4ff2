/** JobPace: how long an execution's jobs of one model take, learned from their polls. */
import { describe, expect, test } from '@jest/globals';

import { JobPace } from '../../dist/nodes/CometVideo/helpers/pace';

describe('JobPace', () => {
	test('nothing learned: no extra wait', () => {
		expect(new JobPace().waitBeforePoll('veo3.1', 2000)).toBe(0);
	});

	test('a job at 40 % after 2 s takes about 5 s: a new job waits until just past that', () => {
		const pace = new JobPace();
		pace.learn('veo3.1', 2000, 40);
		expect(pace.waitBeforePoll('veo3.1', 2000)).toBeCloseTo(5000 * 1.05 + 100 - 2000);
		expect(pace.waitBeforePoll('veo3.1', 6000)).toBe(0);
		// Per model: another model's jobs have taught nothing.
		expect(pace.waitBeforePoll('kling-v2-6', 2000)).toBe(0);
	});

	test('the median of the newest estimates: one slow or fast job does not move it', () => {
		const pace = new JobPace();
		for (const progress of [50, 50, 50, 5, 99]) pace.learn('m', 5000, progress);
		expect(pace.waitBeforePoll('m', 0)).toBeCloseTo(10_000 * 1.05 + 100);
	});

	test('jobs seen done, at 0 % or without a progress figure teach nothing (the wait cannot creep up)', () => {
		const pace = new JobPace();
		for (const progress of [null, 0, 100]) pace.learn('m', 9000, progress);
		expect(pace.waitBeforePoll('m', 0)).toBe(0);
	});

	test('the newest estimates count: an old pace is forgotten', () => {
		const pace = new JobPace();
		for (let i = 0; i < 31; i++) pace.learn('m', 1000, 10);
		for (let i = 0; i < 31; i++) pace.learn('m', 1000, 50);
		expect(pace.waitBeforePoll('m', 0)).toBeCloseTo(2000 * 1.05 + 100);
	});
});
