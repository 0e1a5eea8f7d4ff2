/**
 * CometAPI's video routes other than `/v1/videos` (other-routes sheet §1-3, §7; families sheet
 * §8-10): xAI Grok Imagine, Kling and Runway. Each has its own JSON create route, poll route, id,
 * status words and answer shape; this module validates their creates and builds their answers.
 * The simulator (index.ts) owns the jobs, links, faults and callbacks.
 *
 * Validation policy as in families.ts: a documented range is enforced (400, the API's envelope),
 * a field the sheet is silent on is accepted, a model id is taken unchecked (ids change).
 */
import * as crypto from 'node:crypto';

import { spellStatus, validatePrompt, type Job, type JobStatus } from './jobs';

export const PROVIDER_NAMES = ['xai', 'kling', 'runway'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];
/** Kling's video actions the simulator serves (§2.1): one create and one poll route each. */
export const KLING_ACTIONS = ['text2video', 'image2video', 'omni-video'] as const;
export type KlingAction = (typeof KLING_ACTIONS)[number];

/** A provider route: the create route's action names the job's poll route too (Kling). */
export interface ProviderEndpoint {
	provider: ProviderName;
	action: 'generations' | KlingAction | 'image_to_video';
}

/** How an input image was sent: a URL, a `data:` URI, or raw base64 (Kling's documented form). */
export type ImageForm = 'url' | 'data-uri' | 'base64';

/** What a provider job keeps beside the shared Job fields. */
export interface ProviderTask extends ProviderEndpoint {
	/** The clip's seconds (Grok: 8 when `duration` was omitted, as it is billed then). */
	seconds: number;
	/** Grok: `duration` was not sent (§1.1: "treats the request as an 8-second generation"). */
	durationOmitted: boolean;
	resolution: string | undefined;
	/** Kling: where status changes are POSTed. */
	callbackUrl: string | undefined;
	externalTaskId: string | undefined;
	/** Per image field (`image`, `image_tail`, `promptImage`…): how it was sent. */
	imageForms: Record<string, ImageForm>;
	/** Polls answered so far (answerShape 'alternate' switches on it). */
	polls: number;
}

/** A valid provider create: the id, model and prompt the shared Job needs, and its task. */
export interface ProviderCreate {
	id: string;
	model: string;
	prompt: string;
	task: ProviderTask;
}

/** Models the sheets name per provider (the catalogue lists them), with the doc page. */
export const PROVIDER_MODELS: Readonly<Record<ProviderName, { ids: string[]; docPath: string }>> = {
	// §1.1: the old schema's default and the new page's example.
	xai: {
		ids: ['grok-imagine-video', 'grok-imagine-video-1.5'],
		docPath: '/api/video/xai/video-generation',
	},
	// §2.1 "Model ids seen on CometAPI pages".
	kling: {
		ids: ['kling-v2-6', 'kling-v2-master', 'kling-3.0-turbo', 'kling-v1-6', 'kling-video-o1'],
		docPath: '/api/video/kling/text-to-video',
	},
	// §3.1: gen3a_turbo on the page; gen4_turbo, gen4.5 from Runway's own guide.
	runway: { ids: ['gen3a_turbo', 'gen4_turbo', 'gen4.5'], docPath: '/api/video/runway' },
};

const GROK_RATIOS = ['1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3'];
const GROK_RESOLUTIONS = ['480p', '720p', '1080p'];
// Ticks per second by resolution. §1.3/§6.1: 1 s at 480p = 500000000 ticks ($0.05); 720p is
// "billed at the higher resolution tier" without a figure: 2x and 3x are the simulator's choice.
const GROK_TICKS_PER_SECOND: Record<string, number> = {
	'480p': 500_000_000,
	'720p': 1_000_000_000,
	'1080p': 1_500_000_000,
};
const KLING_RATIOS = ['16:9', '9:16', '1:1', '4:3', '3:4', '3:2', '2:3'];
const KLING_OMNI_RATIOS = ['16:9', '9:16', '1:1'];
const RUNWAY_RATIOS = [
	...['1280:720', '720:1280', '1104:832', '832:1104', '960:960', '1584:672', '1280:768'],
	...['768:1280', '16:9', '9:16'],
];

