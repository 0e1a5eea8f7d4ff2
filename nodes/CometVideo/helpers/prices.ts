/**
 * What a video costs before it is made: CometAPI's published prices (the fact sheet
 * `cometapi-video-other-routes.md`, section 6.1), each with its page and date, and the estimate
 * of one item from them. Nothing is invented: a model with no published price has none here, and
 * its estimate is null unless the user gives one (Options, Price Overrides).
 *
 * Where pages disagree, every figure is kept and the estimate takes the highest for the item's
 * resolution, before any discount: an estimate that guards a budget must never under-state. So
 * Veo is estimated at Google's official per-second price, which CometAPI says it bills with a
 * default 20 % site discount (the discount may not apply to every account or stay), not at the
 * discounted or the lower page figure.
 */

import { rulesOf, type FieldName } from './families';

/** The resolution tiers prices are quoted for. */
export const TIERS = ['480p', '720p', '1080p', '4K'] as const;
export type Tier = (typeof TIERS)[number];

export interface PriceQuote {
	/** USD per second of video: one figure, or one per resolution tier. */
	usdPerSecond: number | Partial<Record<Tier, number>>;
	/** The page the figure is from. */
	source: string;
	/** The page's date, or why it has none. */
	date: string;
	/** A discount CometAPI states on this figure, as a fraction (0.2: −20 %); not applied. */
	statedDiscount?: number;
}

const VEO_BILLING = 'https://github.com/orgs/cometapi-dev/discussions/102';
const VEO_BILLING_DATE =
	'undated; posted between discussion #100 and #103 (2026-06-10), so about June 2026';

/** CometAPI's published prices per model id (fact sheet section 6.1, read in 2026). */
export const PRICES: Readonly<Record<string, PriceQuote[]>> = {
	'veo3.1': [
		{
			usdPerSecond: { '720p': 0.4, '1080p': 0.4, '4K': 0.6 },
			source: VEO_BILLING,
			date: VEO_BILLING_DATE,
			statedDiscount: 0.2,
		},
		{
			usdPerSecond: 0.05,
			source: 'https://www.cometapi.com/zh-CN/models/google/veo3-1/',
			date: 'undated',
		},
	],
	'veo3.1-fast': [
		{
			usdPerSecond: { '720p': 0.1, '1080p': 0.12, '4K': 0.3 },
			source: VEO_BILLING,
			date: VEO_BILLING_DATE,
			statedDiscount: 0.2,
		},
	],
	'doubao-seedance-2-0': [
		{
			usdPerSecond: 0.08,
			source: 'https://www.cometapi.com/models/doubao/doubao-seedance-2-0/',
			date: 'undated',
		},
	],
	'happyhorse-1.0': [
		{
			usdPerSecond: 0.112,
			source: 'https://www.cometapi.com/it/models/aliyun/happy-horse-1-0/',
			date: 'undated',
		},
	],
};

/** Prices a person set in the Options (USD per second, per model id): they replace the table's. */
export type PriceOverrides = ReadonlyMap<string, number>;

/** The values one item sends, by the form's field name. */
export type SentFields = Partial<Record<FieldName, string>>;

export interface Estimate {
	/** USD, or null when no price (or no duration) is known for the model. */
	usd: number | null;
	/** How the figure was made, or why there is none. */
	note: string;
}

/** A field's value as sent, or the family's default (what CometAPI applies when none is sent). */
function valueOf(model: string, sent: SentFields, name: FieldName): string | undefined {
	return sent[name] || rulesOf(model)?.fields[name]?.default || undefined;
}

/** Seconds: sent, the form's default for the family, or a duration the family is fixed at. */
function secondsOf(model: string, sent: SentFields): { seconds?: number; from: string } {
	if (sent.seconds) return { seconds: Number(sent.seconds), from: 'sent' };
	const rules = rulesOf(model);
	const fallback = rules?.fields.seconds?.default;
	if (fallback) return { seconds: Number(fallback), from: "the family's default duration" };
	const fixed = /fixed at (\d+) s/.exec(rules?.absentBecause?.seconds ?? '')?.[1];
	if (fixed) return { seconds: Number(fixed), from: 'the duration these models are fixed at' };
	return { from: 'none sent, and none known for the model' };
}

/**
 * The tier of a resolution ("720p", "4K") or of a size, by its pixel count (so 960x960 and
 * 1470x630 are 720p, as Seedance's table names them); none for a ratio ("16:9"), which leaves
 * the size to the model. The bounds lie halfway (geometrically) between the tiers' pixel counts.
 */
export function tierOf(resolution: string | undefined, size: string | undefined): Tier | undefined {
	const named = TIERS.find((tier) => tier.toLowerCase() === resolution?.toLowerCase());
	if (named) return named;
	const match = /^(\d+)x(\d+)$/.exec(size ?? '');
	if (!match) return undefined;
	const pixels = Number(match[1]) * Number(match[2]);
	return pixels < 615_000
		? '480p'
		: pixels < 1_380_000
			? '720p'
			: pixels < 4_150_000
				? '1080p'
				: '4K';
}

