/** The poll schedule on its own: when the next status check of a job goes out. */
import { nextPollDelay } from '../../dist/nodes/CometVideo/helpers/poll-schedule';

const settings = { maxPollIntervalMs: 10_000, timeoutMs: 600_000 };
const sample = (seconds: number, progress: number) => ({ at: seconds * 1000, progress });

describe('nextPollDelay', () => {
	test('aims just past the estimated finish while progress moves', () => {
		// 20 % in 2 s: 80 % to go at 10 %/s is 8 s.
		const delay = nextPollDelay(settings, 1, sample(0, 0), sample(2, 20));
		expect(delay).toBeGreaterThan(8000 * 0.95);
		expect(delay).toBeLessThan(8600 * 1.05);
	});

	test('never waits longer than the poll interval, nor less than a second', () => {
		expect(nextPollDelay(settings, 1, sample(0, 0), sample(2, 1))).toBeLessThanOrEqual(10_000);
		expect(nextPollDelay(settings, 1, sample(0, 0), sample(10, 99.9))).toBeGreaterThanOrEqual(1000);
		// Not even when a server hints an hour.
		expect(nextPollDelay(settings, 0, sample(0, 0), sample(1, 10), 3_600_000)).toBe(10_000);
	});

	test('a stalled job falls back to growing gaps instead of polling every second', () => {
		// Jumped to 95 % early, then stuck: the rate between the last two samples is zero.
		const delays = [3, 4, 5, 6].map((polls) =>
			nextPollDelay(settings, polls, sample(60, 95), sample(70, 95)),
		);
		for (const delay of delays) expect(delay).toBeGreaterThan(2000 * 1.5 ** 3 * 0.95);
		expect(Math.max(...delays)).toBeLessThanOrEqual(10_000);
	});

	test('without progress figures the gaps start at 2 s and grow by half', () => {
		const first = nextPollDelay(settings, 0, sample(0, 0), sample(0, 0));
		const third = nextPollDelay(settings, 2, sample(4, 0), sample(7, 0));
		expect(first).toBeGreaterThan(1900);
		expect(first).toBeLessThan(2100);
		expect(third).toBeGreaterThan(4500 * 0.95);
		expect(third).toBeLessThan(4500 * 1.05);
	});

	test("a server's poll-after hint wins, with a floor against busy loops", () => {
		expect(nextPollDelay(settings, 0, sample(0, 0), sample(1, 10), 3500)).toBe(3500);
		expect(nextPollDelay(settings, 0, sample(0, 0), sample(1, 10), 0)).toBe(200);
	});
});