type Body = Record<string, unknown>;
type Refusal = { error: string };
const refuse = (error: string): Refusal => ({ error });

function oneOf(body: Body, name: string, allowed: readonly unknown[]): Refusal | null {
	const value = body[name];
	if (value === undefined || allowed.includes(value)) return null;
	return refuse(`${name} must be one of ${allowed.join(', ')}`);
}

/** An integer (or, where `asText`, its decimal string) in [min, max]; undefined when absent. */
function integerIn(
	body: Body,
	name: string,
	min: number,
	max: number,
	asText = false,
): Refusal | number | undefined {
	const raw = body[name];
	if (raw === undefined) return undefined;
	const value = asText && typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
	if (Number.isInteger(value) && (value as number) >= min && (value as number) <= max)
		return value as number;
	return refuse(`${name} must be an integer from ${min} to ${max}`);
}

function textUpTo(body: Body, name: string, max: number, required: boolean): Refusal | string {
	const value = body[name];
	if (value === undefined && !required) return '';
	const promptError = required ? validatePrompt(value) : null;
	if (promptError) return refuse(promptError);
	if (typeof value !== 'string') return refuse(`${name} must be a string`);
	if (Array.from(value).length > max) return refuse(`${name} must be at most ${max} characters`);
	return value;
}

function optionalText(body: Body, name: string): Refusal | string | undefined {
	const value = body[name];
	if (value === undefined || typeof value === 'string') return value;
	return refuse(`${name} must be a string`);
}

/** An image as a URL, a data URI, or (where `rawBase64`) bare base64. */
function imageForm(value: unknown, rawBase64: boolean): ImageForm | null {
	if (typeof value !== 'string') return null;
	if (/^https?:\/\/\S+$/i.test(value)) return 'url';
	if (/^data:image\/[\w.+-]+;base64,[A-Za-z0-9+/=\s]+$/.test(value)) return 'data-uri';
	if (rawBase64 && /^[A-Za-z0-9+/=\s]+$/.test(value)) return 'base64';
	return null;
}

const isRefusal = (value: unknown): value is Refusal =>
	!!value && typeof value === 'object' && 'error' in value;

function model(body: Body, fallback: string): Refusal | string {
	const value = body[body.model_name !== undefined ? 'model_name' : 'model'] ?? fallback;
	return typeof value === 'string' && value !== '' ? value : refuse('model must be a string');
}

function newTask(endpoint: ProviderEndpoint, seconds: number): ProviderTask {
	return {
		...endpoint,
		seconds,
		durationOmitted: false,
		resolution: undefined,
		callbackUrl: undefined,
		externalTaskId: undefined,
		imageForms: {},
		polls: 0,
	};
}

/** §1.1 (families §8): `POST /grok/v1/videos/generations`. */
function validateGrok(body: Body, endpoint: ProviderEndpoint): ProviderCreate | Refusal {
	const prompt = textUpTo(body, 'prompt', Infinity, true);
	const modelId = model(body, 'grok-imagine-video');
	const duration = integerIn(body, 'duration', 1, 15);
	for (const checked of [prompt, modelId, duration]) if (isRefusal(checked)) return checked;
	const choice =
		oneOf(body, 'resolution', GROK_RESOLUTIONS) ?? oneOf(body, 'aspect_ratio', GROK_RATIOS);
	if (choice) return choice;
	const task = newTask(endpoint, (duration as number | undefined) ?? 8);
	task.durationOmitted = duration === undefined;
	// The old page's default; newer pages state none.
	task.resolution = (body.resolution as string | undefined) ?? '480p';
	if (body.image !== undefined) {
		const url = (body.image as { url?: unknown } | null)?.url;
		const form = imageForm(url, false);
		if (!form) return refuse('image.url must be an https image URL or a data:image/…;base64 URI');
		task.imageForms.image = form;
	}
	return { id: crypto.randomUUID(), model: modelId as string, prompt: prompt as string, task };
}