/** A quote's figure for the tier; a tiered quote and no tier known: its highest (never under). */
function figure(quote: PriceQuote, tier: Tier | undefined): number | undefined {
	const price = quote.usdPerSecond;
	if (typeof price === 'number') return price;
	if (tier) return price[tier];
	return Math.max(...Object.values(price));
}

/** USD per second for the model and tier, and where it comes from; undefined when none is known. */
export function priceOf(
	model: string,
	tier: Tier | undefined,
	overrides: PriceOverrides,
): { usdPerSecond: number; from: string } | undefined {
	const override = overrides.get(model);
	if (override !== undefined) return { usdPerSecond: override, from: 'your Price Overrides' };
	const figures = (PRICES[model] ?? [])
		.map((quote) => ({ quote, usd: figure(quote, tier) }))
		.filter((entry): entry is { quote: PriceQuote; usd: number } => entry.usd !== undefined);
	if (figures.length === 0) return undefined;
	const highest = figures.reduce((a, b) => (b.usd > a.usd ? b : a));
	const official = highest.quote.statedDiscount ? 'official price, before the site discount; ' : '';
	const union = figures.length > 1 ? `the highest of ${figures.length} published figures; ` : '';
	return { usdPerSecond: highest.usd, from: `${union}${official}${highest.quote.source}` };
}

/** Money as it reads in notes and errors: dollars, up to four decimals. */
export function usd(amount: number): string {
	return `$${Number(amount.toFixed(4))}`;
}

/** The estimate of one item: seconds × price per second for its model and resolution. */
export function estimateCost(model: string, sent: SentFields, overrides: PriceOverrides): Estimate {
	const tier = tierOf(valueOf(model, sent, 'resolution'), valueOf(model, sent, 'size'));
	const price = priceOf(model, tier, overrides);
	if (!price) {
		return {
			usd: null,
			note: `No published price is known for ${model}: add one in Options, Price Overrides (USD per second)`,
		};
	}
	const { seconds, from } = secondsOf(model, sent);
	if (seconds === undefined || !Number.isFinite(seconds)) {
		return { usd: null, note: `No duration to estimate ${model} by: ${from}` };
	}
	const amount = Math.round(seconds * price.usdPerSecond * 1e6) / 1e6;
	const tierNote = tier ? ` ${tier}` : '';
	return {
		usd: amount,
		note: `${seconds} s (${from}) × ${usd(price.usdPerSecond)}/s for ${model}${tierNote} (${price.from}). An estimate from published prices: CometAPI bills what it bills.`,
	};
}

const LABEL = 'Price Overrides (USD per Second)';

/**
 * The Price Overrides option: `model=price` entries, separated by commas or new lines. Returns
 * the prices, or the problem with the first entry that is not one, naming the field.
 */
export function parsePriceOverrides(
	text: string,
): { prices: Map<string, number> } | { problem: string } {
	const prices = new Map<string, number>();
	for (const entry of text.split(/[,\n]/).map((part) => part.trim())) {
		if (!entry) continue;
		const match = /^([^=\s]+)\s*=\s*(\S+)$/.exec(entry);
		const price = match ? Number(match[2]) : NaN;
		if (!match || !/^\d*\.?\d+$/.test(match[2]) || !Number.isFinite(price)) {
			return {
				problem: `${LABEL}: "${entry.slice(0, 80)}" is not model=price (a model ID, "=", and USD per second such as 0.12)`,
			};
		}
		prices.set(match[1], price);
	}
	return { prices };
}

/** One item of a batch, as the cap weighs it. */
export interface Priced {
	itemIndex: number;
	model: string;
	estimate: Estimate;
}

/**
 * Why a batch is over Max Estimated Cost, or undefined when it is not: the total, the cap and the
 * three most expensive items (an item of no known price first: it counts as over the cap, unless
 * unpriced models are allowed, when it counts as nothing).
 */
export function capProblem(
	items: Priced[],
	capUsd: number,
	allowUnpriced: boolean,
): { message: string; description: string } | undefined {
	const total = items.reduce((sum, item) => sum + (item.estimate.usd ?? 0), 0);
	const unpriced = allowUnpriced ? [] : items.filter((item) => item.estimate.usd === null);
	if (total <= capUsd + 1e-9 && unpriced.length === 0) return undefined;
	const weight = (item: Priced) => item.estimate.usd ?? (allowUnpriced ? 0 : Infinity);
	const top = [...items]
		.sort((a, b) => weight(b) - weight(a))
		.slice(0, 3)
		.map(
			(item) =>
				`item ${item.itemIndex} (${item.model}): ${item.estimate.usd === null ? 'no known price' : usd(item.estimate.usd)}`,
		);
	const unpricedNote = unpriced.length
		? `, and ${unpriced.length} item(s) of no known price, which count as over the cap`
		: '';
	return {
		message: `Max Estimated Cost: the batch is estimated at ${usd(total)}${unpricedNote}; the cap is ${usd(capUsd)}`,
		description: `Nothing was sent. Most expensive: ${top.join('; ')}. Raise "Max Estimated Cost (USD)", send fewer or shorter items${unpriced.length ? ', add their prices in Price Overrides or turn on "Allow Unpriced Models"' : ''}.`,
	};
}
