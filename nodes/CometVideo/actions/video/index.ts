import type { INodeProperties } from 'n8n-workflow';

import { getBalance } from '../account/get-balance.operation';
import { optionsProperty } from '../options';
import type { VideoOperation } from '../types';
import { create } from './create.operation';
import { download } from './download.operation';
import { remix } from './remix.operation';
import { retrieve } from './retrieve.operation';

export const operations = { create, retrieve, download, remix, getBalance } satisfies Record<
	string,
	VideoOperation<unknown>
>;

export type OperationName = keyof typeof operations;

const operationProperty: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	default: 'create',
	options: [
		{
			name: 'Create',
			value: 'create',
			action: 'Create a video',
			description: 'Generate a video from a prompt, and optionally reference images',
		},
		{
			name: 'Download',
			value: 'download',
			action: 'Download a video',
			description: "Get a finished job's video (or thumbnail) as a binary file",
		},
		{
			name: 'Get Balance',
			value: 'getBalance',
			action: 'Get the account balance',
			description: "Read the CometAPI account's balance and its keys' quotas (USD)",
		},
		{
			name: 'Remix',
			value: 'remix',
			action: 'Remix a video',
			description: 'Make a new Sora video from a finished one and a change prompt',
		},
		{
			name: 'Retrieve',
			value: 'retrieve',
			action: 'Retrieve a video job',
			description: "Get a job's status, and optionally wait for it and download it",
		},
	],
};

export const properties: INodeProperties[] = [
	operationProperty,
	...create.description,
	...retrieve.description,
	...download.description,
	...remix.description,
	...getBalance.description,
	optionsProperty,
];
