import type { INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { completeJob, readCompletion, type CompletionRequest } from '../completion';
import { completionProperties, videoIdProperty } from '../descriptions';
import type { VideoOperation } from '../types';
import { readVideoId } from './inputs';

const properties: INodeProperties[] = [
	videoIdProperty('The ID of the job, as Create returned it'),
	...completionProperties(false),
];

export const description = updateDisplayOptions({ show: { operation: ['retrieve'] } }, properties);

export interface RetrieveRequest {
	id: string;
	completion: CompletionRequest;
}

export const retrieve: VideoOperation<RetrieveRequest> = {
	description,

	async prepare(ctx, itemIndex) {
		return { id: readVideoId(ctx, itemIndex), completion: readCompletion(ctx, itemIndex) };
	},

	async execute(run, request, itemIndex) {
		const { job, serverDelayMs } = await run.api.retrieveVideo(request.id, itemIndex);
		return await completeJob(run, job, request.completion, itemIndex, serverDelayMs);
	},
};
