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
	unknown: ['acme-video-1'],
} as const;

export type Family = keyof typeof FAMILIES;

export function familyOf(model: string): Family {
	for (const [family, models] of Object.entries(FAMILIES)) {
		if ((models as readonly string[]).includes(model)) return family as Family;
	}
	return 'unknown';
}

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

const statusesArb = fc
	.tuple(
		fc.array(fc.constantFrom(...STATUS_PENDING), { maxLength: 3 }),
		fc.oneof(
			{ weight: 3, arbitrary: fc.constantFrom(...STATUS_DONE) },
			{ weight: 2, arbitrary: fc.constantFrom(...STATUS_FAILED) },
			{ weight: 1, arbitrary: fc.constantFrom(...STATUS_PENDING) },
		),
	)
	.map(([pending, last]) => [...pending, last]);

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

function fileServeArb(): fc.Arbitrary<FileServe> {
	const clean: FileServe = {
		body: 'mp4',
		type: 'video/mp4',
		status: 200,
		length: 'right',
		encoding: 'none',
		redirect: 'none',
		drip: 'none',
	};
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
	return fc.oneof({ weight: 2, arbitrary: fc.constant(clean) }, { weight: 3, arbitrary: odd });
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
	return fc.record<World>({
		model: fc.constantFrom(...models),
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
			idField: fc.constantFrom('id', 'task_id'),
			statuses: statusesArb,
			error: fc.constantFrom<ErrorShape>(
				'absent',
				'absent',
				'null',
				'empty-object',
				'empty-strings',
				'full',
			),
			errorItems: fc.constantFrom('all', 'first'),
			link: fc.constantFrom('none', 'video_url', 'video_url', 'metadata.url'),
			linkHost: fc.constantFrom('api', 'link', 'link'),
			linkKey: fc.constantFrom('none', 'none', 'none', 'query', 'query-base64'),
			modelEcho: fc.oneof(
				{ weight: 6, arbitrary: fc.constant<'none'>('none') },
				{ weight: 1, arbitrary: fc.constantFrom(...KEY_FORMS) },
			),
		}),
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
	const clean: FileServe = {
		body: 'mp4',
		type: 'video/mp4',
		status: 200,
		length: 'right',
		encoding: 'none',
		redirect: 'none',
		drip: 'none',
	};
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
		content: { ...clean, route: 'file' },
		link: clean,
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
	return [
		`family:${familyOf(world.model)}`,
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
