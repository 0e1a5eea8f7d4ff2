import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { WaitSettings } from '../helpers/waiter';
import type { TransportSettings } from '../transport';

/**
 * The Options collection, read once per execution (from the first item: they tune the whole
 * batch). The editor enforces the ranges, but expressions can still yield 0, NaN or text, and
 * a limit of 0 requests in flight would hang the execution: out-of-range values are clamped,
 * unusable ones fall back to the default.
 */
export interface ExecutionSettings {
	transport: TransportSettings;
	wait: WaitSettings;
}

function numberOption(
	options: IDataObject,
	name: string,
	fallback: number,
	min: number,
	max = Infinity,
): number {
	const value = Number(options[name] ?? fallback);
	return Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
}

export function readExecutionSettings(ctx: IExecuteFunctions): ExecutionSettings {
	const options = ctx.getNodeParameter('options', 0, {}) as IDataObject;
	return {
		transport: {
			maxInFlight: Math.round(numberOption(options, 'maxInFlight', 5, 1, 50)),
			maxAttempts: Math.round(numberOption(options, 'maxAttempts', 5, 1, 10)),
			retryBaseDelayMs: numberOption(options, 'retryBaseDelayMs', 1000, 0, 30_000),
			requestTimeoutMs: numberOption(options, 'requestTimeoutSeconds', 60, 1) * 1000,
		},
		wait: {
			maxPollIntervalMs: numberOption(options, 'pollIntervalSeconds', 10, 1) * 1000,
			timeoutMs: numberOption(options, 'timeoutMinutes', 30, 0.01) * 60_000,
		},
	};
}