/** §2.1 (families §9): text2video, image2video, omni-video. */
function validateKling(body: Body, endpoint: ProviderEndpoint): ProviderCreate | Refusal {
	const omni = endpoint.action === 'omni-video';
	// CometAPI's pages: prompt ≤500 (≤2500 on Omni), exclusions ≤200.
	const prompt = textUpTo(body, 'prompt', omni ? 2500 : 500, endpoint.action !== 'image2video');
	const negative = textUpTo(body, 'negative_prompt', 200, false);
	// Omni: "Currently only kling-video-o1"; elsewhere Kling's own default (Kling-copy).
	const modelId = model(body, omni ? 'kling-video-o1' : 'kling-v1');
	// `duration` is a string in the examples ("5"), a number on other pages: both accepted.
	const duration = omni
		? integerIn(body, 'duration', 3, 10, true)
		: integerIn(body, 'duration', 5, 10, true);
	const callbackUrl = optionalText(body, 'callback_url');
	const externalTaskId = optionalText(body, 'external_task_id');
	for (const checked of [prompt, negative, modelId, duration, callbackUrl, externalTaskId])
		if (isRefusal(checked)) return checked;
	if (!omni && duration !== undefined && duration !== 5 && duration !== 10)
		return refuse('duration must be 5 or 10');
	const choice =
		oneOf(body, 'mode', ['std', 'pro']) ??
		oneOf(body, 'aspect_ratio', omni ? KLING_OMNI_RATIOS : KLING_RATIOS);
	if (choice) return choice;
	const cfg = body.cfg_scale;
	if (cfg !== undefined && !(typeof cfg === 'number' && cfg >= 0 && cfg <= 1))
		return refuse('cfg_scale must be a number from 0 to 1');
	if (callbackUrl !== undefined && !/^https?:\/\/\S+$/i.test(callbackUrl as string))
		return refuse('callback_url must be an http(s) URL');
	const task = newTask(endpoint, (duration as number | undefined) ?? 5);
	task.callbackUrl = callbackUrl as string | undefined;
	task.externalTaskId = externalTaskId as string | undefined;
	if (endpoint.action === 'image2video') {
		if (body.image === undefined) return refuse('image is required');
		// "Base64 or public URL"; the multi-image page says base64 without a data: prefix. A
		// prefixed one is accepted too (tolerant) and recorded as such.
		for (const name of ['image', 'image_tail']) {
			if (body[name] === undefined) continue;
			const form = imageForm(body[name], true);
			if (!form) return refuse(`${name} must be a public image URL or base64 image data`);
			task.imageForms[name] = form;
		}
	}
	return { id: klingTaskId(), model: modelId as string, prompt: prompt as string, task };
}

/** §3.1 (families §10): `POST /runwayml/v1/image_to_video`; the header is checked by the caller. */
function validateRunway(body: Body, endpoint: ProviderEndpoint): ProviderCreate | Refusal {
	const prompt = textUpTo(body, 'promptText', 512, false);
	const modelId = model(body, 'gen3a_turbo');
	// Old page 5 or 10; new page "model/version dependent": 2-10 accepted (the simulator's range).
	const duration = integerIn(body, 'duration', 2, 10);
	const seed = integerIn(body, 'seed', 0, 999_999_999);
	for (const checked of [prompt, modelId, duration, seed]) if (isRefusal(checked)) return checked;
	const choice = oneOf(body, 'ratio', RUNWAY_RATIOS);
	if (choice) return choice;
	if (body.watermark !== undefined && typeof body.watermark !== 'boolean')
		return refuse('watermark must be a boolean');
	const task = newTask(endpoint, (duration as number | undefined) ?? 5);
	const image = body.promptImage;
	// Runway 2024-11-06: an https URL, a data URI, or [{uri, position: first|last}].
	const frames = Array.isArray(image) ? image : [{ uri: image, position: 'first' }];
	if (image === undefined || frames.length === 0 || frames.length > 2)
		return refuse('promptImage is required: an https image URL, a data URI, or 1-2 frames');
	for (const frame of frames as { uri?: unknown; position?: unknown }[]) {
		const form = imageForm(frame?.uri, false);
		if (!form || (frame.position !== 'first' && frame.position !== 'last'))
			return refuse('promptImage entries must be {uri, position: "first" | "last"}');
		task.imageForms[`promptImage.${frame.position}`] = form;
	}
	return { id: crypto.randomUUID(), model: modelId as string, prompt: prompt as string, task };
}

