import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { TransportSettings } from '../transport';
import type { WaitSettings } from './completion';

interface NumberOption {
	displayName: string;
	default: number;
	min: number;
	max: number;
	/** Whole numbers only (counts). */
	whole?: boolean;
	description: string;
}

/**
 * The Options collection, defined once: the editor's fields and the reader below are both built
 * from this table, so they share their bounds.
 */
const OPTIONS = {
	maxAttempts: {
		displayName: 'Max Attempts per Request',
		default: 5,
		min: 1,
		max: 10,
		whole: true,
		description:
			'How often a status check or download is tried when CometAPI is busy or the connection drops. A create is repeated only when CometAPI certainly did not receive it, never when a job may exist.',
	},
	maxDownloadSizeMb: {
		displayName: 'Max Download Size (MB)',
		default: 4096,
		min: 1,
		max: 1_048_576,
		description:
			'A file larger than this is refused (before it is stored, when the server says its size up front)',
	},
	maxInFlight: {
		displayName: 'Max Requests in Flight',
		default: 5,
		min: 1,
		max: 50,
		whole: true,
		description:
			'How many requests to CometAPI this n8n process sends at once with this API key, across all items and all running executions (the smallest value set by any of them applies). CometAPI suggests about 5 per key; in queue mode each worker has its own budget.',
	},
	pollIntervalSeconds: {
		displayName: 'Poll Interval (Seconds)',
		default: 10,
		min: 1,
		max: 3600,
		description:
			'The longest gap between two status checks of a job, also when CometAPI asks for a longer one. Jobs that report progress are checked about when they should finish; others first after 2 s, then at growing gaps up to this.',
	},
	requestTimeoutSeconds: {
		displayName: 'Request Timeout (Seconds)',
		default: 60,
		min: 1,
		max: 3600,
		description:
			'How long one API call may take in all, and how long a download may go without receiving data',
	},
	retryBaseDelayMs: {
		displayName: 'Retry Base Delay (Ms)',
		default: 1000,
		min: 0,
		max: 30_000,
		whole: true,
		description:
			'First pause before a retry; it doubles each attempt up to 30 s, plus up to 1 s of jitter. A Retry-After from CometAPI takes precedence.',
	},
	timeoutMinutes: {
		displayName: 'Timeout (Minutes)',
		default: 30,
		min: 0.01,
		max: 1440,
		description:
			'How long to wait for a job before giving up. The job keeps running; Retrieve can pick it up later with its ID.',
	},
} satisfies Record<string, NumberOption>;

type OptionName = keyof typeof OPTIONS;

export const optionsProperty: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add option',
	default: {},
	options: Object.entries(OPTIONS).map(([name, option]: [string, NumberOption]) => ({
		displayName: option.displayName,
		name,
		type: 'number',
		default: option.default,
		typeOptions: {
			minValue: option.min,
			maxValue: option.max,
			numberPrecision: option.whole ? 0 : 2,
		},
		description: option.description,
	})),
};

/** What the Options collection sets for one execution of the node. */
export interface ExecutionSettings {
	transport: TransportSettings;
	wait: WaitSettings;
}

/**
 * Read once per execution, from the first item: the options tune the whole batch. The editor
 * enforces the ranges, but expressions can still yield 0, NaN or text: out-of-range values are
 * clamped, unusable ones fall back to the default.
 */
export function readExecutionSettings(ctx: IExecuteFunctions): ExecutionSettings {
	const given = ctx.getNodeParameter('options', 0, {}) as IDataObject;
	const read = (name: OptionName): number => {
		const option: NumberOption = OPTIONS[name];
		const value = Number(given[name] ?? option.default);
		if (!Number.isFinite(value)) return option.default;
		const clamped = Math.min(option.max, Math.max(option.min, value));
		return option.whole ? Math.round(clamped) : clamped;
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
