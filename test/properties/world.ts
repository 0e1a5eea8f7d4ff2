/**
 * A world: one Create workflow's settings, what the API and the link host answer (shapes, files,
 * faults on every call), and what else runs on the same key at the same time. Plain data, so a
 * shrunk world prints as JSON and replays from its seed and path.
 */
import fc from 'fast-check';

import { KEY_FORMS, type KeyForm } from '../support/key-scan';

/** The key every world's credential holds: no word in it, so a piece of it is never an accident. */
export const WORLD_KEY = 'sk-Pz4qW8rT-7c1e9a3b5d2f80e4a6c9b1d7e3f5a2c8';

export const FAMILIES = {
	veo: ['veo3.1-fast', 'veo3.1', 'veo3-fast'],
	seedance: ['doubao-seedance-2-0', 'doubao-seedance-1-5-pro'],
	wan: ['wan2.7', 'wan2.6'],
	vidu: ['viduq3-turbo'],
	happyhorse: ['happyhorse-1.0'],
	omni: ['omni-fast'],
	sora: ['sora-2'],
	grok: ['grok-imagine-video-1.5', 'grok-imagine-video'],
	kling: ['kling-v2-6', 'kling-v2-master', 'kling-3.0-turbo'],
	klingOmni: ['kling-video-o1'],
	runway: ['gen4_turbo', 'gen3a_turbo'],
	unknown: ['acme-video-1'],
} as const;

export type Family = keyof typeof FAMILIES;

export function familyOf(model: string): Family {
	for (const [family, models] of Object.entries(FAMILIES)) {
		if ((models as readonly string[]).includes(model)) return family as Family;
	}
	return 'unknown';
}

/**
 * CometAPI's routes, as the fact sheet (`cometapi-video-other-routes.md` §1–3, §7) names them:
 * where a job is created and where it is polled (the poll path, then the job's id). The
 * harness's own table, not the node's: a create or poll elsewhere breaks `routing`.
 */
export const API_ROUTES = {
	videos: { create: '/v1/videos', poll: '/v1/videos/' },
	grok: { create: '/grok/v1/videos/generations', poll: '/grok/v1/videos/' },
	'kling-text2video': {
		create: '/kling/v1/videos/text2video',
		poll: '/kling/v1/videos/text2video/',
	},
	'kling-image2video': {
		create: '/kling/v1/videos/image2video',
		poll: '/kling/v1/videos/image2video/',
	},
	'kling-omni-video': {
		create: '/kling/v1/videos/omni-video',
		poll: '/kling/v1/videos/omni-video/',
	},
	runway: { create: '/runwayml/v1/image_to_video', poll: '/runwayml/v1/tasks/' },
} as const;

export type ApiRoute = keyof typeof API_ROUTES;

/** The route a world's jobs must be created on: its family's, Kling's by images (or Omni). */
export function routeOf(world: Pick<World, 'model' | 'imageUrls'>): ApiRoute {
	switch (familyOf(world.model)) {
		case 'grok':
			return 'grok';
		case 'kling':
			return world.imageUrls > 0 ? 'kling-image2video' : 'kling-text2video';
		case 'klingOmni':
			return 'kling-omni-video';
		case 'runway':
			return 'runway';
		default:
			return 'videos';
	}
}

/** The vocabularies of status words: the shared route's, and each own route's (any case). */
export type Vocabulary = 'videos' | 'grok' | 'kling' | 'runway';

export function vocabularyOf(route: ApiRoute): Vocabulary {
	if (route === 'grok' || route === 'runway' || route === 'videos') return route;
	return 'kling';
}

/** Grok's pending answer that is only `{ request_id }` (no status at all). */
export const ID_ONLY = '(id only)';

/** A failure injected into one call instead of its answer. */
export type Fault =
	| 'ok'
	| '429'
	| '500'
	| '503'
	| '400'
	| 'reset'
	| 'hang-headers'
	| 'hang-body'
	| 'endless-error'
	| 'echo-401';

export type CallKind = 'create' | 'poll' | 'content' | 'link';

export type OnError = 'stop' | 'continueRegularOutput' | 'continueErrorOutput';

export type ErrorShape = 'absent' | 'null' | 'empty-object' | 'empty-strings' | 'full';

