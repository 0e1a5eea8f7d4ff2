/**
 * The one table of CometAPI's video families: the route each takes (./routes: the shared
 * `POST /v1/videos`, or xAI's, Kling's and Runway's own), which fields each model takes, their
 * allowed values and defaults, its reference images and how its file is delivered. The Create
 * form, `prepare`, the Model list, the transport and the download route all read it; adding a
 * family is adding an entry here. Facts from CometAPI's model pages (the fact sheets
 * `cometapi-video-families.md` and `cometapi-video-other-routes.md`).
 */

import { shorten } from './redact';
import { ROUTES, type RouteKey, type VideoRoute } from './routes';

/** How a finished job's file is fetched first: the API's `/content` route, or the job's link. */
export type Delivery = 'content' | 'link';

/**
 * The fields a model may take besides model and prompt: the form's name and the API's (a route
 * may name it otherwise: ./routes `apiFields`). `unchecked`: offered as free text for an id of
 * no known rules, which goes to `/v1/videos`.
 */
export const FIELDS = {
	size: { label: 'Size', apiField: 'size', unchecked: true },
	seconds: { label: 'Duration (Seconds)', apiField: 'seconds', unchecked: true },
	aspectRatio: { label: 'Aspect Ratio', apiField: 'aspect_ratio', unchecked: true },
	resolution: { label: 'Resolution', apiField: 'resolution', unchecked: true },
	mode: { label: 'Mode', apiField: 'mode', unchecked: false },
	negativePrompt: { label: 'Negative Prompt', apiField: 'negative_prompt', unchecked: false },
} as const;

export type FieldName = keyof typeof FIELDS;
export const FIELD_NAMES = Object.keys(FIELDS) as FieldName[];

export interface Choice {
	name: string;
	value: string;
}

export interface FieldRule {
	/** The values the model takes, as the form offers them; an empty value means "not sent". */
	choices: Choice[];
	default: string;
	/** How the allowed values read in an error, when listing them all would not read well. */
	summary?: string;
	/** Any whole number of seconds (no range is documented): `choices` are only suggestions. */
	anyWholeNumber?: boolean;
	/** The form's description of the field for these models. */
	description?: string;
	/** Free text up to this many characters (Unicode code points): `choices` are empty. */
	maxLength?: number;
	/** Never left out: an empty value sends the default (where leaving it out costs more). */
	alwaysSent?: boolean;
}

/** The rules shared by one or more model ids of a family. */
export interface ModelRules {
	name: string;
	/** Regex source, anchored with `^`, no flags: n8n's display rules compile it as it is. */
	pattern: string;
	/** The ids CometAPI documents for these rules; `current` ones make the built-in list. */
	models: Array<{ id: string; name: string; current: boolean }>;
	fields: Partial<Record<FieldName, FieldRule>>;
	/** Why a field is absent, where the pages say (e.g. a fixed duration). */
	absentBecause?: Partial<Record<FieldName, string>>;
	/** Reference images, in order, as the route writes them; `min`: images it needs. */
	references: { max: number; min?: number; order: string };
	/** The prompt's limit in characters where the route documents one (else 32,000). */
	promptMax?: number;
	/** These models' own route, where it differs from the family's. */
	route?: RouteKey;
}

export interface Family {
	name: string;
	/** Where the fact sheet names it. */
	vendor?: string;
	/** Every id of the family, also ids the table has no rules for; anchored, no flags. */
	pattern: string;
	/** Where its jobs are created and polled; `imageRoute`: the route when images are sent. */
	route: RouteKey;
	imageRoute?: RouteKey;
	delivery: Delivery;
	/** Set when the provider has shut the models down: never a default, never built in. */
	retired?: string;
	rules: ModelRules[];
}

const NO_REFERENCES = { max: 0, order: '' };

function secondsChoices(values: number[]): Choice[] {
	return values.map((value) => ({ name: `${value} s`, value: String(value) }));
}

function secondsRange(min: number, max: number, defaultValue: number): FieldRule {
	const values = Array.from({ length: max - min + 1 }, (_, i) => min + i);
	return {
		choices: secondsChoices(values),
		default: String(defaultValue),
		summary: `whole seconds from ${min} to ${max}`,
	};
}

