/**
 * Video jobs: create-request validation, per-job plans and the time-driven job lifecycle.
 */
import * as crypto from 'node:crypto';

import {
	describeAllowed,
	isAllowed,
	rulesFor,
	type FieldRule,
	type ModelRules,
	type ScalarField,
} from './families';
import type { SimulatorOptions } from './options';
import type { ProviderEndpoint, ProviderTask } from './providers';

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
	/** A create on a provider route (Grok, Kling, Runway); absent on `/v1/videos`. */
	endpoint?: ProviderEndpoint;
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
	rules: ModelRules;
	/** The family's scalar fields as sent, or their defaults. */
	values: Partial<Record<ScalarField, string>>;
}

/** A refused create: always a 400, with the family's code (or `invalid_request`) and message. */
export interface CreateRefusal {
	error: string;
	code: string;
}

const OUTCOMES = new Set<string>(['completed', 'failed', 'error', 'unknown', 'never']);
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

export function randomId(prefix: ModelRules['idPrefix']): string {
	// Veo ids look like `task_pa9C…` (base62), Sora ids like `video_69b2…` (hex), as in the doc.
	if (prefix === 'task_') {
		const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
		const bytes = crypto.randomBytes(28);
		return prefix + Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
	}
	return prefix + crypto.randomBytes(24).toString('hex');
}

export function validatePrompt(prompt: unknown): string | null {
	if (typeof prompt !== 'string' || prompt.length === 0) return 'prompt is required';
	if (Array.from(prompt).length > MAX_PROMPT_CHARS) {
		return `prompt must be at most ${MAX_PROMPT_CHARS} characters`;
	}
	return null;
}

/**
 * Validates a parsed multipart create against its model's rules (families.ts). `fields` maps text
 * field names to a string (an array when repeated); `references` lists the `input_reference`
 * parts in order. Returns a refusal or the create with its family's values filled in.
 */
export function validateCreate(
	fields: FormFields,
	references: Reference[],
): CreateRefusal | ValidCreate {
	const single: Record<string, string | undefined> = {};
	for (const name of ['prompt', 'model', 'seconds', 'size', 'aspect_ratio', 'resolution']) {
		const value = fields[name];
		if (Array.isArray(value)) return refusal(`${name} was sent more than once`);
		single[name] = value;
	}
	const { prompt } = single;
	const promptError = validatePrompt(prompt);
	if (promptError || prompt === undefined) return refusal(promptError ?? 'prompt is required');
	// Every family page marks model required; the API sheet names veo3-fast the documented
	// default, which the simulator keeps (lenient).
	const model = single.model || 'veo3-fast';
	const rules = rulesFor(model);
	const code = rules.errorCode ?? 'invalid_request';
	const values: Partial<Record<ScalarField, string>> = {};
	for (const [name, rule] of Object.entries(rules.fields) as [ScalarField, FieldRule][]) {
		const value = single[name];
		if (value !== undefined && !isAllowed(value, rule.allowed)) {
			return refusal(invalidValue(rules, model, name, value, rule), code);
		}
		values[name] = value ?? rule.default;
	}
	const referenceError = checkReferences(rules, references);
	if (referenceError !== null) return refusal(referenceError, rules.refusesReferences ? '' : code);
	return { model, prompt, rules, values };
}

function refusal(error: string, code = 'invalid_request'): CreateRefusal {
	return { error, code };
}

function invalidValue(
	rules: ModelRules,
	model: string,
	name: ScalarField,
	value: string,
	rule: FieldRule,
): string {
	const expected = `${name} must be ${describeAllowed(rule.allowed)} for ${model}`;
	if (rules.family !== 'seedance') return expected;
	// Seedance's documented refusal: code InvalidParameter, "a message about duration".
	const subject = name === 'seconds' ? `duration ${value} is out of range` : `${value} is invalid`;
	return `The parameter \`${name}\` specified in the request is not valid: ${subject} (${expected})`;
}

function checkReferences(rules: ModelRules, references: Reference[]): string | null {
	if (references.length === 0) return null;
	// Seedance 1.x documents this exact refusal (its code is not given: left empty).
	if (rules.refusesReferences) return rules.refusesReferences;
	const policy = rules.references;
	if (policy === null) return null; // silent: the family documents no reference input
	if (policy.max !== null && references.length > policy.max) {
		return `at most ${policy.max} input_reference image(s) are allowed for this model`;
	}
	for (const ref of references) {
		if (ref.type === 'text') {
			if (!policy.urls) return 'input_reference must be an image file';
			if (!/^https?:\/\/\S+$/i.test(ref.value))
				return 'input_reference text must be an http(s) image URL';
			continue;
		}
		const allowedType = policy.types
			? policy.types.includes(ref.mimeType)
			: ref.mimeType.startsWith('image/');
		if (!allowedType) {
			const expected = policy.types ? policy.types.join(', ') : 'an image';
			return `input_reference must be ${expected}, got ${ref.mimeType || 'no content type'}`;
		}
	}
	return null;
}

