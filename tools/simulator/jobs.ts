/**
 * Video jobs: create-request validation, per-job plans and the time-driven job lifecycle.
 */
import * as crypto from 'node:crypto';

/** How a job ends: 'never' jobs stay in progress for good. */
export type Outcome = 'completed' | 'failed' | 'error' | 'unknown' | 'never';
export type JobStatus = Outcome | 'queued' | 'in_progress';

/** What a job does, decided once at create time. */
export interface Plan {
	durationMs: number;
	outcome: Outcome;
	/** Whether a failed/error/unknown job's answer carries an `error` object. */
	errorObject: boolean;
	errorCode: string | undefined;
	errorMessage: string | undefined;
	/** Undefined: the real MP4 fixture. */
	videoBytes: number | undefined;
}

/** A create (or remix) as the `plan` option sees it. */
export interface CreateRequest {
	id: string;
	model: string;
	prompt: string;
	fields: Record<string, unknown>;
	files: UploadedFile[];
	remixedFromVideoId?: string;
}

/** A file part of a multipart create, as recorded (its bytes are hashed, not kept). */
export interface UploadedFile {
	fieldName: string;
	fileName: string;
	mimeType: string;
	size: number;
	sha256: string;
}

/** An `input_reference` part: an uploaded file or a text value (an image URL). */
export type Reference = { type: 'file'; mimeType: string } | { type: 'text'; value: string };

/** Text fields of a multipart create: a string, or an array when the field was repeated. */
export type FormFields = Record<string, string | string[]>;

export interface ValidCreate {
	model: string;
	prompt: string;
	size: string;
	seconds: string;
}

/** The options resolvePlan reads. */
export interface PlanDefaults {
	jobDurationMs: number;
	videoBytes: number | undefined;
	plan?: (create: CreateRequest) => Partial<Plan> | undefined;
}

const OUTCOMES = new Set<string>(['completed', 'failed', 'error', 'unknown', 'never']);
const SORA_SIZES = new Set(['720x1280', '1280x720', '1024x1792', '1792x1024']);
const SORA_PRO_ONLY_SIZES = new Set(['1024x1792', '1792x1024']);
const SORA_SECONDS = new Set(['4', '8', '12', '16', '20']);
const MAX_PROMPT_CHARS = 32000;
// Share of the job's duration spent in 'queued' before it turns 'in_progress'.
const QUEUED_SHARE = 0.1;

const DEFAULT_ERRORS: Partial<Record<Outcome, { code: string; message: string }>> = {
	failed: {
		code: 'moderation_blocked',
		message: "The prompt was blocked by the provider's safety system.",
	},
	error: { code: 'generation_failed', message: 'The provider failed to generate the video.' },
	unknown: {
		code: 'unknown_status',
		message: 'The provider returned a status the gateway does not know.',
	},
};

// Prompt markers let processes that cannot pass a plan function (the e2e suite drives a real n8n
// process) still pick an outcome. The first marker found in the prompt wins.
const PROMPT_MARKERS: [string, Partial<Plan>][] = [
	['[fail-noerror]', { outcome: 'failed', errorObject: false }],
	['[fail]', { outcome: 'failed', errorObject: true }],
	['[error]', { outcome: 'error', errorObject: true }],
	['[unknown]', { outcome: 'unknown', errorObject: false }],
	['[never]', { outcome: 'never' }],
];

export function isSora(model: string): boolean {
	return model.toLowerCase().startsWith('sora');
}

export function randomId(prefix: 'task_' | 'video_'): string {
	// Veo ids look like `task_pa9C…` (base62), Sora ids like `video_69b2…` (hex), as in the doc.
	if (prefix === 'task_') {
		const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
		const bytes = crypto.randomBytes(28);
		return prefix + Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
	}
	return prefix + crypto.randomBytes(24).toString('hex');
}

/** The backend id Veo responses carry instead of the alias, e.g. 'veo3.1-fast' -> 'veo_3_1-fast'. */
export function backendModelName(model: string): string {
	if (isSora(model)) return model;
	return model.replace(/^veo(\d)/i, 'veo_$1').replace(/\./g, '_');
}

export function validatePrompt(prompt: unknown): string | null {
	if (typeof prompt !== 'string' || prompt.length === 0) return 'prompt is required';
	if (Array.from(prompt).length > MAX_PROMPT_CHARS) {
		return `prompt must be at most ${MAX_PROMPT_CHARS} characters`;
	}
	return null;
}

/**
 * Validates a parsed multipart create. `fields` maps text field names to a string (or an array
 * when repeated); `references` lists the `input_reference` parts in order, each
 * `{ type: 'file', mimeType }` or `{ type: 'text', value }`.
 * Returns `{ error }` or `{ model, prompt, size, seconds }`.
 */