function secondsSet(values: number[], defaultValue: number): FieldRule {
	return { choices: secondsChoices(values), default: String(defaultValue) };
}

function sizes(entries: Array<[value: string, label: string]>, defaultValue: string): FieldRule {
	return {
		choices: entries.map(([value, label]) => ({ name: `${value} (${label})`, value })),
		default: defaultValue,
	};
}

/** Seedance's size presets and exact sizes, in the page's order of ratios. */
const SEEDANCE_RATIOS = ['16:9', '4:3', '1:1', '3:4', '9:16', '21:9'];

function seedanceSizes(table: Record<string, string[]>): FieldRule {
	const exact = Object.entries(table).flatMap(([resolution, list]) =>
		list.map((size, i): [string, string] => [size, `${resolution} ${SEEDANCE_RATIOS[i]}`]),
	);
	const presets = SEEDANCE_RATIOS.map((ratio): [string, string] => [ratio, 'ratio']);
	return {
		...sizes([...presets, ...exact], '16:9'),
		description:
			"A ratio (the model picks its size for it) or an exact size from the model's table",
	};
}

const SEEDANCE_SIZES = {
	'480p': ['864x496', '752x560', '640x640', '560x752', '496x864', '992x432'],
	'720p': ['1280x720', '1112x834', '960x960', '834x1112', '720x1280', '1470x630'],
	'1080p': ['1920x1080', '1664x1248', '1440x1440', '1248x1664', '1080x1920', '2206x946'],
};
const SEEDANCE_1_0_SIZES = {
	'480p': ['864x480', '736x544', '640x640', '544x736', '480x864', '960x416'],
	'720p': ['1248x704', '1120x832', '960x960', '832x1120', '704x1248', '1504x640'],
	'1080p': ['1920x1088', '1664x1248', '1440x1440', '1248x1664', '1088x1920', '2176x928'],
};
/**
 * Seedance's `resolution` (CometAPI's Seedance 2.0 notice of 2026-04-20 and its translated create
 * pages; the newest English page is silent): 480p and 720p, 1080p only on 1.5 Pro and 1.0 Pro.
 */
function seedanceResolution(values: string[]): FieldRule {
	return {
		choices: values.map((value) => ({ name: value, value })),
		default: '720p',
		description: "CometAPI's Seedance notice of 2026-04-20; the newest page does not list it",
	};
}
const SEEDANCE_2_RESOLUTION = seedanceResolution(['480p', '720p']);
const SEEDANCE_1_RESOLUTION = seedanceResolution(['480p', '720p', '1080p']);

const SEEDANCE_REFERENCES = {
	max: 3,
	order:
		'in upload order, cited in the prompt as [Image 1] (subject), [Image 2] (secondary), [Image 3] (background or style)',
};

const WAN_2_7_SIZES: Array<[string, string]> = [
	['1280x720', '720p landscape'],
	['720x1280', '720p portrait'],
	['1920x1080', '1080p landscape'],
	['1080x1920', '1080p portrait'],
	['1440x1440', 'square'],
];

function choicesOf(values: string[]): Choice[] {
	return values.map((value) => ({ name: value, value }));
}

const RATIOS_7 = ['16:9', '9:16', '1:1', '4:3', '3:4', '3:2', '2:3'];

const KLING_MODE: FieldRule = {
	choices: [
		{ name: 'Standard (Faster)', value: 'std' },
		{ name: 'Pro (Higher Quality)', value: 'pro' },
	],
	default: 'std',
};

/** Runway's ratios: the union of its pages (old enum, the 2024-11-06 default, older 16:9/9:16). */
const RUNWAY_RATIOS = [
	'1280:720',
	'720:1280',
	'1104:832',
	'832:1104',
	'960:960',
	'1584:672',
	'1280:768',
	'768:1280',
	'16:9',
	'9:16',
];

