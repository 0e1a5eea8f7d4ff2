/**
 * The simulator's own table of the video families on CometAPI's shared `POST /v1/videos` route,
 * written from the fact sheets `shared/cometapi-video-families.md` (§ numbers below) and
 * `shared/cometapi-video-api.md`. It is independent of the node's model table on purpose: the
 * simulator exists to catch the node's mistakes, not to share them.
 *
 * Validation policy (what a create is answered with):
 * - A value outside what the fact sheet lists is refused with a 400 before any job is made. The
 *   code and wording are the family's documented ones where the sheet gives them (Seedance:
 *   `InvalidParameter`, the r2v message); otherwise code `invalid_request` and a message of ours
 *   naming the field and the allowed values.
 * - Where a family's pages disagree, the union of what they allow is accepted (Veo's three page
 *   generations, Sora's old and new seconds).
 * - Where the sheet is silent (a field a family does not document, reference images on a
 *   text-to-video family, a count limit that is not given), the request is accepted: the lenient
 *   choice, marked "silent" where it is made.
 */

export const FAMILY_NAMES = [
	'veo',
	'sora',
	'seedance',
	'wan',
	'vidu',
	'happyhorse',
	'omni',
	// An id of no known family: prompt and fields taken unchecked (aliases change over time).
	'other',
] as const;
export type FamilyName = (typeof FAMILY_NAMES)[number];

/** The scalar form fields a family documents. */
export type ScalarField = 'seconds' | 'size' | 'aspect_ratio' | 'resolution';

/** Allowed values: a list, or integers (sent as strings) in [min, max]; `max` absent = no bound. */
export type Allowed = readonly string[] | { min: number; max?: number };

export interface FieldRule {
	allowed: Allowed;
	/** What the job records (and an OpenAI-shaped answer shows) when the field is not sent. */
	default: string;
}

export interface ModelRules {
	family: FamilyName;
	fields: Partial<Record<ScalarField, FieldRule>>;
	/**
	 * `input_reference` parts: null = the family documents none (silent: accepted and ignored);
	 * otherwise how many (null = no limit given), whether a text URL is allowed, which image types.
	 */
	references: { max: number | null; urls: boolean; types: readonly string[] | null } | null;
	/** A documented refusal of any `input_reference` (Seedance 1.x): the 400's message. */
	refusesReferences?: string;
	/** Code of this family's documented validation errors (default `invalid_request`). */
	errorCode?: string;
	/** Whether `/v1/videos/{id}/content` serves the file ("proxied downloads"). */
	contentRoute: boolean;
	/** Where the completed job's temporary link points by default (the `linkHost` option overrides). */
	linkHost: 'api' | 'storage';
	/**
	 * 'openai': the Sora/Veo object (size, seconds, prompt, error: null while running, expires_at);
	 * 'task': the newer families' task object (task_id, completed_at, video_url, error on failure).
	 */
	shape: 'openai' | 'task';
	/** Veo answers carry `task_id` (kept for an older interface) beside the OpenAI fields. */
	taskIdAlias: boolean;
	idPrefix: 'task_' | 'video_';
	/** Omni documents no `error` status (§7): a job that errors reads `failed`. */
	hasErrorStatus: boolean;
	/** The id the answer's `model` carries (Veo answers show a resolved backend id). */
	answerModel: (alias: string) => string;
}

const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
const sameModel = (alias: string) => alias;
const range = (min: number, max?: number): Allowed => (max === undefined ? { min } : { min, max });

/** Fields the newer task-shaped families share. */
const TASK_FAMILY = {
	references: null, // silent (§2, §5, §6, §7 document text-to-video only): accepted and ignored
	contentRoute: true,
	linkHost: 'storage',
	shape: 'task',
	taskIdAlias: true,
	idPrefix: 'task_', // the sheet shows `task_` ids for Veo only; the simulator's choice elsewhere
	hasErrorStatus: true,
	answerModel: sameModel,
} as const;