export interface FileServe {
	/** What the body is: the world's MP4, an HTML page, nothing, a JSON object. */
	body: 'mp4' | 'html' | 'empty' | 'json';
	/** The Content-Type header ('none': no header). */
	type: 'video/mp4' | 'application/octet-stream' | 'none' | 'text/html' | 'application/json';
	status: 200 | 404 | 403;
	/** Content-Length as sent: right, shorter or longer than the body, or absent. */
	length: 'right' | 'short' | 'long' | 'absent';
	encoding: 'none' | 'gzip' | 'zstd';
	/** A redirect first: to the link host, to plain http (another port), with the key in its query. */
	redirect: 'none' | 'link-host' | 'http' | 'key-query';
	/** Slow answers: headers late (ms), or the body in slow chunks. */
	drip: 'none' | 'headers' | 'body';
}

export interface World {
	model: string;
	items: number;
	node: {
		retryOnFail: boolean;
		maxTries: number;
		onError: OnError;
		wait: boolean;
		download: boolean;
		downloadFrom: 'automatic' | 'content' | 'link';
		maxInFlight: number;
		maxAttempts: number;
		requestTimeoutS: number;
		timeoutMinutes: number;
	};
	job: {
		idField: 'id' | 'task_id';
		/** The status the create answers with, then each poll's; the last repeats. */
		statuses: string[];
		/** The `error` field of the job; `errorItems`: 'all', or only item 0. */
		error: ErrorShape;
		errorItems: 'all' | 'first';
		link: 'none' | 'video_url' | 'metadata.url';
		linkHost: 'api' | 'link';
		/** The key inside the job's link (its query). */
		linkKey: 'none' | 'query' | 'query-base64';
		/** The key echoed (in some form) in the job's model field. */
		modelEcho: 'none' | KeyForm;
	};
	/** Reference Images From URLs (public https images): 0 is text to video. Kling, Grok, Runway. */
	imageUrls: number;
	/** How the own routes (Grok, Kling, Runway) answer; unused on `/v1/videos`. */
	own: OwnAnswers;
	/** What the API's /content route does, and what the link host serves. */
	content: FileServe & { route: 'file' | '400' | '404' | 'json' };
	link: FileServe;
	/** The link host over https (its redirect to plain http is then a downgrade). */
	linkTls: boolean;
	/** The world's MP4 size in bytes. */
	fileBytes: number;
	/** Per call kind, the nth call of each item meets faults[n] (then 'ok'). */
	faults: Record<CallKind, Fault[]>;
	/** Which items meet the faults: all, only the first, only the last, the odd ones. */
	faultItems: 'all' | 'first' | 'last' | 'odd';
	/** How an echo-401 writes the key (or the Authorization header) in its body. */
	echoForm: KeyForm;
	/** Alone, with a twin execution on the same key, or with failing executions beside it. */
	company: 'alone' | 'twin' | 'noise';
	noiseRuns: number;
}

export interface OwnAnswers {
	/** Each poll's answer: the provider's object, CometAPI's wrapper, or in turns (plain first). */
	shape: 'plain' | 'wrapped' | 'alternate';
	/** The wrapper's status words (QUEUED, IN_PROGRESS, SUCCESS, FAILURE) in upper or lower case. */
	wrapperCase: 'upper' | 'lower';
	/** Where a finished job's link is (when `job.link` is not 'none'): the route's own place, or only the wrapper's `fail_reason` (as in the sheet's live Grok example). */
	link: 'route' | 'fail-reason';
	/** Kling's `message` word. */
	klingMessage: 'success' | 'SUCCEED' | 'Success';
	/** Runway: the first polls of a fresh task answer `task_not_exist` (HTTP 400 or 404). */
	notYet: number;
	notYetStatus: 400 | 404;
	/** Its body: CometAPI's envelope `{ error: { code, message } }`, or the flat `{ code, message }`. */
	notYetBody: 'envelope' | 'flat';
	/** A failed job's reason in the route's field (and the wrapper's `fail_reason`): none, a sentence, or the key echoed (`echoForm`). */
	reason: 'none' | 'given' | 'echo';
	/** Reason fields on answers of jobs that have not failed (Kling's `task_status_msg`, the wrapper's `fail_reason` as text): no failure. */
	chatter: boolean;
}

const PLAIN_OWN: OwnAnswers = {
	shape: 'plain',
	wrapperCase: 'upper',
	link: 'route',
	klingMessage: 'success',
	notYet: 0,
	notYetStatus: 400,
	notYetBody: 'envelope',
	reason: 'none',
	chatter: false,
};