function runwayRules(
	name: string,
	pattern: string,
	models: ModelRules['models'],
	ratio: string,
): ModelRules {
	return {
		name,
		pattern,
		models,
		fields: {
			aspectRatio: {
				choices: choicesOf(RUNWAY_RATIOS),
				default: ratio,
				description: 'Sent as ratio; the pages list different sets, so every listed one is offered',
			},
			seconds: {
				...secondsSet([5, 10], 5),
				alwaysSent: true,
				description: 'Older page: 5 or 10; newer: depends on the model (retry with 5)',
			},
		},
		references: {
			max: 2,
			min: 1,
			order:
				"the start image (promptImage), and optionally the last frame (Runway's own first/last form, not on CometAPI's pages)",
		},
		promptMax: 512,
	};
}

export const FAMILIES: Family[] = [
	{
		name: 'Veo',
		vendor: 'Google',
		pattern: '^veo',
		// The newest Veo page says to download "from the completed task response": the route is
		// tried first and the link is the fallback.
		route: 'videos',
		delivery: 'content',
		rules: [
			{
				name: 'Veo 3.1',
				pattern: '^veo3\\.1(?:-fast)?$',
				models: [
					{ id: 'veo3.1-fast', name: 'Veo 3.1 Fast', current: true },
					{ id: 'veo3.1', name: 'Veo 3.1', current: true },
				],
				fields: {
					size: sizes(
						[
							['1280x720', '720p landscape'],
							['720x1280', '720p portrait'],
							['1920x1080', '1080p landscape'],
							['3840x2160', '4K landscape'],
							// The middle page's orientation hints: where pages disagree, both are taken.
							['16x9', 'orientation hint, older page'],
							['9x16', 'orientation hint, older page'],
						],
						'1280x720',
					),
					seconds: secondsSet([4, 6, 8], 4),
				},
				// The newest Veo page names only a first frame; the middle and oldest pages take two
				// ordered files (first, then last frame): the union is taken, never less.
				references: {
					max: 2,
					order:
						'the first frame, then the last frame (two ordered frames: the middle and oldest Veo pages; the newest names only the first)',
				},
			},
			{
				name: 'Veo (older aliases)',
				pattern: '^(?!veo3\\.1(?:-fast)?$)veo3(?:\\.1)?(?:-fast|-pro)?(?:-frames)?$',
				models: [
					{ id: 'veo3-fast', name: 'Veo 3 Fast', current: false },
					{ id: 'veo3', name: 'Veo 3', current: false },
					{ id: 'veo3-pro', name: 'Veo 3 Pro', current: false },
					{ id: 'veo3.1-pro', name: 'Veo 3.1 Pro', current: false },
				],
				fields: {
					size: {
						choices: [
							{ name: 'Model Default', value: '' },
							{ name: '16x9 (Landscape)', value: '16x9' },
							{ name: '9x16 (Portrait)', value: '9x16' },
						],
						default: '',
						description: 'An orientation hint; these older aliases make 8-second clips',
					},
				},
				absentBecause: { seconds: 'these older aliases are fixed at 8 s' },
				references: { max: 2, order: 'in order: the first frame, then the last frame' },
			},
		],
	},
	{
		name: 'Seedance',
		vendor: 'ByteDance',
		pattern: '^doubao-seedance-',
		// Its page: "downloads use this URL directly instead of a separate /content route".
		route: 'videos',
		delivery: 'link',
		rules: [
			{
				name: 'Seedance 2.0',
				pattern: '^doubao-seedance-2-0$',
				models: [{ id: 'doubao-seedance-2-0', name: 'Seedance 2.0', current: true }],
				fields: {
					size: seedanceSizes(SEEDANCE_SIZES),
					seconds: secondsRange(4, 15, 5),
					resolution: SEEDANCE_2_RESOLUTION,
				},
				references: SEEDANCE_REFERENCES,
			},
			{
				name: 'Seedance 2.0 Fast',
				pattern: '^doubao-seedance-2-0-fast$',
				models: [{ id: 'doubao-seedance-2-0-fast', name: 'Seedance 2.0 Fast', current: true }],
				// Not in the official 1080p table.
				fields: {
					size: seedanceSizes({ '480p': SEEDANCE_SIZES['480p'], '720p': SEEDANCE_SIZES['720p'] }),
					seconds: secondsRange(4, 15, 5),
					resolution: SEEDANCE_2_RESOLUTION,
				},
				references: SEEDANCE_REFERENCES,
			},
			{
				name: 'Seedance 1.5 Pro',
				pattern: '^doubao-seedance-1-5-pro$',
				models: [{ id: 'doubao-seedance-1-5-pro', name: 'Seedance 1.5 Pro', current: true }],
				fields: {
					size: seedanceSizes(SEEDANCE_SIZES),
					seconds: secondsRange(4, 12, 5),
					resolution: SEEDANCE_1_RESOLUTION,
				},
				references: NO_REFERENCES,
			},
			{
				name: 'Seedance 1.0 Pro',
				pattern: '^doubao-seedance-1-0-pro$',
				models: [{ id: 'doubao-seedance-1-0-pro', name: 'Seedance 1.0 Pro', current: true }],
				fields: {
					size: seedanceSizes(SEEDANCE_1_0_SIZES),
					seconds: secondsRange(2, 10, 5),
					resolution: SEEDANCE_1_RESOLUTION,
				},
				references: NO_REFERENCES,
			},
		],
	},
	{
		name: 'Wan',
		// Plain versions only, as the pages name them: an id with a suffix is not assumed to be video.
		pattern: '^wan\\d+(?:\\.\\d+)?$',
		route: 'videos',
		delivery: 'content',
		rules: [
			{
				name: 'Wan 2.7',
				pattern: '^wan2\\.7$',
				models: [{ id: 'wan2.7', name: 'Wan 2.7', current: true }],
				fields: { size: sizes(WAN_2_7_SIZES, '1920x1080'), seconds: secondsRange(2, 15, 5) },
				references: NO_REFERENCES,
			},
			{
				name: 'Wan 2.6',
				pattern: '^wan2\\.6$',
				models: [{ id: 'wan2.6', name: 'Wan 2.6', current: true }],
				fields: {
					size: sizes(
						[
							...WAN_2_7_SIZES,
							['1088x832', '4:3 landscape'],
							['832x1088', '3:4 portrait'],
							['1632x1248', '4:3 landscape, large'],
							['1248x1632', '3:4 portrait, large'],
						],
						'1920x1080',
					),
					seconds: secondsSet([5, 10, 15], 5),
				},
				references: NO_REFERENCES,
			},
		],
	},
	{
		name: 'Vidu',
		pattern: '^vidu',
		route: 'videos',
		delivery: 'content',
		rules: [
			{
				name: 'Vidu Q3',
				pattern: '^viduq3(?:-turbo)?$',
				models: [
					{ id: 'viduq3-turbo', name: 'Vidu Q3 Turbo', current: true },
					{ id: 'viduq3', name: 'Vidu Q3', current: true },
				],
				fields: {
					size: sizes(
						[
							['640x352', '360p'],
							['960x528', '540p'],
							['1280x720', '720p'],
							['1920x1080', '1080p'],
						],
						'1280x720',
					),
					seconds: secondsRange(1, 16, 5),
				},
				references: NO_REFERENCES,
			},
		],
	},
	{
		name: 'HappyHorse',
		pattern: '^happyhorse-',
		route: 'videos',
		delivery: 'content',
		rules: [
			{
				name: 'HappyHorse 1.0',
				pattern: '^happyhorse-1\\.0$',
				models: [{ id: 'happyhorse-1.0', name: 'HappyHorse 1.0', current: true }],
				fields: {
					size: sizes(WAN_2_7_SIZES, '1920x1080'),
					seconds: secondsRange(3, 15, 5),
				},
				references: NO_REFERENCES,
			},
		],
	},
	{
		name: 'Omni',
		pattern: '^omni-fast$',
		route: 'videos',
		delivery: 'content',
		rules: [
			{
				name: 'Omni Fast (beta)',
				pattern: '^omni-fast$',
				models: [{ id: 'omni-fast', name: 'Omni Fast (beta)', current: true }],
				fields: {
					seconds: {
						choices: secondsChoices([4, 6, 8, 10]),
						default: '4',
						anyWholeNumber: true,
						summary: 'a whole number of seconds',
						description: 'Starts at 4 s; the page gives no range',
					},
					aspectRatio: {
						choices: ['16:9', '9:16', '1:1'].map((value) => ({ name: value, value })),
						default: '16:9',
					},
					resolution: {
						choices: [
							{ name: '720p', value: '720p' },
							{ name: '1080p (Accepted; Frames Seen at 720p)', value: '1080p' },
						],
						default: '720p',
					},
				},
				absentBecause: { size: 'it takes Aspect Ratio and Resolution instead' },
				references: NO_REFERENCES,
			},
		],
	},
	{
		name: 'Grok Imagine',
		vendor: 'xAI',
		pattern: '^grok-imagine-video',
		route: 'grok',
		// A link on xAI's host; the route has no /content.
		delivery: 'link',
		rules: [
			{
				name: 'Grok Imagine Video',
				pattern: '^grok-imagine-video(?:-1\\.5)?$',
				models: [
					{ id: 'grok-imagine-video-1.5', name: 'Grok Imagine Video 1.5', current: true },
					{ id: 'grok-imagine-video', name: 'Grok Imagine Video', current: true },
				],
				fields: {
					seconds: {
						...secondsRange(1, 15, 5),
						// "If omitted, CometAPI treats the request as an 8-second generation for billing."
						alwaysSent: true,
						description: 'Always sent: CometAPI bills an omitted duration as 8 s',
					},
					resolution: {
						choices: choicesOf(['480p', '720p', '1080p']),
						default: '480p',
						description: '1080p is on the newest page only; 720p is billed at a higher tier',
					},
					aspectRatio: { choices: choicesOf(RATIOS_7), default: '16:9' },
				},
				absentBecause: { size: 'it takes Aspect Ratio and Resolution instead' },
				references: { max: 1, order: 'the source image (image to video)' },
			},
		],
	},
	{
		name: 'Kling',
		vendor: 'Kuaishou',
		// Kling's image models share the prefix: an id naming an image is not taken for video.
		pattern: '^kling-(?!.*image)',
		route: 'kling-text2video',
		imageRoute: 'kling-image2video',
		delivery: 'link',
		rules: [
			{
				name: 'Kling Omni',
				pattern: '^kling-video-o1$',
				models: [{ id: 'kling-video-o1', name: 'Kling Omni (O1)', current: true }],
				route: 'kling-omni-video',
				fields: {
					seconds: {
						...secondsRange(3, 10, 5),
						description:
							'3 to 10 s; its page allows only 5 or 10 for text to video and a first frame (other lengths are for editing)',
					},
					aspectRatio: { choices: choicesOf(['16:9', '9:16', '1:1']), default: '16:9' },
					mode: KLING_MODE,
				},
				// Its image_list's keys are not on CometAPI's pages: Additional Fields can send them.
				absentBecause: { size: 'it takes Aspect Ratio instead' },
				references: NO_REFERENCES,
				promptMax: 2500,
			},
			{
				name: 'Kling',
				pattern: '^kling-(?!video-o1$)',
				models: [
					{ id: 'kling-v2-6', name: 'Kling 2.6', current: true },
					{ id: 'kling-3.0-turbo', name: 'Kling 3.0 Turbo', current: true },
					{ id: 'kling-v2-master', name: 'Kling 2.0 Master', current: true },
					{ id: 'kling-v1-6', name: 'Kling 1.6', current: false },
				],
				fields: {
					seconds: secondsSet([5, 10], 5),
					aspectRatio: { choices: choicesOf(RATIOS_7), default: '16:9' },
					mode: KLING_MODE,
					negativePrompt: {
						choices: [],
						default: '',
						maxLength: 200,
						description: 'What to keep out of the video (CometAPI: up to 200 characters)',
					},
				},
				absentBecause: { size: 'it takes Aspect Ratio instead' },
				references: {
					max: 2,
					order:
						"the first frame (image), then the last frame (image_tail: Kling's own name for it, not shown on CometAPI's pages)",
				},
				promptMax: 500,
			},
		],
	},
	{
		name: 'Runway',
		vendor: 'Runway',
		pattern: '^gen\\d(?!.*image)',
		route: 'runway',
		delivery: 'link',
		rules: [
			runwayRules(
				'Runway Gen-3 Alpha Turbo',
				'^gen3a_turbo$',
				[{ id: 'gen3a_turbo', name: 'Runway Gen-3 Alpha Turbo', current: true }],
				'1280:768',
			),
			runwayRules(
				'Runway Gen-4',
				'^gen4',
				[
					{ id: 'gen4_turbo', name: 'Runway Gen-4 Turbo', current: true },
					{ id: 'gen4.5', name: 'Runway Gen-4.5', current: false },
				],
				'1280:720',
			),
		],
	},
	{
		name: 'Sora',
		vendor: 'OpenAI',
		pattern: '^sora-',
		route: 'videos',
		delivery: 'content',
		retired: 'OpenAI shut Sora 2 and its Videos API down on 2026-09-24',
		rules: [
			{
				name: 'Sora 2',
				pattern: '^sora-2$',
				models: [{ id: 'sora-2', name: 'Sora 2', current: false }],
				fields: {
					size: sizes(
						[
							['1280x720', 'landscape'],
							['720x1280', 'portrait'],
						],
						'1280x720',
					),
					seconds: secondsSet([4, 8, 12, 16, 20], 4),
				},
				references: { max: 1, order: 'one image, the first frame, matching the size' },
			},
			{
				name: 'Sora 2 Pro',
				pattern: '^sora-2-pro$',
				models: [{ id: 'sora-2-pro', name: 'Sora 2 Pro', current: false }],
				fields: {
					size: sizes(
						[
							['1792x1024', 'landscape, Pro'],
							['1024x1792', 'portrait, Pro'],
							['1280x720', 'landscape'],
							['720x1280', 'portrait'],
						],
						'1792x1024',
					),
					seconds: secondsSet([4, 8, 12, 16, 20], 4),
				},
				references: { max: 1, order: 'one image, the first frame, matching the size' },
			},
		],
	},
];

