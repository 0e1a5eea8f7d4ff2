import type { IDataObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError, type INode, type JsonObject } from 'n8n-workflow';

import type { CometApiClient } from '../transport';
import { failureReason, jobOutcome, type VideoJob } from './job';
import type { Pause } from './pause';

export interface WaitSettings {
	/** The longest gap between two polls of one job. */
	maxPollIntervalMs: number;
	timeoutMs: number;
}

/** OpenAI's SDK polls every second; nothing is gained by asking more often. */
const MIN_POLL_MS = 1000;
/** Without a progress figure to go by, gaps start here and grow by half each poll. */
const FIRST_POLL_MS = 2000;
const GROWTH = 1.5;
/** A server hint of "now" still should not turn the wait into a busy loop. */
const SERVER_DELAY_FLOOR_MS = 200;

interface ProgressSample {
	at: number;
	progress: number;
}

/**
 * When the next poll should go out. A job whose progress moved since the last poll is polled
 * about when it should be done (seen promptly, without a flood of polls); one that reports no
 * progress, or has stalled, is polled at gaps that grow to the set maximum. A server's
 * poll-after hint wins over both.
 */
export function nextPollDelay(
	settings: WaitSettings,
	pollsSoFar: number,
	previous: ProgressSample,
	latest: ProgressSample,
	serverDelayMs?: number,
): number {
	if (serverDelayMs !== undefined) return Math.max(SERVER_DELAY_FLOOR_MS, serverDelayMs);
	const ceiling = Math.max(MIN_POLL_MS, settings.maxPollIntervalMs);
	const rate = (latest.progress - previous.progress) / Math.max(1, latest.at - previous.at);
	let delay: number;
	if (rate > 0 && latest.progress < 100) {
		// Aim just past the estimated finish, so the poll that goes out finds it done.
		delay = ((100 - latest.progress) / rate) * 1.05 + 100;
	} else {
		delay = FIRST_POLL_MS * GROWTH ** pollsSoFar;
	}
	// A little jitter keeps the polls of many jobs from moving in lockstep.
	const jitter = 1 + (Math.random() - 0.5) * 0.1;
	return Math.min(ceiling, Math.max(MIN_POLL_MS, delay * jitter));
}

function sampleOf(job: VideoJob, at: number): ProgressSample {
	return { at, progress: job.progress ?? 0 };
}

/**
 * Polls one job until it ends. Never sleeps once the job is done, fails at once (with the
 * provider's reason and the id) when it fails, and on timeout says how to pick the job up later.
 */
export async function waitForJob(
	node: INode,
	api: CometApiClient,
	pause: Pause,
	job: VideoJob,
	settings: WaitSettings,
	itemIndex: number,
	serverDelayMs?: number,
): Promise<VideoJob> {
	const startedAt = Date.now();
	let previous = sampleOf(job, startedAt);
	let latest = previous;
	for (let polls = 0; ; polls++) {
		const outcome = jobOutcome(job);
		if (outcome === 'completed') return job;
		if (outcome === 'failed') throw jobFailed(node, job, itemIndex, api);
		const remainingMs = settings.timeoutMs - (Date.now() - startedAt);
		if (remainingMs <= 0) throw waitTimedOut(node, job, settings, itemIndex);
		const delay = nextPollDelay(settings, polls, previous, latest, serverDelayMs);
		try {
			await pause.for(Math.min(delay, remainingMs));
		} catch (error) {
			throw new NodeOperationError(node, error as Error, {
				message: `Stopped waiting for video job ${job.id}: the execution was cancelled`,
				description: `The job keeps running at CometAPI. Use the Retrieve operation with id ${job.id} to pick it up.`,
				itemIndex,
			});
		}
		({ job, serverDelayMs } = await api.retrieveVideo(job.id, itemIndex));
		previous = latest;
		latest = sampleOf(job, Date.now());
	}
}

function jobFailed(
	node: INode,
	job: VideoJob,
	itemIndex: number,
	api: CometApiClient,
): NodeApiError {
	const reason = api.redact(failureReason(job));
	const error = new NodeApiError(node, { message: reason, status: job.status } as JsonObject, {
		message: `Video job ${job.id} ended with status "${job.status}": ${reason}`,
		description: `Nothing was rendered for this job, so there is nothing to download. Adjust the prompt or images and create a new job.${
			job.error?.code ? ` Provider code: ${job.error.code}.` : ''
		}`,
		itemIndex,
	});
	error.context.jobId = job.id;
	return error;
}

function waitTimedOut(
	node: INode,
	job: VideoJob,
	settings: WaitSettings,
	itemIndex: number,
): NodeOperationError {
	const minutes = Math.round((settings.timeoutMs / 60_000) * 100) / 100;
	const progress = job.progress === null ? '' : `, ${job.progress}%`;
	const error = new NodeOperationError(
		node,
		`Video job ${job.id} did not finish within ${minutes} min (last status "${job.status}"${progress})`,
		{
			description: `The job keeps running at CometAPI. Use the Retrieve operation with id ${job.id} later to pick it up, or raise "Timeout (Minutes)".`,
			itemIndex,
		},
	);
	error.context.jobId = job.id;
	return error;
}

export function jobIdOf(error: unknown): string | undefined {
	const context = (error as { context?: IDataObject } | undefined)?.context;
	return typeof context?.jobId === 'string' ? context.jobId : undefined;
}
