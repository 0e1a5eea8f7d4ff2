import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { failureReason, jobOutcome, type VideoJob } from '../helpers/job';
import { settle } from '../helpers/settle';
import type { RouteKey } from '../helpers/routes';
import { nextPollDelay, type PollSettings, type ProgressSample } from '../helpers/poll-schedule';
import type { DownloadFrom } from '../transport';
import { HINTS, jobNotKnownYet, quote } from '../transport/errors';
import { readDownloadFrom, readExecutionSettings } from './options';
import type { RunContext } from './types';
import { readBinaryField } from './video/inputs';

export interface WaitSettings extends PollSettings {
	timeoutMs: number;
}

/** What to do with a job once it exists: return it, wait for it, or wait and download it. */
export interface CompletionRequest {
	wait?: WaitSettings;
	downloadTo?: string;
	downloadFrom?: DownloadFrom;
}

export function readCompletion(ctx: IExecuteFunctions, itemIndex: number): CompletionRequest {
	if (!ctx.getNodeParameter('waitForCompletion', itemIndex, false)) return {};
	const { wait } = readExecutionSettings(ctx);
	const download = ctx.getNodeParameter('downloadWhenComplete', itemIndex, true) as boolean;
	if (!download) return { wait };
	return { wait, downloadTo: readBinaryField(ctx, itemIndex), downloadFrom: readDownloadFrom(ctx) };
}

/** How the job came: a poll-after hint with it (for the first poll), and whether this run made it. */
export interface JobArrival {
	serverDelayMs?: number;
	createdNow?: boolean;
}

/** A wait for other jobs' pace shorter than this is not worth a sleep of its own. */
const MIN_EXTRA_WAIT_MS = 50;

/** For this long after its create, a route may not know a job yet (see transport/retry). */
const FRESH_JOB_MS = 60_000;

export async function completeJob(
	run: RunContext,
	job: VideoJob,
	completion: CompletionRequest,
	itemIndex: number,
	arrival: JobArrival = {},
): Promise<INodeExecutionData> {
	if (!completion.wait) return { json: job, pairedItem: { item: itemIndex } };
	const done = await waitForJob(run, job, completion.wait, itemIndex, arrival);
	if (!completion.downloadTo) return { json: done, pairedItem: { item: itemIndex } };
	const file = await run.api.downloadContent(
		done,
		'video',
		completion.downloadFrom ?? 'automatic',
		itemIndex,
	);
	return {
		json: done,
		binary: { [completion.downloadTo]: file },
		pairedItem: { item: itemIndex },
	};
}

function sampleOf(job: VideoJob, at: number): ProgressSample {
	return { at, progress: job.progress ?? 0 };
}

/**
 * Polls one job until it ends. Never sleeps once the job is done, fails at once (with the
 * provider's reason and the id) when it fails, and on timeout says how to pick the job up later.
 */
async function waitForJob(
	run: RunContext,
	job: VideoJob,
	settings: WaitSettings,
	itemIndex: number,
	{ serverDelayMs, createdNow = false }: JobArrival,
): Promise<VideoJob> {
	const { errors, redactor } = run.api;
	const call = { itemIndex, jobId: job.id };
	const startedAt = Date.now();
	const paceKey = `${job.route} ${job.model ?? ''}`;
	let previous = sampleOf(job, startedAt);
	let latest = previous;
	for (let polls = 0; ; polls++) {
		const outcome = jobOutcome(job);
		const status = quote(redactor, job.status);
		if (outcome === 'completed') return job;
		if (outcome === 'failed') {
			const reason = quote(redactor, failureReason(job));
			throw errors.api(
				{ ...call, kind: 'read', target: 'api', action: 'wait for the job' },
				`Video job ${job.id} ended with status "${status}": ${reason}`,
				{
					description: HINTS.jobFailed(quote(redactor, job.error?.code ?? '')),
				},
			);
		}
		const remainingMs = settings.timeoutMs - (Date.now() - startedAt);
		if (remainingMs <= 0) {
			const minutes = Math.round((settings.timeoutMs / 60_000) * 100) / 100;
			const progress = job.progress === null ? '' : `, ${job.progress}%`;
			throw errors.operation(
				call,
				`Video job ${job.id} did not finish within ${minutes} min (last status "${status}"${progress})`,
				HINTS.retrieveLater(job.id),
			);
		}
		const ownPace = serverDelayMs !== undefined || latest.progress > previous.progress;
		try {
			await run.pause.for(
				Math.min(nextPollDelay(settings, polls, previous, latest, serverDelayMs), remainingMs),
			);
			// Without a rate of its own, the job waits as long as its model's jobs take here (other
			// jobs may have shown that while it slept), but never longer than the longest gap
			// between two polls that the settings allow.
			for (;;) {
				const now = Date.now();
				const more = Math.min(
					ownPace ? 0 : run.pace.waitBeforePoll(paceKey, now - startedAt),
					settings.timeoutMs - (now - startedAt),
					settings.maxPollIntervalMs - (now - latest.at),
				);
				if (more < MIN_EXTRA_WAIT_MS) break;
				await run.pause.for(more);
			}
		} catch {
			throw errors.operation(
				call,
				`Stopped waiting for video job ${job.id}: the execution was cancelled`,
				HINTS.cancelledWait(job.id),
			);
		}
		const freshJob = createdNow && Date.now() - startedAt < FRESH_JOB_MS;
		const polled = await settle(() => run.api.retrieveVideo(job, itemIndex, { freshJob }));
		if (polled.ok) ({ job, serverDelayMs } = polled.value);
		// The route does not know the job it just made yet: still waiting, as it was.
		else if (!jobNotKnownYet(polled.error)) throw polled.error;
		previous = latest;
		latest = sampleOf(job, Date.now());
		run.pace.learn(paceKey, latest.at - startedAt, job.progress);
	}
}

/**
 * A create (or remix) sent at most once per item and run of the node, whatever n8n's Retry On
 * Fail does: a job an earlier try made is retrieved by its id, an earlier create that may have
 * made a job without an id fails again with that error, and a refused one is refused again.
 */
export async function createOnce(
	run: RunContext,
	itemIndex: number,
	route: RouteKey,
	send: () => Promise<VideoJob>,
): Promise<{ job: VideoJob; serverDelayMs?: number }> {
	const earlier = run.creates.reuse(itemIndex);
	switch (earlier.kind) {
		case 'known':
			return await run.api.retrieveVideo({ id: earlier.id, route }, itemIndex);
		case 'may-exist':
			throw run.api.failures.notSentAgain(itemIndex);
		case 'refused':
			throw earlier.error;
		case 'send':
			return { job: await run.creates.create(itemIndex, send) };
	}
}
