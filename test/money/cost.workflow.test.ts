/**
 * Spend in real executions against the simulator: every Create item's estimate (and the real
 * cost where the job reports it), Max Estimated Cost refusing a batch before any request, a Dry
 * Run that sends nothing, Min Balance checked once before the first create, Retry On Fail not
 * counting an execution's items twice, and Get Balance.
 */
import { NodeOperationError } from 'n8n-workflow';

import { createParams, requestsTo, runVideoNode, type VideoParameters } from '../support/helpers';
import { useSimulator } from '../support/simulator-run';

const getSim = useSimulator({ jobDurationMs: 200 });

/** One item per row, each choosing its model, duration and size by expression. */
const BATCH = [
	{ model: 'veo3.1', seconds: '8', size: '1920x1080' },
	{ model: 'doubao-seedance-2-0', seconds: '5', size: '16:9' },
	{ model: 'happyhorse-1.0', seconds: '10', size: '1280x720' },
];
const BATCH_TOTAL = 3.2 + 0.4 + 1.12;

function batchParams(options: VideoParameters['options'] = {}): VideoParameters {
	return createParams({
		model: { __rl: true, mode: 'id', value: '={{ $json.model }}' },
		seconds: '={{ $json.seconds }}',
		size: '={{ $json.size }}',
		waitForCompletion: false,
		options,
	});
}
const items = (rows: object[]) => rows.map((json) => ({ json: json as never }));

describe('estimates', () => {
	test('every Create item carries its estimate and how it was made', async () => {
		const sim = getSim();
		const result = await runVideoNode(sim, batchParams(), {
			items: items([...BATCH, { model: 'wan2.7', seconds: '5', size: '1280x720' }]),
		});
		expect(result.status).toBe('success');
		const costs = result.items.map((item) => item.json.estimatedCostUsd);
		expect(costs.slice(0, 3).map((cost) => Number((cost as number).toFixed(6)))).toEqual([
			3.2, 0.4, 1.12,
		]);
		expect(costs[3]).toBeNull();
		expect(result.items[3].json.costNote).toMatch(/No published price is known for wan2\.7/);
		expect(result.items[0].json.costNote).toMatch(/^8 s \(sent\) × \$0\.4\/s for veo3\.1 1080p/);
		expect(result.items[0].json).not.toHaveProperty('costUsd');
	});

	test("the real cost, where the finished job's answer reports usage.cost_in_usd_ticks", async () => {
		const sim = getSim();
		sim.configure({ costTicksPerSecond: 500_000_000 });
		const result = await runVideoNode(
			sim,
			createParams({ model: { __rl: true, mode: 'list', value: 'veo3.1-fast' }, seconds: '6' }),
		);
		expect(result.status).toBe('success');
		expect(result.items[0].json).toMatchObject({ costUsd: 0.3, estimatedCostUsd: 0.6 });
	});
});

describe('Max Estimated Cost', () => {
	test('a batch over the cap is refused whole, naming total, cap and top items: 0 requests', async () => {
		const sim = getSim();
		const result = await runVideoNode(sim, batchParams({ maxEstimatedCostUsd: 4 }), {
			items: items(BATCH),
		});
		expect(result.status).toBe('error');
		expect(result.error).toBeInstanceOf(NodeOperationError);
		expect(result.error?.message).toBe(
			'Max Estimated Cost: the batch is estimated at $4.72; the cap is $4',
		);
		expect(result.error?.description).toMatch(
			/Most expensive: item 0 \(veo3\.1\): \$3\.2; item 2 \(happyhorse-1\.0\): \$1\.12; item 1 \(doubao-seedance-2-0\): \$0\.4/,
		);
		expect(sim.requests).toHaveLength(0);
	});

	test('under Continue, every item carries the refusal, paired', async () => {
		const sim = getSim();
		const result = await runVideoNode(sim, batchParams({ maxEstimatedCostUsd: 1 }), {
			items: items(BATCH),
			continueOnFail: true,
		});
		expect(result.items.map((item) => item.pairedItem)).toEqual(
			[0, 1, 2].map((item) => ({ item })),
		);
		for (const item of result.items) expect(item.json.error).toMatch(/^Max Estimated Cost/);
		expect(sim.requests).toHaveLength(0);
	});

	test('an unpriced model counts as over the cap unless Allow Unpriced Models is on', async () => {
		const sim = getSim();
		const rows = items([BATCH[1], { model: 'viduq3', seconds: '4', size: '1280x720' }]);
		const refused = await runVideoNode(sim, batchParams({ maxEstimatedCostUsd: 100 }), {
			items: rows,
		});
		expect(refused.error?.message).toMatch(/1 item\(s\) of no known price/);
		expect(sim.requests).toHaveLength(0);
		const allowed = await runVideoNode(
			sim,
			batchParams({ maxEstimatedCostUsd: 100, allowUnpricedModels: true }),
			{ items: rows },
		);
		expect(allowed.status).toBe('success');
		expect(sim.createCount()).toBe(2);
	});

	test('Price Overrides price a model for the cap; a bad entry fails naming the field', async () => {
		const sim = getSim();
		const rows = items([{ model: 'wan2.7', seconds: '10', size: '1280x720' }]);
		const priced = await runVideoNode(
			sim,
			batchParams({ maxEstimatedCostUsd: 0.4, priceOverrides: 'wan2.7=0.05' }),
			{ items: rows },
		);
		expect(priced.error?.message).toMatch(/estimated at \$0\.5; the cap is \$0\.4/);
		const bad = await runVideoNode(sim, batchParams({ priceOverrides: 'wan2.7:0.05' }), {
			items: rows,
		});
		expect(bad.error?.message).toMatch(/^Price Overrides \(USD per Second\): "wan2\.7:0\.05"/);
		const badCap = await runVideoNode(sim, batchParams({ maxEstimatedCostUsd: '={{ "ten" }}' }), {
			items: rows,
		});
		expect(badCap.error?.message).toBe('Max Estimated Cost (USD): "ten" is not an amount in USD');
		expect(sim.requests).toHaveLength(0);
	});

	test("Retry On Fail: a later try's items already created cost nothing new", async () => {
		const sim = getSim();
		// The second create is accepted, then answered 500: its job may exist, so n8n's next try
		// sends nothing; the cap allows exactly one batch, never two.
		sim.fault('create', { kind: 'status', status: 500, acceptThenFail: true, times: 1 });
		const result = await runVideoNode(
			sim,
			batchParams({ maxEstimatedCostUsd: BATCH_TOTAL, minBalanceUsd: 1 }),
			{ items: items(BATCH), retryOnFail: true },
		);
		expect(result.error?.message ?? '').not.toMatch(/Max Estimated Cost/);
		expect(sim.createCount()).toBe(3);
		// The balance is read once: a later try with nothing new to send does not ask again.
		expect(requestsTo(sim, 'balance')).toHaveLength(1);
	});
});