export function validateCreate(
	fields: FormFields,
	references: Reference[],
): { error: string } | ValidCreate {
	const single: Record<string, string | undefined> = {};
	for (const name of ['prompt', 'model', 'size', 'seconds']) {
		const value = fields[name];
		if (Array.isArray(value)) return { error: `${name} was sent more than once` };
		single[name] = value;
	}
	const { prompt } = single;
	const promptError = validatePrompt(prompt);
	if (promptError || prompt === undefined) return { error: promptError ?? 'prompt is required' };
	const model = single.model || 'veo3-fast';
	let { size, seconds } = single;

	if (isSora(model)) {
		if (size !== undefined) {
			if (!SORA_SIZES.has(size)) {
				return { error: `size must be one of ${[...SORA_SIZES].join(', ')} for ${model}` };
			}
			if (SORA_PRO_ONLY_SIZES.has(size) && !model.toLowerCase().startsWith('sora-2-pro')) {
				return { error: `size ${size} is only available on sora-2-pro` };
			}
		}
		if (seconds !== undefined && !SORA_SECONDS.has(seconds)) {
			return { error: `seconds must be one of ${[...SORA_SECONDS].join(', ')}` };
		}
		if (references.length > 1)
			return { error: 'at most one input_reference is allowed for Sora models' };
		if (references.some((ref) => ref.type !== 'file' || !ref.mimeType.startsWith('image/'))) {
			return { error: 'input_reference must be an image file' };
		}
		size ??= '720x1280';
		seconds ??= '4';
	} else {
		if (references.length > 2)
			return { error: 'at most two input_reference images are allowed (first and last frame)' };
		for (const ref of references) {
			if (ref.type === 'file' && !ref.mimeType.startsWith('image/')) {
				return {
					error: `input_reference must be an image, got ${ref.mimeType || 'no content type'}`,
				};
			}
			if (ref.type === 'text' && !/^https?:\/\/\S+$/i.test(ref.value)) {
				return { error: 'input_reference text must be an http(s) image URL' };
			}
		}
		size ??= '16x9';
		seconds ??= '';
	}
	return { model, prompt, size, seconds };
}

/**
 * The plan a job follows, decided once at create time: defaults from the simulator options, then
 * prompt markers, then whatever the configured `plan(create)` function returns.
 */
export function resolvePlan(options: PlanDefaults, create: CreateRequest): Plan {
	const plan: Plan = {
		durationMs: options.jobDurationMs,
		outcome: 'completed',
		errorObject: true,
		errorCode: undefined,
		errorMessage: undefined,
		videoBytes: options.videoBytes,
	};
	const marker = PROMPT_MARKERS.find(([text]) => create.prompt.includes(text));
	if (marker) Object.assign(plan, marker[1]);
	const custom = options.plan ? options.plan(create) : undefined;
	for (const [key, value] of Object.entries(custom ?? {})) {
		if (value !== undefined) Object.assign(plan, { [key]: value });
	}
	if (!OUTCOMES.has(plan.outcome)) throw new Error(`Unknown plan outcome: ${plan.outcome}`);
	return plan;
}

export interface JobInit {
	id: string;
	kind: 'sora' | 'veo';
	/** The alias the client sent. */
	model: string;
	/** The id the gateway answers with (Veo's differ from the alias). */
	backendModel: string;
	prompt: string;
	size: string;
	seconds: string;
	plan: Plan;
	/** ms since the epoch */
	createdAt: number;
	remixedFromVideoId?: string;
}

export class Job {
	readonly id: string;
	readonly kind: 'sora' | 'veo';
	readonly model: string;
	readonly backendModel: string;
	readonly prompt: string;
	readonly size: string;
	readonly seconds: string;
	readonly plan: Plan;
	/** ms since the epoch; tests move it back to age a job without waiting. */
	createdAt: number;
	readonly remixedFromVideoId: string | null;

	constructor(init: JobInit) {
		this.id = init.id;
		this.kind = init.kind;
		this.model = init.model;
		this.backendModel = init.backendModel;
		this.prompt = init.prompt;
		this.size = init.size;
		this.seconds = init.seconds;
		this.plan = init.plan;
		this.createdAt = init.createdAt;
		this.remixedFromVideoId = init.remixedFromVideoId ?? null;
	}

	/** Planned end (ms) of the job; null for jobs that never finish. */
	get endsAt(): number | null {
		return this.plan.outcome === 'never' ? null : this.createdAt + this.plan.durationMs;
	}

	/** When the job reached its terminal state; null while it is still running. */
	get finishedAt(): number | null {
		const endsAt = this.endsAt;
		return endsAt !== null && Date.now() >= endsAt ? endsAt : null;
	}

	get status(): JobStatus {
		return this.state().status;
	}

	get progress(): number {
		return this.state().progress;
	}

	state(now = Date.now()): { status: JobStatus; progress: number } {
		const { durationMs, outcome } = this.plan;
		const elapsed = now - this.createdAt;
		if (this.endsAt !== null && now >= this.endsAt) {
			// Finished tasks read 100% on the gateway even when they failed; a status it could not
			// map ('unknown') carries no progress.
			return { status: outcome, progress: outcome === 'unknown' ? 0 : 100 };
		}
		if (elapsed < durationMs * QUEUED_SHARE) return { status: 'queued', progress: 0 };
		return {
			status: 'in_progress',
			progress: Math.min(99, Math.floor((elapsed / durationMs) * 100)),
		};
	}

	/** `{ code, message }` for failed/error/unknown jobs whose plan includes an error object. */
	errorObject(): { code: string; message: string } | null {
		const defaults = DEFAULT_ERRORS[this.plan.outcome];
		if (!defaults || !this.plan.errorObject) return null;
		return {
			code: this.plan.errorCode ?? defaults.code,
			message: this.plan.errorMessage ?? defaults.message,
		};
	}
}

/** The most jobs running at the same moment, from their [createdAt, endsAt) intervals. */
export function maxOverlap(jobs: Iterable<Pick<Job, 'createdAt' | 'endsAt'>>): number {
	const events: [number, number][] = [];
	for (const job of jobs) {
		events.push([job.createdAt, 1]);
		if (job.endsAt !== null) events.push([job.endsAt, -1]);
	}
	// At equal times, ends sort before starts: a job ending when another starts does not overlap.
	events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
	let running = 0;
	let max = 0;
	for (const [, delta] of events) {
		running += delta;
		max = Math.max(max, running);
	}
	return max;
}