export const DEFAULT_MODEL = 'veo3.1-fast';

const compiled = new Map<string, RegExp>();
function matches(pattern: string, id: string): boolean {
	let regex = compiled.get(pattern);
	if (!regex) {
		regex = new RegExp(pattern);
		compiled.set(pattern, regex);
	}
	return regex.test(id);
}

export function familyOf(modelId: string): Family | undefined {
	return FAMILIES.find((family) => matches(family.pattern, modelId));
}

/** The rules for an id, or undefined when the node knows none (its fields go out unchecked). */
export function rulesOf(modelId: string): ModelRules | undefined {
	return familyOf(modelId)?.rules.find((rules) => matches(rules.pattern, modelId));
}

/** The route a finished job's file is fetched from first; the other one is the fallback. */
export function deliveryOf(modelId: string): Delivery {
	return familyOf(modelId)?.delivery ?? 'content';
}

/**
 * Where a model's job is created and polled: its rules' own route, else its family's (the image
 * route when images go with it), else the shared `/v1/videos` (an id of no known family).
 */
export function routeOf(modelId: string, imageCount: number): VideoRoute {
	const family = familyOf(modelId);
	const key =
		rulesOf(modelId)?.route ??
		(imageCount > 0 ? family?.imageRoute : undefined) ??
		family?.route ??
		'videos';
	return ROUTES[key];
}

