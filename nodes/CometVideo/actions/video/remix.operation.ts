import type { INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { completeJob, createOnce, readCompletion, type CompletionRequest } from '../completion';
import { completionProperties, promptProperty, videoIdProperty } from '../descriptions';
import type { VideoOperation } from '../types';
import { readPrompt, readVideoId } from './inputs';

const properties: INodeProperties[] = [
	videoIdProperty(
		'The ID of a completed Sora video to build on. Sora only: OpenAI shut Sora 2 down on 2026-09-24, so this works only while CometAPI still serves it.',
	),
	{
		...promptProperty,
		description: 'What to change in the source video, e.g. "make it night time"',
	},
	...completionProperties(true),
];

export const description = updateDisplayOptions({ show: { operation: ['remix'] } }, properties);

export interface RemixRequest {
	sourceId: string;
	prompt: string;
	completion: CompletionRequest;
}

export const remix: VideoOperation<RemixRequest> = {
	description,

	async prepare(ctx, itemIndex) {
		const prompt = readPrompt(ctx, itemIndex, 'Describe the change to make to the source video.');
		return {
			sourceId: readVideoId(ctx, itemIndex),
			prompt,
			completion: readCompletion(ctx, itemIndex),
		};
	},

	async execute(run, request, itemIndex) {
		const { job, serverDelayMs } = await createOnce(
			run,
			itemIndex,
			'videos',
			async () => await run.api.remixVideo(request.sourceId, request.prompt, itemIndex),
		);
		return await completeJob(run, job, request.completion, itemIndex, {
			serverDelayMs,
			createdNow: true,
		});
	},
};
