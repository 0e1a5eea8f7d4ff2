/**
 * Bad input in a real execution: every item is prepared before any request reaches CometAPI (a
 * create costs money), so one bad item stops the batch before anything is created. What each
 * bad value is refused with, naming the field: `test/input/prepare.unit.test.ts`.
 */

import { NodeOperationError } from 'n8n-workflow';

import { createParams, runVideoNode } from '../support/helpers';
import { useSimulator } from '../support/simulator-run';

const getSim = useSimulator({ jobDurationMs: 300 });

describe('batches', () => {
	test('one bad item among good ones: nothing is created for any item', async () => {
		const sim = getSim();
		const result = await runVideoNode(sim, createParams({ prompt: '={{ $json.text }}' }), {
			items: [
				{ json: { text: 'A valid prompt' } },
				{ json: { text: 'Another valid one' } },
				{ json: { text: '' } },
			],
		});
		expect(result.status).toBe('error');
		expect(result.error).toBeInstanceOf(NodeOperationError);
		expect(result.error?.message).toMatch(/^Prompt: the prompt is empty/);
		expect(result.error?.context.itemIndex).toBe(2);
		expect(result.items).toEqual([]);
		expect(sim.requests).toHaveLength(0);
	});

	test('with continueOnFail, the bad item gets an error item and the good ones run', async () => {
		const sim = getSim();
		const result = await runVideoNode(
			sim,
			createParams({ prompt: '={{ $json.text }}', waitForCompletion: false }),
			{
				items: [
					{ json: { text: 'A valid prompt' } },
					{ json: { text: '' } },
					{ json: { text: 'Another valid one' } },
				],
				continueOnFail: true,
			},
		);
		expect(result.status).toBe('success');
		expect(result.items).toHaveLength(3);
		expect(result.items[1]).toEqual({
			json: {
				error: expect.stringMatching(/^Prompt: the prompt is empty/),
				description: expect.any(String),
			},
			pairedItem: { item: 1 },
		});
		expect(result.items[0].json.status).toBe('queued');
		expect(result.items[2].json.status).toBe('queued');
		expect(result.items.map((item) => item.pairedItem)).toEqual(
			[0, 1, 2].map((item) => ({ item })),
		);
		expect(sim.createCount()).toBe(2);
		expect(sim.creates.map((create) => create.prompt)).toEqual(
			expect.arrayContaining(['A valid prompt', 'Another valid one']),
		);
	});
});
