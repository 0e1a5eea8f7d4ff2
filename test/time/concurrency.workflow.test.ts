/**
 * Many items at once: jobs overlap (wall time about one job, not the sum), requests in flight
 * stay under the limit, outputs keep input order and pairing under mixed success and failure,
 * and polling follows the server's hint without sleeping on finished jobs. Real workflow
 * executions against the simulator.
 */

import { sha256 } from '../../tools/files';
import type { StartItem } from '../../tools/harness';
import type { RequestRecord } from '../../tools/simulator';
import { createParams, jobOf, requestsTo, runVideoNode } from '../support/helpers';
import { useSimulator } from '../support/simulator-run';

const getSim = useSimulator({ jobDurationMs: 500, videoBytes: 64 * 1024 });

beforeAll(async () => {
	// Warm up: the first execution in a file loads n8n and the package, which is not what the
	// timing assertions below are about.
	const sim = getSim();
	await runVideoNode(sim, createParams({ waitForCompletion: false }));
});

function itemsWithPrompts(prompts: string[]): StartItem[] {
	return prompts.map((prompt, index) => ({ json: { prompt, index } }));
}

/** Gaps (ms) between consecutive requests of one route. */
function gaps(requests: RequestRecord[]): number[] {
	return requests.slice(1).map((request, i) => request.at - requests[i].at);
}

describe('overlap', () => {
	test('6 items with wait: all 6 jobs run at once, total time about one job, not the sum', async () => {
		const sim = getSim();
		const jobMs = 1500;
		sim.configure({ jobDurationMs: jobMs });
		const prompts = Array.from({ length: 6 }, (_, i) => `Scene ${i}`);
		const result = await runVideoNode(sim, createParams({ prompt: '={{ $json.prompt }}' }), {
			items: itemsWithPrompts(prompts),
		});

		expect(result.status).toBe('success');
		expect(result.items).toHaveLength(6);
		expect(sim.createCount()).toBe(6);
		// All six jobs were running at the same moment: the wall time is one job's, not the sum
		// (a benchmark measures it; a bound on it here only fails on a loaded machine).
		expect(sim.maxConcurrentJobs()).toBe(6);
		for (const [i, item] of result.items.entries()) {
			expect(item.pairedItem).toEqual({ item: i });
			expect(item.json).toMatchObject({ status: 'completed', prompt: prompts[i] });
			expect(sha256(await result.readBinary(item.binary?.data))).toBe(
				sim.videoSha256(item.json.id),
			);
		}
		expect(new Set(result.items.map((item) => item.json.id)).size).toBe(6);
	});
});

describe('requests in flight', () => {
	test('Max Requests in Flight = 2 with 8 items: never more than 2 at once (and 2 are used)', async () => {
		const sim = getSim();
		// Slow creates make the requests overlap for sure.
		sim.fault('create', { kind: 'slow', delayMs: 150, times: 8 });
		const result = await runVideoNode(
			sim,
			createParams({ prompt: '={{ $json.prompt }}', options: { maxInFlight: 2 } }),
			{
				items: itemsWithPrompts(Array.from({ length: 8 }, (_, i) => `Shot ${i}`)),
			},
		);

		expect(result.status).toBe('success');
		expect(result.items).toHaveLength(8);
		expect(sim.createCount()).toBe(8);
		expect(sim.maxInFlight).toBeLessThanOrEqual(2);
		expect(sim.maxInFlight).toBe(2);
		expect(requestsTo(sim, 'content')).toHaveLength(8);
	});

	test('default settings, 40 slow creates: the budget starts at 5 and grows while answers are fine', async () => {
		const sim = getSim();
		sim.fault('create', { kind: 'slow', delayMs: 150, times: 40 });
		const result = await runVideoNode(
			sim,
			createParams({ prompt: '={{ $json.prompt }}', waitForCompletion: false }),
			{
				items: itemsWithPrompts(Array.from({ length: 40 }, (_, i) => `Shot ${i}`)),
			},
		);

		expect(result.status).toBe('success');
		expect(sim.createCount()).toBe(40);
		expect(sim.maxInFlight).toBeGreaterThan(5);
		expect(sim.maxInFlight).toBeLessThanOrEqual(40);
	});
});