/** Validates a provider create's JSON body; a refusal is answered 400 in the API's envelope. */
export function validateProviderCreate(
	endpoint: ProviderEndpoint,
	body: Body,
): ProviderCreate | Refusal {
	if (endpoint.provider === 'xai') return validateGrok(body, endpoint);
	if (endpoint.provider === 'kling') return validateKling(body, endpoint);
	return validateRunway(body, endpoint);
}

/** Kling's task ids are 19-digit numbers as strings (§2.1: "2032273942220931072"). */
function klingTaskId(): string {
	const digits = Array.from(crypto.randomBytes(18), (byte) => byte % 10).join('');
	return `${1 + crypto.randomInt(9)}${digits}`;
}

// ---------------------------------------------------------------------------------------------
// Answers

/** A job at one moment, with its link (null until it is completed). */
export interface Snapshot {
	status: JobStatus;
	progress: number;
	/** ms since the epoch: the moment this is. */
	at: number;
	/** ms since the epoch: when the job took its current status. */
	changedAt: number;
	link: string | null;
}

/** §1.3, §2.2, §3.2: each route's own words (jobs.ts presets; an error reads xAI's `expired`). */
function providerStatus(provider: ProviderName, status: JobStatus): string {
	return spellStatus(status, provider);
}

/** The create answer (§1.1 `{request_id}`, §2.1 Kling's envelope, §3.1 `{id}`). */
export function createAnswer(job: Job, task: ProviderTask): unknown {
	if (task.provider === 'xai') return { request_id: job.id };
	if (task.provider === 'runway') return { id: job.id };
	// The live image2video example: code 0, "success", no request_id, ms timestamps.
	return { code: 0, message: 'success', data: klingData(job, task, queuedSnapshot(job), false) };
}

function queuedSnapshot(job: Job): Snapshot {
	return { status: 'queued', progress: 0, at: job.createdAt, changedAt: job.createdAt, link: null };
}

/** The failure a finished job reports: the plan's, else the provider's default code. */
function failure(job: Job, status: JobStatus, defaultCode: string) {
	if (status !== 'failed' && status !== 'error') return null;
	const error = job.errorObject();
	return {
		code: job.plan.errorCode ?? defaultCode,
		message: error?.message ?? 'The video generation failed.',
	};
}

/**
 * Kling's task object (§2.2): the poll answer's `data`, and the callback's payload (Kling-copy:
 * the same fields). `withMessage` adds task_status_msg ('' unless failed) as the callback has it.
 */
function klingData(job: Job, task: ProviderTask, snap: Snapshot, withMessage: boolean): Body {
	const problem = failure(job, snap.status, 'failed');
	const data: Body = {
		task_id: job.id,
		task_status: providerStatus('kling', snap.status),
	};
	if (withMessage || problem) data.task_status_msg = problem?.message ?? '';
	data.task_info = task.externalTaskId ? { external_task_id: task.externalTaskId } : {};
	data.created_at = job.createdAt;
	data.updated_at = snap.changedAt;
	// The poll example shows `task_result: {}` while processing.
	const videos = snap.link
		? [{ id: klingVideoId(job), url: snap.link, duration: `${task.seconds}` }]
		: [];
	if (snap.status !== 'queued') data.task_result = snap.link ? { videos } : {};
	return data;
}