/** The route of a rule set's models (with no images: the form's view of it). */
export function routeOfRules(rules: ModelRules): VideoRoute {
	const family = FAMILIES.find((candidate) => candidate.rules.includes(rules));
	return ROUTES[rules.route ?? family?.route ?? 'videos'];
}

/** Every rule set of the table, for the form's display rules. */
export const ALL_RULES: ModelRules[] = FAMILIES.flatMap((family) => family.rules);

/** The models the Model list offers when CometAPI's list cannot be had: current ones only. */
export const BUILT_IN_MODELS = FAMILIES.filter((family) => !family.retired).flatMap((family) =>
	family.rules.flatMap((rules) => rules.models.filter((model) => model.current)),
);

function listValues(rule: FieldRule): string {
	return (
		rule.summary ??
		rule.choices
			.map((choice) => choice.value)
			.filter((value) => value !== '')
			.join(', ')
	);
}

/** Ids of the same family whose rules take `value` for `field`, for a hint such as "needs …". */
function otherModelsTaking(modelId: string, field: FieldName, value: string): string[] {
	const family = familyOf(modelId);
	if (!family) return [];
	return family.rules
		.filter((rules) => !matches(rules.pattern, modelId))
		.filter((rules) => rules.fields[field]?.choices.some((choice) => choice.value === value))
		.flatMap((rules) => rules.models.map((model) => model.id));
}

