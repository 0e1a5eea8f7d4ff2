import type { INodeProperties } from 'n8n-workflow';

/** Parameters that several operations show, defined once. */

export function videoIdProperty(description: string): INodeProperties {
	return {
		displayName: 'Video ID',
		name: 'videoId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. task_pa9C… or video_69b2…',
		description,
	};
}

export const promptProperty: INodeProperties = {
	displayName: 'Prompt',
	name: 'prompt',
	type: 'string',
	required: true,
	default: '',
	placeholder: 'e.g. A paper boat drifting down a rainy street, cinematic, slow dolly shot',
	description:
		'What the video should show: subject, action, setting, camera, style. Up to 32,000 characters.',
	typeOptions: { rows: 4 },
};

export const binaryPropertyNameProperty: INodeProperties = {
	displayName: 'Put Output File in Field',
	name: 'binaryPropertyName',
	type: 'string',
	default: 'data',
	required: true,
	hint: 'The name of the output binary field to put the file in',
};

/** Wait for completion, and optionally download, for operations that yield a job. */
export function completionProperties(waitByDefault: boolean): INodeProperties[] {
	return [
		{
			displayName: 'Wait for Completion',
			name: 'waitForCompletion',
			type: 'boolean',
			default: waitByDefault,
			description:
				'Whether to poll until the job has finished. Off: the node returns the job at once, and a later Retrieve picks it up (for jobs longer than your executions may run).',
		},
		{
			displayName: 'Download Video When Complete',
			name: 'downloadWhenComplete',
			type: 'boolean',
			default: true,
			displayOptions: { show: { waitForCompletion: [true] } },
			description: 'Whether to attach the finished MP4 to the output item as binary data',
		},
		{
			...binaryPropertyNameProperty,
			displayOptions: { show: { waitForCompletion: [true], downloadWhenComplete: [true] } },
		},
	];
}

/** Tuning that applies to the whole execution of the node. */
export const optionsProperty: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add option',
	default: {},
	options: [
		{
			displayName: 'Max Attempts per Request',
			name: 'maxAttempts',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 10 },
			default: 5,
			description:
				'How often a status check or download is tried when CometAPI is busy or the connection drops. A create is repeated only when CometAPI certainly turned it away (HTTP 429), never when a job may exist.',
		},
		{
			displayName: 'Max Requests in Flight',
			name: 'maxInFlight',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 50 },
			default: 5,
			description:
				"How many requests this node sends at once, across all items. CometAPI suggests about 5 per key; more may hit the key's rate limit.",
		},
		{
			displayName: 'Poll Interval (Seconds)',
			name: 'pollIntervalSeconds',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 10,
			description:
				'The longest gap between two status checks of a job. Jobs that report progress are checked about when they should finish; others first after 2 s, then at growing gaps up to this.',
		},
		{
			displayName: 'Request Timeout (Seconds)',
			name: 'requestTimeoutSeconds',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 60,
			description:
				'How long one request may go without an answer (or, for a download, without data)',
		},
		{
			displayName: 'Retry Base Delay (Ms)',
			name: 'retryBaseDelayMs',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 1000,
			description:
				'First pause before a retry; it doubles each attempt up to 30 s, plus up to 1 s of jitter. A Retry-After from CometAPI takes precedence.',
		},
		{
			displayName: 'Timeout (Minutes)',
			name: 'timeoutMinutes',
			type: 'number',
			typeOptions: { minValue: 0.01, numberPrecision: 2 },
			default: 30,
			description:
				'How long to wait for a job before giving up. The job keeps running; Retrieve can pick it up later with its ID.',
		},
	],
};