describe('Dry Run', () => {
	test('checks and summarises every item, with its estimate, and sends nothing', async () => {
		const sim = getSim();
		const result = await runVideoNode(
			sim,
			batchParams({ dryRun: true, maxEstimatedCostUsd: 10, minBalanceUsd: 5 }),
			{ items: items(BATCH) },
		);
		expect(result.status).toBe('success');
		expect(result.items[0].json).toEqual({
			dryRun: true,
			route: 'videos',
			request: 'POST /v1/videos',
			model: 'veo3.1',
			fields: {
				prompt: 'A paper boat drifting down a rainy street',
				size: '1920x1080',
				seconds: '8',
			},
			imageCount: 0,
			estimatedCostUsd: 3.2,
			costNote: expect.stringMatching(/^8 s/),
		});
		expect(result.items.map((item) => item.pairedItem)).toEqual(
			[0, 1, 2].map((item) => ({ item })),
		);
		expect(sim.requests).toHaveLength(0);
	});

	test('the cap still applies', async () => {
		const sim = getSim();
		const result = await runVideoNode(sim, batchParams({ dryRun: true, maxEstimatedCostUsd: 1 }), {
			items: items(BATCH),
		});
		expect(result.error?.message).toMatch(/^Max Estimated Cost/);
		expect(sim.requests).toHaveLength(0);
	});
});

describe('Min Balance', () => {
	test('below it the batch is refused after one balance read, before any create', async () => {
		const sim = getSim();
		sim.configure({
			account: {
				username: 'u',
				total_quota: 2.5,
				total_used_quota: 1,
				request_count: 3,
				keys: [{ name: 'k', remain_quota: 2, used_quota: 1 }],
			},
		});
		const result = await runVideoNode(sim, batchParams({ minBalanceUsd: 3 }), {
			items: items(BATCH),
		});
		expect(result.error?.message).toBe(
			'Min Balance: the CometAPI balance is 2.5 USD (this key may spend 2 USD of it), below the minimum of 3 USD',
		);
		expect(sim.requests.map((request) => request.route)).toEqual(['balance']);
	});

	test('at or above it the batch runs', async () => {
		const sim = getSim();
		const result = await runVideoNode(sim, batchParams({ minBalanceUsd: 100 }), {
			items: items(BATCH),
		});
		expect(result.status).toBe('success');
		expect(requestsTo(sim, 'balance')).toHaveLength(1);
		expect(sim.createCount()).toBe(3);
	});
});

describe('Get Balance', () => {
	test('balance, use, requests and every key; the key only in the query of /user/quota', async () => {
		const sim = getSim();
		const result = await runVideoNode(sim, { operation: 'getBalance' });
		expect(result.status).toBe('success');
		expect(result.items).toEqual([
			{
				json: {
					username: 'example_user',
					balanceUsd: 2105.234088,
					usedUsd: 21.065912,
					requestCount: 1221,
					keys: [
						{ name: 'tts_test', remainingUsd: 8.93872, usedUsd: 2.099206, unlimited: false },
						{ name: 'test_key', remainingUsd: null, usedUsd: null, unlimited: true },
					],
					thisKey: null,
					keysNote: expect.stringMatching(/which entry is this key cannot be told/),
				},
				pairedItem: { item: 0 },
			},
		]);
		const [request] = sim.requests;
		expect(request).toMatchObject({
			method: 'GET',
			path: '/user/quota',
			query: { key: sim.apiKey },
		});
		expect(request.headers.authorization).toBeUndefined();
		expect(JSON.stringify(result.items)).not.toContain(sim.apiKey);
	});

	test('a wrong key: an error that names neither the key nor the URL holding it', async () => {
		const sim = getSim();
		const key = 'sk-wrong-key-0123456789';
		const result = await runVideoNode(
			sim,
			{ operation: 'getBalance' },
			{ credential: { apiKey: key } },
		);
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/^CometAPI could not read the balance: Invalid token/);
		expect(result.error?.description).toMatch(/Check the API key/);
		const told = JSON.stringify([result.error?.message, result.error?.description, result.logs]);
		expect(told).not.toContain(key);
		expect(told).not.toContain('user/quota?');
	});

	test('an answer that is not a balance says so', async () => {
		const sim = getSim();
		// An error envelope with status 200: JSON, but no total_quota.
		sim.fault('balance', { kind: 'status', status: 200 });
		const result = await runVideoNode(sim, { operation: 'getBalance' });
		expect(result.error?.message).toMatch(/answer to "read the balance" carries no balance/);
	});
});