/**
 * Why `value` does not suit the model's `field`, as a message naming the field and what it
 * takes, or undefined when it does (or the node knows no rules for the model).
 */
export function fieldProblem(modelId: string, field: FieldName, value: string): string | undefined {
	const rules = rulesOf(modelId);
	if (!rules || value === '') return undefined;
	const { label } = FIELDS[field];
	const rule = rules.fields[field];
	const shown = shorten(value, 60);
	if (!rule) {
		const taken = FIELD_NAMES.filter((name) => rules.fields[name]).map(
			(name) => FIELDS[name].label,
		);
		const why = rules.absentBecause?.[field];
		return `${label}: ${modelId} takes no ${label.toLowerCase()}${why ? ` (${why})` : ''}; its fields are ${taken.join(', ') || 'the prompt only'}`;
	}
	if (rule.maxLength !== undefined) {
		const characters = [...value].length;
		return characters > rule.maxLength
			? `${label}: ${characters} characters is over the ${rule.maxLength} ${modelId} takes`
			: undefined;
	}
	if (rule.anyWholeNumber) {
		return /^[1-9]\d{0,3}$/.test(value)
			? undefined
			: `${label}: "${shown}" is not a whole number of seconds`;
	}
	if (rule.choices.some((choice) => choice.value === value)) return undefined;
	const others = otherModelsTaking(modelId, field, value);
	const elsewhere = others.length > 0 ? `; ${shown} needs ${others.join(' or ')}` : '';
	return `${label}: "${shown}" is not one ${modelId} takes; it takes ${listValues(rule)}${elsewhere}`;
}