/**
 * The plan a job follows, decided once at create time: defaults from the simulator options, then
 * prompt markers, then whatever the configured `plan(create)` function returns.
 */
export function resolvePlan(
	options: Pick<SimulatorOptions, 'jobDurationMs' | 'videoBytes' | 'plan'>,
	create: CreateRequest,
): Plan {
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
	/** The alias the client sent. */
	model: string;
	rules: ModelRules;
	prompt: string;
	/** The family's scalar fields (seconds, size, aspect_ratio, resolution), sent or defaulted. */
	values: Partial<Record<ScalarField, string>>;
	plan: Plan;
	/** ms since the epoch */
	createdAt: number;
	remixedFromVideoId?: string;
	/** A provider route's job (providers.ts); absent for `/v1/videos` jobs. */
	task?: ProviderTask;
}

export class Job {
	readonly id: string;
	readonly model: string;
	readonly rules: ModelRules;
	/** The id the gateway answers with (Veo's differ from the alias). */
	readonly backendModel: string;
	readonly prompt: string;
	readonly values: Partial<Record<ScalarField, string>>;
	readonly plan: Plan;
	/** ms since the epoch; tests move it back to age a job without waiting. */
	createdAt: number;
	readonly remixedFromVideoId: string | null;
	/** A provider route's job: its route and details; null for a `/v1/videos` job. */
	readonly task: ProviderTask | null;

	constructor(init: JobInit) {
		this.id = init.id;
		this.model = init.model;
		this.rules = init.rules;
		this.backendModel = init.rules.answerModel(init.model);
		this.prompt = init.prompt;
		this.values = init.values;
		this.plan = init.plan;
		this.createdAt = init.createdAt;
		this.remixedFromVideoId = init.remixedFromVideoId ?? null;
		this.task = init.task ?? null;
	}

	/** When the job leaves 'queued' for 'in_progress' (ms since the epoch). */
	get startsAt(): number {
		return this.createdAt + this.plan.durationMs * QUEUED_SHARE;
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

	state(now = Date.now()): { status: JobStatus; progress: number } {
		const { durationMs, outcome } = this.plan;
		const elapsed = now - this.createdAt;
		if (this.endsAt !== null && now >= this.endsAt) {
			// Finished tasks read 100% on the gateway even when they failed; a status it could not
			// map ('unknown') carries no progress.
			return { status: outcome, progress: outcome === 'unknown' ? 0 : 100 };
		}
		if (now < this.startsAt) return { status: 'queued', progress: 0 };
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

/**
 * How status words are spelled in answers. 'current': the lowercase words of the new pages.
 * The presets are the spellings the API sheet lists: 'legacy' = old Seedance (and other old)
 * pages; 'runway', 'kling', 'xai' = those routes' words, for a client that must compare without
 * case and know synonyms. A map spells any status as the test wants (e.g. DONE, CANCELLED).
 */
export type StatusWords =
	'current' | 'legacy' | 'runway' | 'kling' | 'xai' | Partial<Record<JobStatus, string>>;

const STATUS_PRESETS: Readonly<Record<string, Partial<Record<JobStatus, string>>>> = {
	current: {},
	legacy: {
		queued: 'SUBMITTED',
		in_progress: 'IN_PROGRESS',
		completed: 'SUCCESS',
		failed: 'FAILED',
		error: 'ERROR',
	},
	// Runway and Kling have no separate error status: an errored job reads as failed.
	runway: {
		queued: 'PENDING',
		in_progress: 'RUNNING',
		completed: 'SUCCEEDED',
		failed: 'FAILED',
		error: 'FAILED',
	},
	kling: {
		queued: 'submitted',
		in_progress: 'processing',
		completed: 'succeed',
		failed: 'failed',
		error: 'failed',
	},
	// xAI's other terminal failure, 'expired', stands for the error outcome.
	xai: { queued: 'queued', in_progress: 'processing', completed: 'done', error: 'expired' },
};

export function isStatusWords(value: unknown): value is StatusWords {
	if (typeof value === 'string') return Object.hasOwn(STATUS_PRESETS, value);
	return (
		!!value &&
		typeof value === 'object' &&
		!Array.isArray(value) &&
		Object.values(value).every((word) => typeof word === 'string' && word !== '')
	);
}

/** A status as the answer spells it. */
export function spellStatus(status: JobStatus, words: StatusWords): string {
	const map = typeof words === 'string' ? STATUS_PRESETS[words] : words;
	return map[status] ?? status;
}
