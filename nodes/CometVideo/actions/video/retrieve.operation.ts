import type { INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { completeJob, readCompletion, type CompletionRequest } from '../completion';
import { completionProperties, jobRouteProperty, videoIdProperty } from '../descriptions';
import type { VideoOperation } from '../types';
import { readJobRef } from './inputs';
import type { JobRef } from '../../transport';

const properties: INodeProperties[] = [
	videoIdProperty('The ID of the job, as Create returned it'),
	jobRouteProperty,
	...completionProperties(false),
];

export const description = updateDisplayOptions({ show: { operation: ['retrieve'] } }, properties);

export interface RetrieveRequest {
	job: JobRef;
	completion: CompletionRequest;
}

export const retrieve: VideoOperation<RetrieveRequest> = {
	description,

	async prepare(ctx, itemIndex) {
		return { job: readJobRef(ctx, itemIndex), completion: readCompletion(ctx, itemIndex) };
	},

	async execute(run, request, itemIndex) {
		const { job, serverDelayMs } = await run.api.retrieveVideo(request.job, itemIndex);
		return await completeJob(run, job, request.completion, itemIndex, { serverDelayMs });
	},
};