// §4. Three page generations disagree; every value any of them allows is accepted. The defaults
// are the middle page's create answer (`seconds:"", size:"16x9"`, for a veo3.1 backend id).
const VEO: ModelRules = {
	family: 'veo',
	fields: {
		seconds: { allowed: ['4', '6', '8'], default: '' },
		size: {
			allowed: ['16x9', '9x16', '1280x720', '720x1280', '1920x1080', '3840x2160'],
			default: '16x9',
		},
	},
	// Middle page: two ordered files (first, last frame); oldest page: a public image URL too.
	references: { max: 2, urls: true, types: null },
	// Ambiguous (§4): served, as the simulator always did; `contentRoute: { veo: false }` refuses.
	contentRoute: true,
	linkHost: 'api',
	shape: 'openai',
	taskIdAlias: true,
	idPrefix: 'task_',
	hasErrorStatus: true,
	// 'veo3.1-fast' -> 'veo_3_1-fast', like the resolved ids the answers show ('veo_3_1-4K').
	answerModel: (alias) => alias.replace(/^veo(\d)/i, 'veo_$1').replace(/\./g, '_'),
};

// §3: seconds are the union of the new (4..20) and old (4, 8, 12) pages.
const SORA_BASE = {
	family: 'sora',
	references: { max: 1, urls: false, types: null },
	contentRoute: true,
	linkHost: 'api',
	shape: 'openai',
	taskIdAlias: false,
	idPrefix: 'video_',
	hasErrorStatus: true,
	answerModel: sameModel,
} as const;
const SORA_SECONDS: FieldRule = { allowed: ['4', '8', '12', '16', '20'], default: '4' };
const SORA_2: ModelRules = {
	...SORA_BASE,
	fields: {
		seconds: SORA_SECONDS,
		size: { allowed: ['720x1280', '1280x720'], default: '1280x720' },
	},
};
const SORA_2_PRO: ModelRules = {
	...SORA_BASE,
	fields: {
		seconds: SORA_SECONDS,
		size: { allowed: ['720x1280', '1280x720', '1024x1792', '1792x1024'], default: '1280x720' },
	},
};

// §1. Sizes: the ratio presets (new and old pages) or an exact WxH of the model's table.
const SEEDANCE_RATIOS = ['21:9', '16:9', '4:3', '1:1', '3:4', '9:16'];
// 1.5 Pro / 2.0 / 2.0 Fast. The page notes 2.0 Fast is not in the official 1080p table; it does
// not say such a size is refused (silent), so it is accepted.
const SEEDANCE_SIZES = [
	...['864x496', '752x560', '640x640', '560x752', '496x864', '992x432'],
	...['1280x720', '1112x834', '960x960', '834x1112', '720x1280', '1470x630'],
	...['1920x1080', '1664x1248', '1440x1440', '1248x1664', '1080x1920', '2206x946'],
];
const SEEDANCE_1_0_SIZES = [
	...['864x480', '736x544', '640x640', '544x736', '480x864', '960x416'],
	...['1248x704', '1120x832', '960x960', '832x1120', '704x1248', '1504x640'],
	...['1920x1088', '1664x1248', '1440x1440', '1248x1664', '1088x1920', '2176x928'],
];
function seedance(
	seconds: Allowed,
	sizes: string[],
	resolutions: string[],
	references: Pick<ModelRules, 'references' | 'refusesReferences'>,
): ModelRules {
	return {
		...TASK_FAMILY,
		family: 'seedance',
		fields: {
			seconds: { allowed: seconds, default: '5' },
			size: { allowed: [...SEEDANCE_RATIOS, ...sizes], default: '16:9' },
			// Old pages only; the new page does not show it.
			resolution: { allowed: resolutions, default: '720p' },
		},
		...references,
		errorCode: 'InvalidParameter',
		// "Seedance downloads use this URL directly instead of a separate /content route."
		contentRoute: false,
	};
}
// Seedance 2.0: JPEG/PNG/WebP files in upload order; no count limit is given (the page names
// three roles) and URLs are not seen either way: silent, so both are accepted.
const SEEDANCE_2_REFERENCES = { references: { max: null, urls: true, types: IMAGE_TYPES } };
const SEEDANCE_2 = seedance(range(4, 15), SEEDANCE_SIZES, ['480p', '720p'], SEEDANCE_2_REFERENCES);
const r2vRefusal = (model: string) => ({
	references: null,
	refusesReferences: `the specified task_type r2v does not support model ${model}`,
});

