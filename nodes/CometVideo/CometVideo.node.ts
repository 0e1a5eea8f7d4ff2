import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { router } from './actions/router';
import { properties } from './actions/video';
import { searchModels } from './methods/listSearch';
import { CREDENTIAL_TYPE } from './transport';

export class CometVideo implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Comet Video',
		name: 'cometVideo',
		icon: { light: 'file:cometVideo.svg', dark: 'file:cometVideo.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["operation"] + ": video" }}',
		description:
			'Generate videos with Veo, Seedance, Wan, Vidu, HappyHorse, Omni, Grok Imagine, Kling and Runway through CometAPI',
		defaults: { name: 'Comet Video' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: CREDENTIAL_TYPE, required: true }],
		properties,
	};

	methods = { listSearch: { searchModels } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
