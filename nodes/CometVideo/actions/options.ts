import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { parsePriceOverrides, type PriceOverrides } from '../helpers/prices';
import { shorten } from '../helpers/redact';
import { DOWNLOAD_FROM, type DownloadFrom, type TransportSettings } from '../transport';
import type { WaitSettings } from './completion';

/**
 * The Options collection, defined once: these fields are what the editor shows, and the reader
 * below takes each option's default and bounds from them. (Written out literally: n8n's scanner
 * checks every default.) Number Precision 0 marks a whole number.
 */
export const optionsProperty: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add option',
	default: {},
	options: [
		{
			displayName: 'Allow Unpriced Models',
			name: 'allowUnpricedModels',
			type: 'boolean',
			default: false,
			displayOptions: { show: { '/operation': ['create'] } },
			description:
				'Whether items of a model with no known price may run under Max Estimated Cost. Off: such an item counts as over the cap, since what it costs is unknown.',
		},
		{
			displayName: 'Download From',
			name: 'downloadFrom',
			type: 'options',
			default: 'automatic',
			options: [
				{
					name: 'Automatic',
					value: 'automatic',
					description:
						"The model's usual route first: the result link for Seedance, the content route for the others, then the job's result link when the content route cannot serve the file",
				},
				{
					name: 'Content Route',
					value: 'content',
					description: "Only CometAPI's /v1/videos/{ID}/content, with the API key",
				},
				{
					name: 'Result Link',
					value: 'link',
					description:
						"Only the job's result link (video_url or metadata.URL), fetched without the API key. Video only.",
				},
			],
			description: 'Where Download and Wait + Download fetch the finished video from',
		},
		{
			displayName: 'Dry Run',
			name: 'dryRun',
			type: 'boolean',
			default: false,
			displayOptions: { show: { '/operation': ['create'] } },
			description:
				'Whether to check every item and the cost cap and output what would be sent (model, fields, image count, route) with its estimate, sending nothing to CometAPI',
		},
		{
			displayName: 'Max Attempts per Request',
			name: 'maxAttempts',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 10, numberPrecision: 0 },
			default: 5,
			description:
				'How often a status check or download is tried when CometAPI is busy or the connection drops. A create is repeated only when CometAPI certainly did not receive it, never when a job may exist.',
		},
		{
			displayName: 'Max Download Size (MB)',
			name: 'maxDownloadSizeMb',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 1048576, numberPrecision: 0 },
			default: 4096,
			description:
				'A file larger than this is refused (before it is stored, when the server says its size up front)',
		},
		{
			displayName: 'Max Estimated Cost (USD)',
			name: 'maxEstimatedCostUsd',
			type: 'number',
			typeOptions: { minValue: 0, numberPrecision: 2 },
			default: 0,
			displayOptions: { show: { '/operation': ['create'] } },
			description:
				"The most one execution's items may be estimated at, summed before anything is sent; a batch over it is refused whole. 0: no cap. Estimates come from published prices (see the README's Cost section).",
		},
		{
			displayName: 'Max Requests in Flight',
			name: 'maxInFlight',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 1000, numberPrecision: 0 },
			default: 100,
			description:
				'The most requests to CometAPI this n8n process sends at once with this API key, across all items and all running executions (the smallest value set by any of them applies). The node starts at 5 and raises its budget while CometAPI answers fine and fast, up to this ceiling; a 429 or 503 halves it at once. In queue mode each worker has its own budget.',
		},
		{
			displayName: 'Min Balance (USD)',
			name: 'minBalanceUsd',
			type: 'number',
			typeOptions: { minValue: 0, numberPrecision: 2 },
			default: 0,
			displayOptions: { show: { '/operation': ['create'] } },
			description:
				"The balance the CometAPI account must have, checked once before the execution's first create; below it the batch is refused. 0: not checked.",
		},
		{
			displayName: 'Poll Interval (Seconds)',
			name: 'pollIntervalSeconds',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 3600 },
			default: 10,
			description:
				'The longest gap between two status checks of a job, also when CometAPI asks for a longer one. Jobs that report progress are checked about when they should finish, as are jobs of a model whose earlier jobs in this execution showed how long they take; others first after 2 s, then at growing gaps up to this.',
		},
		{
			displayName: 'Price Overrides (USD per Second)',
			name: 'priceOverrides',
			type: 'string',
			default: '',
			placeholder: 'e.g. wan2.7=0.06, veo3.1=0.32',
			displayOptions: { show: { '/operation': ['create'] } },
			description:
				'Your own prices, as model=price entries separated by commas or new lines: they replace the published ones for the estimate and the cap, and add prices for models that have none',
		},
		{
			displayName: 'Request Timeout (Seconds)',
			name: 'requestTimeoutSeconds',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 3600 },
			default: 60,
			description:
				'How long one API call may take in all, and how long a download may go without receiving 64 kB',
		},
		{
			displayName: 'Retry Base Delay (Ms)',
			name: 'retryBaseDelayMs',
			type: 'number',
			typeOptions: { minValue: 0, maxValue: 30000, numberPrecision: 0 },
			default: 1000,
			description:
				'First pause before a retry; it doubles each attempt up to 30 s, plus up to 1 s of jitter. A Retry-After from CometAPI takes precedence.',
		},
		{
			displayName: 'Timeout (Minutes)',
			name: 'timeoutMinutes',
			type: 'number',
			typeOptions: { minValue: 0.01, maxValue: 1440, numberPrecision: 2 },
			default: 30,
			description:
				'How long to wait for a job before giving up. The job keeps running; Retrieve can pick it up later with its ID.',
		},
	],
};

