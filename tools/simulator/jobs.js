'use strict';
/**
 * Video jobs: create-request validation, per-job plans and the time-driven job lifecycle.
 */
const crypto = require('node:crypto');

const OUTCOMES = new Set(['completed', 'failed', 'error', 'unknown', 'never']);
const SORA_SIZES = new Set(['720x1280', '1280x720', '1024x1792', '1792x1024']);
const SORA_PRO_ONLY_SIZES = new Set(['1024x1792', '1792x1024']);
const SORA_SECONDS = new Set(['4', '8', '12', '16', '20']);
const MAX_PROMPT_CHARS = 32000;
// Share of the job's duration spent in 'queued' before it turns 'in_progress'.
const QUEUED_SHARE = 0.1;

const DEFAULT_ERRORS = {
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
const PROMPT_MARKERS = [
	['[fail-noerror]', { outcome: 'failed', errorObject: false }],
	['[fail]', { outcome: 'failed', errorObject: true }],
	['[error]', { outcome: 'error', errorObject: true }],
	['[unknown]', { outcome: 'unknown', errorObject: false }],
	['[never]', { outcome: 'never' }],
];

function isSora(model) {
	return model.toLowerCase().startsWith('sora');
}

function randomId(prefix) {
	// Veo ids look like `task_pa9C…` (base62), Sora ids like `video_69b2…` (hex), as in the doc.
	if (prefix === 'task_') {
		const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
		const bytes = crypto.randomBytes(28);
		return prefix + Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
	}
	return prefix + crypto.randomBytes(24).toString('hex');
}

/** The backend id Veo responses carry instead of the alias, e.g. 'veo3.1-fast' -> 'veo_3_1-fast'. */
function backendModelName(model) {
	if (isSora(model)) return model;
	return model.replace(/^veo(\d)/i, 'veo_$1').replace(/\./g, '_');
}

function validatePrompt(prompt) {
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
function validateCreate(fields, references) {
	for (const name of ['prompt', 'model', 'size', 'seconds']) {
		if (Array.isArray(fields[name])) return { error: `${name} was sent more than once` };
	}
	const { prompt } = fields;
	const promptError = validatePrompt(prompt);
	if (promptError) return { error: promptError };
	const model = fields.model || 'veo3-fast';
	let { size, seconds } = fields;

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
function resolvePlan(options, create) {
	const plan = {
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
	for (const [key, value] of Object.entries(custom || {})) {
		if (value !== undefined) plan[key] = value;
	}
	if (!OUTCOMES.has(plan.outcome)) throw new Error(`Unknown plan outcome: ${plan.outcome}`);
	return plan;
}

class Job {
	/**
	 * @param {object} init id, kind ('sora' | 'veo'), model (alias sent), backendModel, prompt,
	 *   size, seconds, plan, createdAt (ms), remixedFromVideoId (optional)
	 */
	constructor(init) {
		Object.assign(this, init);
		this.remixedFromVideoId ??= null;
	}

	/** Planned end (ms) of the job; null for jobs that never finish. */
	get endsAt() {
		return this.plan.outcome === 'never' ? null : this.createdAt + this.plan.durationMs;
	}

	/** When the job reached its terminal state; null while it is still running. */
	get finishedAt() {
		const endsAt = this.endsAt;
		return endsAt !== null && Date.now() >= endsAt ? endsAt : null;
	}

	get status() {
		return this.state().status;
	}

	get progress() {
		return this.state().progress;
	}

	state(now = Date.now()) {
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
	errorObject() {
		const defaults = DEFAULT_ERRORS[this.plan.outcome];
		if (!defaults || !this.plan.errorObject) return null;
		return {
			code: this.plan.errorCode ?? defaults.code,
			message: this.plan.errorMessage ?? defaults.message,
		};
	}
}

/** The most jobs running at the same moment, from their [createdAt, endsAt) intervals. */
function maxOverlap(jobs) {
	const events = [];
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

module.exports = {
	Job,
	OUTCOMES,
	backendModelName,
	isSora,
	maxOverlap,
	randomId,
	resolvePlan,
	validateCreate,
	validatePrompt,
};