describe('the adaptive request budget', () => {
	test('a key that refuses beyond 4 in flight (429): the budget finds the limit, every item succeeds, each job created once', async () => {
		const sim = getSim();
		sim.configure({ keyConcurrencyLimit: 4, latencyMs: 50 });
		try {
			const result = await runVideoNode(
				sim,
				createParams({ prompt: '={{ $json.prompt }}', downloadWhenComplete: false }),
				{ items: itemsWithPrompts(Array.from({ length: 40 }, (_, i) => `Shot ${i}`)) },
			);

			expect(result.status).toBe('success');
			expect(result.items.filter((item) => item.json.error !== undefined)).toEqual([]);
			expect(sim.createCount()).toBe(40);
			const refused = sim.rateLimited();
			expect(refused).toBeGreaterThan(0);
			// The budget halves at the first 429s of a burst, so refusals stay a small share.
			expect(refused / sim.requests.length).toBeLessThan(0.25);
		} finally {
			sim.configure({ keyConcurrencyLimit: undefined, latencyMs: 0 });
		}
	});
});

describe('order and pairing', () => {
	test('mixed success and failure with continueOnFail: input order, own pairing, failures carry their id', async () => {
		const sim = getSim();
		// Later items finish first, so completion order is the reverse of input order.
		sim.configure({
			plan: (create) => ({ durationMs: 1600 - Number(/#(\d+)/.exec(create.prompt)?.[1]) * 150 }),
		});
		const prompts = Array.from(
			{ length: 7 },
			(_, i) => `Clip #${i}${[1, 4, 5].includes(i) ? ' [fail]' : ''}`,
		);
		const result = await runVideoNode(sim, createParams({ prompt: '={{ $json.prompt }}' }), {
			items: itemsWithPrompts(prompts),
			continueOnFail: true,
		});

		expect(result.status).toBe('success');
		expect(result.items).toHaveLength(7);
		const idOf = (prompt: string) => sim.creates.find((create) => create.prompt === prompt)?.id;
		for (const [i, item] of result.items.entries()) {
			expect(item.pairedItem).toEqual({ item: i });
			const id = idOf(prompts[i]);
			if (prompts[i].includes('[fail]')) {
				expect(item.json.id).toBe(id);
				expect(item.json.error).toBe(
					`Video job ${id} ended with status "failed": The prompt was blocked by the provider's safety system.`,
				);
				expect(item.binary).toBeUndefined();
			} else {
				expect(item.json).toMatchObject({ id, status: 'completed', prompt: prompts[i] });
				expect(sha256(await result.readBinary(item.binary?.data))).toBe(
					sim.videoSha256(item.json.id),
				);
			}
		}
		expect(sim.createCount()).toBe(7);
	});
});

describe('polling', () => {
	test("the server's poll-after hint is honoured, and a finished job is not slept on", async () => {
		const sim = getSim();
		const jobMs = 3000;
		const hintMs = 400;
		// Poll Interval is 1 s (FAST_OPTIONS): without the hint the node never polls sooner than that.
		const pollIntervalMs = 1000;
		sim.configure({ jobDurationMs: jobMs, pollAfterMs: hintMs });
		const result = await runVideoNode(sim, createParams());

		expect(result.status).toBe('success');
		const retrieves = requestsTo(sim, 'retrieve');
		expect(retrieves.length).toBeGreaterThanOrEqual(3);
		// After the first poll (the create answer carries no hint), polls follow the hint: never
		// sooner, and always sooner than the 1 s the node would wait without it.
		for (const gap of gaps(retrieves)) {
			expect(gap).toBeGreaterThanOrEqual(hintMs - 20);
			expect(gap).toBeLessThan(pollIntervalMs);
		}
		// The poll that saw "completed" is the last one and is followed straight by the download
		// (no other request between), sooner than the next poll would have gone out: no sleep.
		const lastRetrieve = retrieves[retrieves.length - 1];
		const lastPoll = sim.requests.indexOf(lastRetrieve);
		expect(sim.requests.slice(lastPoll).map((request) => request.route)).toEqual([
			'retrieve',
			'content',
		]);
		const content = sim.requests[lastPoll + 1];
		expect(content.at - lastRetrieve.at).toBeLessThan(hintMs);
		const { createdAt } = jobOf(sim, result.items[0].json.id);
		expect(lastRetrieve.at - createdAt).toBeLessThan(jobMs + hintMs + 800);
		expect(result.durationMs).toBeLessThan(jobMs + 4000);
	});

	test('Poll Interval (Seconds) caps the gap between two status checks', async () => {
		const sim = getSim();
		sim.configure({ jobDurationMs: 2500 });
		const result = await runVideoNode(
			sim,
			createParams({ downloadWhenComplete: false, options: { pollIntervalSeconds: 1 } }),
		);

		expect(result.status).toBe('success');
		const create = requestsTo(sim, 'create')[0];
		const retrieves = requestsTo(sim, 'retrieve');
		// Without the cap the first poll would go out after about 2 s (the node's first gap when it
		// has no progress to go by); 1.8 s leaves room for a busy machine and still tells them apart.
		expect(retrieves[0].at - create.at).toBeLessThan(1800);
		for (const gap of gaps(retrieves)) expect(gap).toBeLessThan(1800);
	});

	/** Each job's polls (retrieves of its path), in order, beside its create. */
	function pollsByJob(sim: ReturnType<typeof getSim>) {
		const retrieves = requestsTo(sim, 'retrieve');
		return [...sim.jobs.keys()].map((id) => ({
			createdAt: jobOf(sim, id).createdAt,
			polls: retrieves.filter((request) => request.path.endsWith(`/${id}`)),
		}));
	}

	/**
	 * `count` like jobs of `jobMs` through a 250 ms API, two in flight, no download: the creates
	 * spread over about count / 8 seconds, so later jobs start after the first ones' first polls.
	 */
	async function runLikeBatch(count: number, jobMs: number, pollIntervalSeconds: number) {
		const sim = getSim();
		sim.configure({ jobDurationMs: jobMs, latencyMs: 250 });
		const prompts = Array.from({ length: count }, (_, i) => `Scene ${i}`);
		const result = await runVideoNode(
			sim,
			createParams({
				prompt: '={{ $json.prompt }}',
				downloadWhenComplete: false,
				options: { maxInFlight: 2, pollIntervalSeconds },
			}),
			{ items: itemsWithPrompts(prompts) },
		);
		sim.configure({ latencyMs: 0 });
		expect(result.status).toBe('success');
		for (const item of result.items) expect(item.json).toMatchObject({ status: 'completed' });
		return pollsByJob(sim);
	}

	test("a batch of like jobs: once the execution's earlier jobs show how long they take, later ones are polled once", async () => {
		const jobs = await runLikeBatch(16, 3000, 10);
		expect(jobs).toHaveLength(16);
		const firstPollAnswered = Math.min(...jobs.map((job) => job.polls[0].at)) + 250;
		// Jobs whose first poll came due (2 s after their create) after the pace was known.
		const later = jobs.filter((job) => job.createdAt + 2000 > firstPollAnswered + 200);
		expect(later.length).toBeGreaterThanOrEqual(4);
		for (const job of later) expect(job.polls).toHaveLength(1);
	});

	test('the learned pace never stretches a gap between polls past Poll Interval', async () => {
		for (const job of await runLikeBatch(8, 4000, 1)) {
			// 1 s, the create's and the poll's 250 ms answers, and room for a busy machine.
			expect(job.polls[0].at - job.createdAt).toBeLessThan(1900);
			for (const gap of gaps(job.polls)) expect(gap).toBeLessThan(1900);
		}
	});

	test('without a hint, a job that reports progress is not polled more than needed', async () => {
		const sim = getSim();
		const jobMs = 2500;
		sim.configure({ jobDurationMs: jobMs });
		const result = await runVideoNode(sim, createParams({ options: { pollIntervalSeconds: 10 } }));

		expect(result.status).toBe('success');
		expect(requestsTo(sim, 'retrieve').length).toBeLessThanOrEqual(3);
		// Seen done within about a second of finishing.
		expect(result.durationMs).toBeLessThan(jobMs + 1500);
	});
});