const OPTION_FIELDS = new Map(
	(optionsProperty.options as INodeProperties[]).map((field) => [field.name, field]),
);

/** What the Options collection sets for one execution of the node. */
export interface ExecutionSettings {
	transport: TransportSettings;
	wait: WaitSettings;
}

/** The Options collection of this run of the node, read from the first item once (not per item). */
const optionsByRun = new WeakMap<IExecuteFunctions, IDataObject>();

function optionsOf(ctx: IExecuteFunctions): IDataObject {
	let given = optionsByRun.get(ctx);
	if (!given) {
		given = ctx.getNodeParameter('options', 0, {}) as IDataObject;
		optionsByRun.set(ctx, given);
	}
	return given;
}

/**
 * Read once per execution, from the first item: the options tune the whole batch. The editor
 * enforces the ranges, but expressions can still yield 0, NaN or text: out-of-range values are
 * clamped, unusable ones fall back to the default.
 */
export function readExecutionSettings(ctx: IExecuteFunctions): ExecutionSettings {
	const given = optionsOf(ctx);
	const read = (name: string): number => {
		const field = OPTION_FIELDS.get(name) as INodeProperties;
		const { minValue = -Infinity, maxValue = Infinity, numberPrecision } = field.typeOptions ?? {};
		const fallback = field.default as number;
		const value = Number(given[name] ?? fallback);
		if (!Number.isFinite(value)) return fallback;
		const clamped = Math.min(maxValue, Math.max(minValue, value));
		return numberPrecision === 0 ? Math.round(clamped) : clamped;
	};
	return {
		transport: {
			maxInFlight: read('maxInFlight'),
			maxAttempts: read('maxAttempts'),
			retryBaseDelayMs: read('retryBaseDelayMs'),
			requestTimeoutMs: read('requestTimeoutSeconds') * 1000,
			maxDownloadBytes: read('maxDownloadSizeMb') * 1024 * 1024,
		},
		wait: {
			maxPollIntervalMs: read('pollIntervalSeconds') * 1000,
			timeoutMs: read('timeoutMinutes') * 60_000,
		},
	};
}

/** Download From, read only where a file is downloaded: an unknown route is refused up front. */
export function readDownloadFrom(ctx: IExecuteFunctions): DownloadFrom {
	const given = optionsOf(ctx);
	const downloadFrom = given.downloadFrom ?? 'automatic';
	if (!DOWNLOAD_FROM.includes(downloadFrom as DownloadFrom)) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Download From: "${String(downloadFrom).slice(0, 80)}" is not a route the node knows`,
			{ description: `Use one of: ${DOWNLOAD_FROM.join(', ')}.` },
		);
	}
	return downloadFrom as DownloadFrom;
}

/** What the Options say about spend, for Create. */
export interface CostSettings {
	/** 0: no cap. */
	maxEstimatedCostUsd: number;
	allowUnpricedModels: boolean;
	dryRun: boolean;
	/** 0: not checked. */
	minBalanceUsd: number;
	priceOverrides: PriceOverrides;
}

/**
 * Read strictly, unlike the tuning options above: a cap or a minimum that an expression turned
 * into text must stop the batch, naming the field, not quietly switch the guard off.
 */
export function readCostSettings(ctx: IExecuteFunctions, itemIndex: number): CostSettings {
	const given = optionsOf(ctx);
	const fail = (message: string, description?: string) =>
		new NodeOperationError(ctx.getNode(), message, { itemIndex, description });
	const amount = (name: string): number => {
		const field = OPTION_FIELDS.get(name) as INodeProperties;
		const value = given[name] ?? field.default;
		const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
		if (typeof number !== 'number' || !Number.isFinite(number) || number < 0) {
			throw fail(
				`${field.displayName}: "${shorten(String(value), 60)}" is not an amount in USD`,
				'Use a number of dollars, 0 or more (0 turns the check off).',
			);
		}
		return number;
	};
	const flag = (name: string): boolean => {
		const field = OPTION_FIELDS.get(name) as INodeProperties;
		const value = given[name] ?? field.default;
		if (typeof value !== 'boolean') {
			throw fail(`${field.displayName}: "${shorten(String(value), 60)}" is not true or false`);
		}
		return value;
	};
	const overrides = parsePriceOverrides(String(given.priceOverrides ?? ''));
	if ('problem' in overrides) {
		throw fail(overrides.problem, 'For example: wan2.7=0.06, veo3.1=0.32 (USD per second).');
	}
	return {
		maxEstimatedCostUsd: amount('maxEstimatedCostUsd'),
		allowUnpricedModels: flag('allowUnpricedModels'),
		dryRun: flag('dryRun'),
		minBalanceUsd: amount('minBalanceUsd'),
		priceOverrides: overrides.prices,
	};
}
