/**
 * What only a full run of our node can show about failures: a cancelled execution stops the
 * wait and every request, and a failed job without continueOnFail names the other items' jobs.
 * The failed, error, unknown and never-ending jobs, a bad key and the retry policy are in
 * the fault matrix (test/<what>/fault-matrix.workflow.test.ts); continueOnFail's pairing in
 * concurrency.workflow.test.ts.
 */

import { NodeApiError } from 'n8n-workflow';

import { createParams, runVideoNode } from '../support/helpers';
import { useSimulator } from '../support/simulator-run';

const getSim = useSimulator({ jobDurationMs: 400, videoBytes: 64 * 1024 });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('cancellation', () => {
	test('cancelling the execution while waiting: status canceled quickly, no hang, no more polls', async () => {
		const sim = getSim();
		const result = await runVideoNode(sim, createParams({ prompt: 'Forever [never]' }), {
			cancelAfterMs: 700,
		});

		expect(result.status).toBe('canceled');
		expect(result.engineSettled).toBe(true);
		// Well under the harness's 10 s grace for a node that ignores the cancel.
		expect(result.durationMs).toBeLessThan(6000);
		expect(sim.createCount()).toBe(1);
		const seen = sim.requests.length;
		await sleep(1500);
		expect(sim.requests.length).toBe(seen);
	});
});

describe('continueOnFail', () => {
	const items = [
		{ json: { prompt: 'A calm lake' } },
		{ json: { prompt: 'Something blocked [fail]' } },
		{ json: { prompt: 'A busy market' } },
	];

	test('off: the execution fails with our message, naming the jobs of the other items', async () => {
		const sim = getSim();
		const result = await runVideoNode(sim, createParams({ prompt: '={{ $json.prompt }}' }), {
			items,
		});

		expect(result.status).toBe('error');
		expect(result.error).toBeInstanceOf(NodeApiError);
		const failedJob = sim.creates.find((create) => create.prompt.includes('[fail]'));
		expect(result.error?.message).toBe(
			`Video job ${failedJob?.id} ended with status "failed": The prompt was blocked by the provider's safety system.`,
		);
		const others = sim.creates.filter((create) => create !== failedJob).map((create) => create.id);
		for (const id of others) expect(result.error?.description).toContain(id);
		expect(result.error?.description).toMatch(
			/Jobs of the other items in this run: item \d: \w+, item \d: \w+\./,
		);
		expect(result.items).toEqual([]);
	});
});