// HappyHorse and Wan 2.7 list the same five sizes; Wan 2.6 adds four; Vidu's are all 16:9.
const COMMON_SIZES = ['1280x720', '720x1280', '1920x1080', '1080x1920', '1440x1440'];
const WAN_2_6_SIZES = ['1088x832', '832x1088', '1632x1248', '1248x1632'];
const VIDU_SIZES = ['640x352', '960x528', '1280x720', '1920x1080'];
/** A task-shaped family of seconds and size, text-to-video only, default 5 s. */
function sized(family: FamilyName, seconds: Allowed, sizes: string[], size: string): ModelRules {
	return {
		...TASK_FAMILY,
		family,
		fields: {
			seconds: { allowed: seconds, default: '5' },
			size: { allowed: sizes, default: size },
		},
	};
}

export const MODEL_RULES: Readonly<Record<string, ModelRules>> = {
	'veo3.1-fast': VEO,
	'veo3.1': VEO,
	'veo3.1-pro': VEO,
	'veo3-fast': VEO,
	veo3: VEO,
	'veo3-pro': VEO,
	'sora-2': SORA_2,
	'sora-2-pro': SORA_2_PRO,
	'doubao-seedance-2-0': SEEDANCE_2,
	'doubao-seedance-2-0-fast': SEEDANCE_2,
	'doubao-seedance-1-5-pro': seedance(
		range(4, 12),
		SEEDANCE_SIZES,
		['480p', '720p', '1080p'],
		r2vRefusal('seedance-1-5-pro'),
	),
	'doubao-seedance-1-0-pro': seedance(
		range(2, 10),
		SEEDANCE_1_0_SIZES,
		['480p', '720p', '1080p'],
		r2vRefusal('seedance-1-0-pro'),
	),
	'happyhorse-1.0': sized('happyhorse', range(3, 15), COMMON_SIZES, '1920x1080'), // §2
	'wan2.6': sized('wan', ['5', '10', '15'], [...COMMON_SIZES, ...WAN_2_6_SIZES], '1920x1080'), // §5
	'wan2.7': sized('wan', range(2, 15), COMMON_SIZES, '1920x1080'), // §5
	viduq3: sized('vidu', range(1, 16), VIDU_SIZES, '1280x720'), // §6
	'viduq3-turbo': sized('vidu', range(1, 16), VIDU_SIZES, '1280x720'), // §6
	// §7: aspect_ratio + resolution, not size (a `size` sent anyway is silent: ignored).
	'omni-fast': {
		...TASK_FAMILY,
		family: 'omni',
		fields: {
			seconds: { allowed: range(1), default: '4' }, // "start with 4", no range given
			aspect_ratio: { allowed: ['16:9', '9:16', '1:1'], default: '16:9' },
			resolution: { allowed: ['720p', '1080p'], default: '720p' }, // 1080p "can be accepted"
		},
		hasErrorStatus: false,
	},
};

/** An id of no known family: nothing checked, `/content` works, the newer task object. */
const OTHER: ModelRules = { ...TASK_FAMILY, family: 'other', fields: {}, references: null };

/** The rules for a model id: its own, else its family's by prefix (aliases change), else 'other'. */
export function rulesFor(model: string): ModelRules {
	if (Object.hasOwn(MODEL_RULES, model)) return MODEL_RULES[model];
	const lower = model.toLowerCase();
	if (lower.startsWith('veo')) return VEO;
	if (lower.startsWith('sora-2-pro')) return SORA_2_PRO;
	if (lower.startsWith('sora')) return SORA_2;
	return OTHER;
}

export function isAllowed(value: string, allowed: Allowed): boolean {
	if (Array.isArray(allowed)) return allowed.includes(value);
	const { min, max } = allowed as { min: number; max?: number };
	if (!/^\d+$/.test(value)) return false;
	const number = Number(value);
	return number >= min && (max === undefined || number <= max);
}

export function describeAllowed(allowed: Allowed): string {
	if (Array.isArray(allowed)) return `one of ${allowed.join(', ')}`;
	const { min, max } = allowed as { min: number; max?: number };
	return max === undefined ? `an integer of at least ${min}` : `an integer from ${min} to ${max}`;
}
