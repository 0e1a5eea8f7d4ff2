/**
 * The price table and what is made of it, with no request: an item's estimate (its seconds or
 * the family's default, its resolution tier, the highest published figure), Price Overrides,
 * the cap's verdict on a batch, and the balance answer read into the node's output.
 */
import { balanceProblem, readBalance } from '../../dist/nodes/CometVideo/helpers/balance';
import { normalizeJob } from '../../dist/nodes/CometVideo/helpers/job';
import {
	PRICES,
	capProblem,
	estimateCost,
	parsePriceOverrides,
	tierOf,
	type Priced,
} from '../../dist/nodes/CometVideo/helpers/prices';
// The fact sheet's example answer, as the simulator serves it.
import { EXAMPLE_ACCOUNT } from '../../tools/simulator/options';

const none = new Map<string, number>();

describe('estimates', () => {
	test.each([
		['veo3.1', { seconds: '8', size: '1280x720' }, 3.2],
		['veo3.1', { seconds: '8', size: '1920x1080' }, 3.2],
		['veo3.1', { seconds: '4', size: '3840x2160' }, 2.4],
		['veo3.1-fast', { seconds: '6', size: '1920x1080' }, 0.72],
		['veo3.1-fast', { seconds: '4', size: '720x1280' }, 0.4],
		['doubao-seedance-2-0', { seconds: '7', size: '9:16' }, 0.56],
		['happyhorse-1.0', { seconds: '10', size: '1920x1080' }, 1.12],
	])('%s %j: %d USD', (model, sent, expected) => {
		expect(estimateCost(model, sent, none).usd).toBeCloseTo(expected, 6);
	});

	test('Veo 3.1: the official price, the highest of the pages that disagree', () => {
		expect(PRICES['veo3.1'].length).toBe(2);
		const { usd, note } = estimateCost('veo3.1', { seconds: '8', size: '1280x720' }, none);
		expect(usd).toBe(3.2);
		expect(note).toMatch(
			/highest of 2 published figures; official price, before the site discount/,
		);
	});

	test("no seconds sent: the family's default duration, and the note says so", () => {
		const { usd, note } = estimateCost('doubao-seedance-2-0', {}, none);
		expect(usd).toBeCloseTo(0.4, 6);
		expect(note).toMatch(/^5 s \(the family's default duration\)/);
		// Veo 3.1's default size (720p) and duration (4 s) when none is sent.
		expect(estimateCost('veo3.1-fast', {}, none).usd).toBeCloseTo(0.4, 6);
	});

	test.each(['wan2.7', 'viduq3', 'omni-fast', 'sora-2', 'veo3-fast', 'some-new-model'])(
		'%s: no published price, so null with a note',
		(model) => {
			const { usd, note } = estimateCost(model, { seconds: '5' }, none);
			expect(usd).toBeNull();
			expect(note).toMatch(/No published price is known for .*Price Overrides/);
		},
	);

	test('an override replaces the table and prices a model that has none', () => {
		const overrides = new Map([
			['veo3.1', 0.32],
			['wan2.7', 0.05],
		]);
		expect(estimateCost('veo3.1', { seconds: '8', size: '1280x720' }, overrides).usd).toBeCloseTo(
			2.56,
			6,
		);
		const wan = estimateCost('wan2.7', { seconds: '10' }, overrides);
		expect(wan.usd).toBeCloseTo(0.5, 6);
		expect(wan.note).toMatch(/your Price Overrides/);
		// An id of no family: priced, but no duration known unless one is sent.
		expect(estimateCost('x-model', {}, new Map([['x-model', 1]])).usd).toBeNull();
	});

	test.each([
		['720p', undefined, '720p'],
		[undefined, '1280x720', '720p'],
		[undefined, '720x1280', '720p'],
		[undefined, '1920x1080', '1080p'],
		[undefined, '3840x2160', '4K'],
		[undefined, '864x496', '480p'],
		[undefined, '960x960', '720p'],
		[undefined, '1470x630', '720p'],
		[undefined, '1440x1440', '1080p'],
		[undefined, '2206x946', '1080p'],
		[undefined, '16:9', undefined],
	])('tier of resolution %s, size %s: %s', (resolution, size, tier) => {
		expect(tierOf(resolution, size)).toBe(tier);
	});
});

describe('Price Overrides', () => {
	test('model=price entries, by commas or new lines', () => {
		expect(parsePriceOverrides(' wan2.7=0.06,\nveo3.1 = .32 ,, ')).toEqual({
			prices: new Map([
				['wan2.7', 0.06],
				['veo3.1', 0.32],
			]),
		});
	});

	test.each(['wan2.7', 'wan2.7=', 'wan2.7=-1', 'wan2.7=abc', '=0.1', 'wan2.7=1e3'])(
		'%j is refused, naming the field',
		(text) => {
			expect(parsePriceOverrides(text)).toEqual({
				problem: expect.stringMatching(
					/^Price Overrides \(USD per Second\): ".*" is not model=price/,
				),
			});
		},
	);
});

describe('the cap', () => {
	const item = (itemIndex: number, model: string, usd: number | null): Priced => ({
		itemIndex,
		model,
		estimate: { usd, note: '' },
	});

	test('under or at the cap: no problem', () => {
		expect(capProblem([item(0, 'a', 1), item(1, 'b', 2)], 3, false)).toBeUndefined();
	});

	test('over: the total, the cap and the three most expensive items', () => {
		const problem = capProblem(
			[item(0, 'a', 0.5), item(1, 'b', 3.2), item(2, 'c', 0.1), item(3, 'd', 1.2)],
			2,
			false,
		);
		expect(problem?.message).toBe(
			'Max Estimated Cost: the batch is estimated at $5; the cap is $2',
		);
		expect(problem?.description).toMatch(
			/^Nothing was sent\. Most expensive: item 1 \(b\): \$3\.2; item 3 \(d\): \$1\.2; item 0 \(a\): \$0\.5\./,
		);
	});

	test('an item of no known price counts as over, unless unpriced models are allowed', () => {
		const batch = [item(0, 'veo3.1', 0.4), item(1, 'wan2.7', null)];
		const problem = capProblem(batch, 100, false);
		expect(problem?.message).toMatch(/1 item\(s\) of no known price, which count as over the cap/);
		expect(problem?.description).toMatch(/Most expensive: item 1 \(wan2\.7\): no known price/);
		expect(problem?.description).toMatch(/Allow Unpriced Models/);
		expect(capProblem(batch, 100, true)).toBeUndefined();
	});
});

describe('the balance answer', () => {
	test("the sheet's example: every key, none taken for this one, unlimited as null", () => {
		const balance = readBalance({ ...EXAMPLE_ACCOUNT });
		expect(balance).toMatchObject({
			username: 'example_user',
			balanceUsd: 2105.234088,
			usedUsd: 21.065912,
			requestCount: 1221,
			thisKey: null,
			keys: [
				{ name: 'tts_test', remainingUsd: 8.93872, usedUsd: 2.099206, unlimited: false },
				{ name: 'test_key', remainingUsd: null, usedUsd: null, unlimited: true },
			],
		});
		expect(balance?.keysNote).toMatch(/which entry is this key cannot be told/);
	});

	test('one key: it is this key, and its quota caps what Min Balance sees', () => {
		const balance = readBalance({
			total_quota: 50,
			keys: [{ name: 'only', remain_quota: 3, used_quota: 1 }],
		});
		expect(balance?.thisKey).toEqual({
			name: 'only',
			remainingUsd: 3,
			usedUsd: 1,
			unlimited: false,
		});
		expect(balanceProblem(balance!, 2)).toBeUndefined();
		expect(balanceProblem(balance!, 5)?.message).toBe(
			'Min Balance: the CometAPI balance is 50 USD (this key may spend 3 USD of it), below the minimum of 5 USD',
		);
		const unlimited = readBalance({ total_quota: 4, keys: [{ name: 'k', remain_quota: -1 }] });
		expect(unlimited?.thisKey?.unlimited).toBe(true);
		expect(balanceProblem(unlimited!, 5)?.message).toMatch(
			/balance is 4 USD, below the minimum of 5 USD/,
		);
	});

	test('an answer without total_quota is no balance', () => {
		expect(readBalance({ error: { message: 'x' } })).toBeUndefined();
		expect(readBalance({ total_quota: 'lots' })).toBeUndefined();
	});
});

describe('the real cost in a job answer', () => {
	test.each([
		[{ cost_in_usd_ticks: 500000000 }, 0.05],
		[{ cost_in_usd_ticks: '25000000000' }, 2.5],
		[{ cost_in_usd_ticks: null }, undefined],
		[{ cost_in_usd_ticks: '' }, undefined],
		[{ cost_in_usd_ticks: -1 }, undefined],
		[undefined, undefined],
	])('usage %j: costUsd %s', (usage, costUsd) => {
		const job = normalizeJob({ id: 'task_1', status: 'completed', usage } as never);
		expect(job.costUsd).toBe(costUsd);
		expect('costUsd' in job).toBe(costUsd !== undefined);
	});
});
