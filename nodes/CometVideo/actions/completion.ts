import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { VideoJob } from '../helpers/job';
import { waitForJob, type WaitSettings } from '../helpers/waiter';
import type { RunContext } from './types';

/** What to do with a job once it exists: return it, wait for it, or wait and download it. */
export interface CompletionRequest {
	wait?: WaitSettings;
	downloadTo?: string;
}

export function readCompletion(ctx: IExecuteFunctions, itemIndex: number): CompletionRequest {
	if (!ctx.getNodeParameter('waitForCompletion', itemIndex, false)) return {};
	const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const wait: WaitSettings = {
		maxPollIntervalMs: Number(options.pollIntervalSeconds ?? 10) * 1000,
		timeoutMs: Number(options.timeoutMinutes ?? 30) * 60_000,
	};
	const download = ctx.getNodeParameter('downloadWhenComplete', itemIndex, true) as boolean;
	return {
		wait,
		downloadTo: download
			? (ctx.getNodeParameter('binaryPropertyName', itemIndex, 'data') as string)
			: undefined,
	};
}

export async function completeJob(
	run: RunContext,
	job: VideoJob,
	completion: CompletionRequest,
	itemIndex: number,
): Promise<INodeExecutionData> {
	if (!completion.wait) return { json: job, pairedItem: { item: itemIndex } };
	const done = await waitForJob(run.ctx.getNode(), run.api, run.pause, job, completion.wait, itemIndex);
	if (!completion.downloadTo) return { json: done, pairedItem: { item: itemIndex } };
	const file = await run.api.downloadContent(done.id, 'video', itemIndex);
	return { json: done, binary: { [completion.downloadTo]: file }, pairedItem: { item: itemIndex } };
}
