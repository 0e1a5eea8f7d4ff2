import type { INodeProperties } from 'n8n-workflow';

import { ROUTE_KEYS, ROUTES } from '../helpers/routes';

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

/** Which route a job lives on: Create outputs it as `route` beside the id. */
export const jobRouteProperty: INodeProperties = {
	displayName: 'Job Route',
	name: 'jobRoute',
	type: 'options',
	default: 'videos',
	description:
		'Where the job lives: Create outputs it as "route" beside the job ID, so map that field here with an expression. Jobs of Veo, Seedance, Wan, Vidu, HappyHorse, Omni and Sora are on the shared route.',
	options: ROUTE_KEYS.map((key) => ({ name: ROUTES[key].label, value: key })),
};

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

const waitForCompletionProperty: INodeProperties = {
	displayName: 'Wait for Completion',
	name: 'waitForCompletion',
	type: 'boolean',
	default: true,
	description:
		'Whether to poll until the job has finished. Off: the node returns the job at once, and a later Retrieve picks it up (for jobs longer than your executions may run).',
};

/** Wait for completion, and optionally download, for operations that yield a job. */
export function completionProperties(waitByDefault: boolean): INodeProperties[] {
	return [
		waitByDefault ? waitForCompletionProperty : { ...waitForCompletionProperty, default: false },
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