const STATUS_PENDING = [
	'queued',
	'QUEUED',
	'submitted',
	'SUBMITTED',
	'pending',
	'in_progress',
	'IN_PROGRESS',
	'processing',
	'running',
	'Running',
	'not_start',
	'',
];
export const STATUS_DONE = [
	'completed',
	'COMPLETED',
	'succeeded',
	'success',
	'SUCCESS',
	'done',
	'Done',
];
export const STATUS_FAILED = [
	'failed',
	'FAILED',
	'FAIL',
	'failure',
	'error',
	'expired',
	'cancelled',
	'canceled',
	'CANCELED_BY_USER',
	'unknown',
	'timeout',
	'rejected',
];

/**
 * Each route's status words (the sheet's, in several cases): Grok's pending answer may be only
 * its id (`ID_ONLY`); Kling's `succeed`; Runway's upper-case words.
 */
export const VOCABULARIES: Record<
	Vocabulary,
	{ pending: string[]; done: string[]; failed: string[] }
> = {
	videos: { pending: STATUS_PENDING, done: STATUS_DONE, failed: STATUS_FAILED },
	grok: {
		pending: [ID_ONLY, ID_ONLY, 'queued', 'QUEUED', 'processing', 'Processing'],
		done: ['done', 'DONE', 'Done'],
		failed: ['failed', 'FAILED', 'expired', 'Expired'],
	},
	kling: {
		pending: ['submitted', 'SUBMITTED', 'processing', 'Processing'],
		done: ['succeed', 'SUCCEED', 'Succeed'],
		failed: ['failed', 'FAILED', 'Failed'],
	},
	runway: {
		pending: ['PENDING', 'pending', 'RUNNING', 'Running'],
		done: ['SUCCEEDED', 'succeeded', 'Succeeded'],
		failed: ['FAILED', 'failed'],
	},
};

/** What a status word of a route means, by the harness's own tables. */
export function outcomeOfWord(route: ApiRoute, word: string): 'pending' | 'done' | 'failed' {
	const vocabulary = VOCABULARIES[vocabularyOf(route)];
	if (vocabulary.done.includes(word)) return 'done';
	if (vocabulary.failed.includes(word)) return 'failed';
	return 'pending';
}

/** How the world's job ends (its last status). */
export function lastOutcome(world: World): 'pending' | 'done' | 'failed' {
	return outcomeOfWord(routeOf(world), world.job.statuses.at(-1) ?? '');
}

function statusesArb(vocabulary: Vocabulary): fc.Arbitrary<string[]> {
	const { pending, done, failed } = VOCABULARIES[vocabulary];
	return fc
		.tuple(
			fc.array(fc.constantFrom(...pending), { maxLength: 3 }),
			fc.oneof(
				{ weight: 3, arbitrary: fc.constantFrom(...done) },
				{ weight: 2, arbitrary: fc.constantFrom(...failed) },
				{ weight: 1, arbitrary: fc.constantFrom(...pending) },
			),
		)
		.map(([before, last]) => [...before, last]);
}

/** How many image URLs a model's route takes (0: text only): Kling 0–2, Grok 0–1, Runway 1–2. */
function imageUrlsArb(model: string): fc.Arbitrary<number> {
	switch (familyOf(model)) {
		case 'kling':
			return fc.constantFrom(0, 0, 1, 2);
		case 'grok':
			return fc.constantFrom(0, 0, 1);
		case 'runway':
			return fc.constantFrom(1, 1, 2);
		default:
			return fc.constant(0);
	}
}

function ownArb(model: string): fc.Arbitrary<OwnAnswers> {
	const family = familyOf(model);
	if (!['grok', 'kling', 'klingOmni', 'runway'].includes(family)) return fc.constant(PLAIN_OWN);
	return fc.record<OwnAnswers>({
		shape: fc.constantFrom('plain', 'wrapped', 'alternate'),
		wrapperCase: fc.constantFrom('upper', 'upper', 'lower'),
		link: fc.constantFrom('route', 'route', 'route', 'fail-reason'),
		klingMessage: fc.constantFrom('success', 'SUCCEED', 'Success'),
		notYet: family === 'runway' ? fc.constantFrom(0, 1, 1, 2) : fc.constant(0),
		notYetStatus: fc.constantFrom(400, 404),
		notYetBody: fc.constantFrom('envelope', 'flat'),
		reason: fc.constantFrom('none', 'given', 'given', 'echo'),
		chatter: fc.boolean(),
	});
}

