import type { INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { VideoOperation } from '../types';

const properties: INodeProperties[] = [
	{
		displayName:
			"Reads the CometAPI account's balance (USD) with this credential's key: the balance, what was used, the request count and each key's quota. The key goes only to the balance route, in its query, as CometAPI documents.",
		name: 'balanceNotice',
		type: 'notice',
		default: '',
	},
];

export const description = updateDisplayOptions(
	{ show: { operation: ['getBalance'] } },
	properties,
);

/** One balance read per input item: it costs nothing, and each item gets the figures of its time. */
export const getBalance: VideoOperation<null> = {
	description,

	async prepare() {
		return null;
	},

	async execute(run, _request, itemIndex) {
		return { json: await run.api.getBalance(itemIndex), pairedItem: { item: itemIndex } };
	},
};
