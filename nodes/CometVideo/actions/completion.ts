import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { VideoJob } from '../helpers/job';
import { waitForJob, type WaitSettings } from '../helpers/waiter';
import { readExecutionSettings } from './options';
import type { RunContext } from './types';

/** What to do with a job once it exists: return it, wait for it, or wait and download it. */
export interface CompletionRequest {
	wait?: WaitSettings;
	downloadTo?: string;
}

export function readCompletion(ctx: IExecuteFunctions, itemIndex: number): CompletionRequest {
	if (!ctx.getNodeParameter('waitForCompletion', itemIndex, false)) return {};
	const { wait } = readExecutionSettings(ctx);
	const download = ctx.getNodeParameter('downloadWhenComplete', itemIndex, true) as boolean;
	return {
		wait,
		downloadTo: download
			? (ctx.getNodeParameter('binaryPropertyName', itemIndex, 'data') as string)
			: undefined,
	};
}

/** `serverDelayMs`: a poll-after hint that came with the job, honoured for the first poll. */
export async function completeJob(
	run: RunContext,
	job: VideoJob,
	completion: CompletionRequest,
	itemIndex: number,
	serverDelayMs?: number,
): Promise<INodeExecutionData> {
	if (!completion.wait) return { json: job, pairedItem: { item: itemIndex } };
	const done = await waitForJob(
		run.ctx.getNode(),
		run.api,
		run.pause,
		job,
		completion.wait,
		itemIndex,
		serverDelayMs,
	);
	if (!completion.downloadTo) return { json: done, pairedItem: { item: itemIndex } };
	const file = await run.api.downloadContent(done.id, 'video', itemIndex);
	return { json: done, binary: { [completion.downloadTo]: file }, pairedItem: { item: itemIndex } };
}