const faultArb = fc.oneof(
	{ weight: 12, arbitrary: fc.constant<Fault>('ok') },
	{
		weight: 4,
		arbitrary: fc.constantFrom<Fault>('429', '500', '503', '400', 'reset'),
	},
	{
		weight: 2,
		arbitrary: fc.constantFrom<Fault>('hang-headers', 'hang-body', 'endless-error', 'echo-401'),
	},
);

const scheduleArb = fc.oneof(
	{ weight: 3, arbitrary: fc.constant<Fault[]>([]) },
	{ weight: 2, arbitrary: fc.array(faultArb, { maxLength: 3 }) },
);

/** A file served as it should be: the start of every world's files, and of the odd ones' draw. */
const CLEAN_FILE: FileServe = {
	body: 'mp4',
	type: 'video/mp4',
	status: 200,
	length: 'right',
	encoding: 'none',
	redirect: 'none',
	drip: 'none',
};

function fileServeArb(): fc.Arbitrary<FileServe> {
	const odd = fc.record<FileServe>({
		body: fc.constantFrom('mp4', 'mp4', 'mp4', 'html', 'empty', 'json'),
		type: fc.constantFrom(
			'video/mp4',
			'video/mp4',
			'application/octet-stream',
			'none',
			'text/html',
			'application/json',
		),
		status: fc.constantFrom<FileServe['status']>(200, 200, 200, 200, 404, 403),
		length: fc.constantFrom<FileServe['length']>('right', 'right', 'short', 'long', 'absent'),
		encoding: fc.constantFrom<FileServe['encoding']>('none', 'none', 'none', 'gzip', 'zstd'),
		redirect: fc.constantFrom<FileServe['redirect']>(
			'none',
			'none',
			'none',
			'link-host',
			'http',
			'key-query',
		),
		drip: fc.constantFrom<FileServe['drip']>('none', 'none', 'none', 'headers', 'body'),
	});
	return fc.oneof({ weight: 2, arbitrary: fc.constant(CLEAN_FILE) }, { weight: 3, arbitrary: odd });
}

export interface WorldLimits {
	maxItems: number;
}

/** The generator of worlds; `maxItems` widens the batch (most worlds stay small either way). */
export function worldArb({ maxItems }: WorldLimits = { maxItems: 50 }): fc.Arbitrary<World> {
	const models = Object.values(FAMILIES).flat();
	const items = fc.oneof(
		{ weight: 8, arbitrary: fc.integer({ min: 1, max: Math.min(3, maxItems) }) },
		{ weight: 1, arbitrary: fc.integer({ min: 1, max: maxItems }) },
	);
	return fc.constantFrom(...models).chain((model) => worldFor(model, items));
}