/**
 * Why `count` reference images do not suit the model, or undefined when they do. An id the
 * node has no rules for takes any number, unchecked.
 */
export function referenceProblem(modelId: string, count: number): string | undefined {
	const rules = rulesOf(modelId);
	if (rules && count < (rules.references.min ?? 0)) {
		return `Reference Images: ${modelId} needs an image (${rules.references.order})`;
	}
	if (!rules || count <= rules.references.max) return undefined;
	if (rules.references.max === 0) {
		const others = familyOf(modelId)
			?.rules.filter((other) => other.references.max > 0)
			.flatMap((other) => other.models.map((model) => model.id));
		return `Reference Images: ${modelId} takes no reference images${others?.length ? ` (${others.join(', ')} do)` : ''}`;
	}
	const { max, order } = rules.references;
	return `Reference Images: ${modelId} takes at most ${max} image${max > 1 ? 's' : ''} (${order}), but ${count} were given`;
}

/** The Model list's name and description of an id, or undefined for an id of no family. */
export function describeModel(modelId: string): { name: string; description: string } | undefined {
	const family = familyOf(modelId);
	if (!family) return undefined;
	const rules = rulesOf(modelId);
	const known = rules?.models.find((model) => model.id === modelId);
	const label = known?.name ?? rules?.name ?? family.name;
	const route = routeOf(modelId, 0);
	const notes = [
		family.vendor ? `${family.name} by ${family.vendor}` : family.name,
		route.key === 'videos' ? undefined : `on its own route ${route.createPath}`,
		family.delivery === 'link' ? 'delivered as a link' : undefined,
		rules ? undefined : 'no rules known for this ID: its fields are sent unchecked',
		family.retired ? `retired upstream: ${family.retired}` : undefined,
	].filter(Boolean);
	return {
		name: `${label} (${modelId}${family.retired ? ', retired upstream' : ''})`,
		description: notes.join('; '),
	};
}

/** The Model list's order: the table's family order, then its model order, then by id. */
export function modelOrder(modelId: string): [number, number, string] {
	const family = familyOf(modelId);
	const familyIndex = family ? FAMILIES.indexOf(family) : FAMILIES.length;
	const models = family?.rules.flatMap((rules) => rules.models.map((model) => model.id)) ?? [];
	const modelIndex = models.indexOf(modelId);
	return [familyIndex, modelIndex === -1 ? models.length : modelIndex, modelId];
}