/** A stable video id per task (Kling's are their own ids, not the task's). */
function klingVideoId(job: Job): string {
	const hex = crypto.createHash('sha256').update(job.id).digest('hex');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Kling's callback payload for the job at `snap` (§2.2; Kling-copy payload). */
export function klingCallbackPayload(job: Job, task: ProviderTask, snap: Snapshot): unknown {
	return klingData(job, task, snap, true);
}

/**
 * Grok's poll object (§1.3): only `{request_id}` in the first half of the queued phase (the new
 * page's "pending" answer; how long it lasts is the simulator's choice), then the full object;
 * xAI's own failed shape (HTTP 200, empty model, zero-second video).
 */
function grokObject(job: Job, task: ProviderTask, snap: Snapshot): Body {
	if (snap.status === 'queued' && snap.at < (job.createdAt + job.startsAt) / 2)
		return { request_id: job.id };
	const problem = failure(job, snap.status, 'internal_error');
	if (problem) {
		const status = providerStatus('xai', snap.status);
		const video = { duration: 0, respect_moderation: true };
		return { request_id: job.id, status, video, model: '', progress: 100, error: problem };
	}
	const object: Body = {
		request_id: job.id,
		model: job.model,
		status: providerStatus('xai', snap.status),
		progress: snap.progress,
	};
	if (snap.link) {
		object.video = { url: snap.link, duration: task.seconds, respect_moderation: true };
		object.usage = { cost_in_usd_ticks: grokTicks(task) };
	}
	return object;
}

/** Billed ticks: seconds (8 when omitted) × the resolution's rate (1 USD = 10^10 ticks). */
export function grokTicks(task: Pick<ProviderTask, 'seconds' | 'resolution'>): number {
	return task.seconds * (GROK_TICKS_PER_SECOND[task.resolution ?? '480p'] ?? 0);
}

/** Runway's task object (§3.2 new): progress 0-1, `output` on success, `failure*` on failure. */
function runwayObject(job: Job, snap: Snapshot): Body {
	const object: Body = {
		id: job.id,
		status: providerStatus('runway', snap.status),
		createdAt: new Date(job.createdAt).toISOString(),
		progress: snap.progress / 100,
	};
	if (snap.link) object.output = [snap.link];
	const problem = failure(job, snap.status, 'INTERNAL.BAD_OUTPUT');
	if (problem) Object.assign(object, { failure: problem.message, failureCode: problem.code });
	return object;
}

/** The provider's own poll answer ("plain"; Kling's inside its `{code, message}` envelope). */
function plainObject(job: Job, task: ProviderTask, snap: Snapshot): Body {
	if (task.provider === 'xai') return grokObject(job, task, snap);
	if (task.provider === 'runway') return runwayObject(job, snap);
	return klingData(job, task, snap, false);
}

// §1.3, §2.2, §3.2 old pages: CometAPI's wrapper names the action; Runway's queued word is QUEUED.
const WRAPPER_ACTIONS: Record<string, string> = {
	generations: 'VIDEO_GENERATION',
	text2video: 'VIDEO_GENERATION',
	image2video: 'IMAGE_TO_VIDEO',
	'omni-video': 'OMNI_VIDEO',
	image_to_video: 'IMAGE_TO_VIDEO',
};
const WRAPPER_WORDS: Partial<Record<JobStatus, string>> = {
	in_progress: 'IN_PROGRESS',
	completed: 'SUCCESS',
	failed: 'FAILURE',
	error: 'FAILURE',
};
const TERMINAL: readonly JobStatus[] = ['completed', 'failed', 'error', 'unknown'];

/**
 * The poll answer in either shape (other-routes §8 item 4). 'plain': the provider's object (Kling
 * in `{code: 0, message, request_id, data}`); 'wrapped': CometAPI's task wrapper around it, whose
 * `fail_reason` carries the video URL on success (as the live Grok example did, §1.3).
 */
export function pollAnswer(
	job: Job,
	task: ProviderTask,
	snap: Snapshot,
	wrapped: boolean,
): unknown {
	const plain = plainObject(job, task, snap);
	if (!wrapped) {
		if (task.provider !== 'kling') return plain;
		// Individual queries answer "SUCCEED", the new omni-query page "success" (§2.2).
		const message = task.action === 'omni-video' ? 'success' : 'SUCCEED';
		return { code: 0, message, request_id: crypto.randomUUID(), data: plain };
	}
	const seconds = (ms: number) => Math.floor(ms / 1000);
	const finished = TERMINAL.includes(snap.status);
	const problem = failure(job, snap.status, '');
	const queuedWord = task.provider === 'runway' ? 'QUEUED' : 'SUBMITTED';
	const status = snap.status === 'queued' ? queuedWord : (WRAPPER_WORDS[snap.status] ?? 'UNKNOWN');
	return {
		code: 'success',
		message: '',
		data: {
			task_id: job.id,
			action: WRAPPER_ACTIONS[task.action],
			status,
			// The live Grok example carried the video URL here on success (§1.3).
			fail_reason: problem?.message ?? (task.provider === 'xai' ? snap.link : null) ?? '',
			submit_time: seconds(job.createdAt),
			start_time: snap.status === 'queued' ? 0 : seconds(job.startsAt),
			finish_time: finished ? seconds(snap.changedAt) : 0,
			progress: `${snap.progress}%`,
			data: plain,
		},
	};
}