function worldFor(model: string, items: fc.Arbitrary<number>): fc.Arbitrary<World> {
	const route = routeOf({ model, imageUrls: 0 });
	const shared = route === 'videos';
	// Fields a route has no place for are fixed: Kling's and Runway's polls carry no model, only
	// the shared route has `task_id` beside `id`, and only it and Grok an `error` object.
	const hasError = shared || route === 'grok';
	return fc.record<World>({
		model: fc.constant(model),
		items,
		node: fc.record({
			retryOnFail: fc.boolean(),
			maxTries: fc.integer({ min: 1, max: 5 }),
			onError: fc.constantFrom<OnError>('stop', 'continueRegularOutput', 'continueErrorOutput'),
			wait: fc.oneof(
				{ weight: 4, arbitrary: fc.constant(true) },
				{ weight: 1, arbitrary: fc.constant(false) },
			),
			download: fc.oneof(
				{ weight: 3, arbitrary: fc.constant(true) },
				{ weight: 1, arbitrary: fc.constant(false) },
			),
			downloadFrom: fc.constantFrom('automatic', 'automatic', 'content', 'link'),
			maxInFlight: fc.integer({ min: 1, max: 6 }),
			maxAttempts: fc.integer({ min: 1, max: 3 }),
			requestTimeoutS: fc.constant(1),
			timeoutMinutes: fc.constantFrom(0.03, 0.05),
		}),
		job: fc.record({
			idField: shared ? fc.constantFrom('id', 'task_id') : fc.constant('id'),
			statuses: statusesArb(vocabularyOf(route)),
			error: hasError
				? fc.constantFrom<ErrorShape>(
						'absent',
						'absent',
						'null',
						'empty-object',
						'empty-strings',
						'full',
					)
				: fc.constant<ErrorShape>('absent'),
			errorItems: fc.constantFrom('all', 'first'),
			link: fc.constantFrom('none', 'video_url', 'video_url', 'metadata.url'),
			linkHost: fc.constantFrom('api', 'link', 'link'),
			linkKey: fc.constantFrom('none', 'none', 'none', 'query', 'query-base64'),
			modelEcho: hasError
				? fc.oneof(
						{ weight: 6, arbitrary: fc.constant<'none'>('none') },
						{ weight: 1, arbitrary: fc.constantFrom(...KEY_FORMS) },
					)
				: fc.constant<'none'>('none'),
		}),
		imageUrls: imageUrlsArb(model),
		own: ownArb(model),
		content: fc
			.tuple(
				fc.constantFrom<'file' | '400' | '404' | 'json'>(
					'file',
					'file',
					'file',
					'400',
					'404',
					'json',
				),
				fileServeArb(),
			)
			.map(([route, serve]) => ({ ...serve, route })),
		link: fileServeArb(),
		linkTls: fc.boolean(),
		fileBytes: fc.constantFrom(0, 1, 2, 3).map((n) => [48, 1000, 70_000, 200_000][n]),
		faults: fc.record<Record<CallKind, Fault[]>>({
			create: scheduleArb,
			poll: scheduleArb,
			content: scheduleArb,
			link: scheduleArb,
		}),
		faultItems: fc.constantFrom('all', 'all', 'first', 'last', 'odd'),
		echoForm: fc.constantFrom(...KEY_FORMS),
		company: fc.constantFrom('alone', 'alone', 'alone', 'twin', 'noise'),
		noiseRuns: fc.integer({ min: 1, max: 3 }),
	});
}

/** A plain world (all clean) to start examples from. */
export function baseWorld(overrides: Partial<World> = {}): World {
	return {
		model: 'veo3.1-fast',
		items: 1,
		node: {
			retryOnFail: false,
			maxTries: 3,
			onError: 'stop',
			wait: true,
			download: true,
			downloadFrom: 'automatic',
			maxInFlight: 5,
			maxAttempts: 1,
			requestTimeoutS: 1,
			timeoutMinutes: 0.05,
		},
		job: {
			idField: 'id',
			statuses: ['queued', 'completed'],
			error: 'absent',
			errorItems: 'all',
			link: 'none',
			linkHost: 'link',
			linkKey: 'none',
			modelEcho: 'none',
		},
		imageUrls: 0,
		own: PLAIN_OWN,
		content: { ...CLEAN_FILE, route: 'file' },
		link: CLEAN_FILE,
		linkTls: false,
		fileBytes: 1000,
		faults: { create: [], poll: [], content: [], link: [] },
		faultItems: 'all',
		echoForm: 'raw',
		company: 'alone',
		noiseRuns: 1,
		...overrides,
	};
}

/** One-line labels of a world's settings, for the long run's figures. */
export function settingLabels(world: World): string[] {
	const n = world.node;
	const faults = Object.entries(world.faults)
		.filter(([, list]) => list.some((fault) => fault !== 'ok'))
		.map(([kind]) => `faults:${kind}`);
	const route = routeOf(world);
	const own =
		route === 'videos'
			? []
			: [
					`route:${route}`,
					`own.shape:${world.own.shape}`,
					`own.link:${world.job.link === 'none' ? 'none' : world.own.link}`,
					...(world.own.notYet > 0 ? [`own.notYet:${world.own.notYet}`] : []),
				];
	return [
		`family:${familyOf(world.model)}`,
		...own,
		`retryOnFail:${n.retryOnFail ? `on(max ${n.maxTries})` : 'off'}`,
		`onError:${n.onError}`,
		`wait:${n.wait ? 'on' : 'off'}`,
		`download:${n.wait && n.download ? n.downloadFrom : 'off'}`,
		`maxInFlight:${n.maxInFlight}`,
		`items:${world.items <= 3 ? world.items : world.items <= 10 ? '4-10' : '11-50'}`,
		`company:${world.company}`,
		`job.error:${world.job.error}`,
		...faults,
	];
}
