/**
 * CometAPI's video routes: where a job is created and polled, how its request is written and
 * where its answer keeps the link. The shared `/v1/videos` route carries most families; xAI's
 * Grok Imagine, Kling and Runway have their own (fact sheet `cometapi-video-other-routes.md`,
 * sections 1–3 and 7). The family table (./families) names each family's route; the transport,
 * the form and Retrieve and Download read it here.
 */

/** The route's name as Create outputs it (`route`) and Retrieve and Download take it back. */
export type RouteKey =
	'videos' | 'grok' | 'kling-text2video' | 'kling-image2video' | 'kling-omni-video' | 'runway';

/**
 * How reference images are written into the request:
 * - `files`: multipart file parts `input_reference`, in order (or text parts holding a URL);
 * - `image-object`: `image: { url }`, a URL or a data URI (xAI);
 * - `image-and-tail`: `image` and `image_tail`, a URL or raw base64 without a `data:` prefix (Kling);
 * - `prompt-image`: `promptImage`, a URL or a data URI; two frames as `[{ uri, position }]` (Runway).
 */
export type ImageWriting = 'files' | 'image-object' | 'image-and-tail' | 'prompt-image';

export interface VideoRoute {
	key: RouteKey;
	/** How the Retrieve and Download forms name the route. */
	label: string;
	createPath: string;
	encoding: 'multipart' | 'json';
	/** Sent with the create (Runway's `X-Runway-Version` is required). */
	createHeaders?: Record<string, string>;
	/** The poll route of a job, before its id. */
	pollPath: string;
	/** The body's names of the model and the prompt. */
	modelField: string;
	promptField: string;
	/** Form fields whose API name differs on this route, and fields sent as JSON numbers. */
	apiFields?: Partial<Record<string, string>>;
	numberFields?: string[];
	images: ImageWriting;
	/** Where the route documents a callback, the body's field for its URL. */
	callbackField?: string;
	/** The route serves `/content` (CometAPI's proxied download); else only the job's link. */
	contentRoute: boolean;
	/** Where its answers keep the result link, in words (every place is read: helpers/job). */
	linkPlace: string;
	/** `progress` is a fraction (0–1), not a percentage. */
	progressIsFraction?: boolean;
}

const KLING_COMMON = {
	encoding: 'json',
	modelField: 'model_name',
	promptField: 'prompt',
	apiFields: { seconds: 'duration' },
	callbackField: 'callback_url',
	contentRoute: false,
	linkPlace: 'data.task_result.videos[0].url',
} as const;

function kling(action: 'text2video' | 'image2video' | 'omni-video', label: string): VideoRoute {
	return {
		key: `kling-${action}`,
		label,
		createPath: `/kling/v1/videos/${action}`,
		pollPath: `/kling/v1/videos/${action}/`,
		images: 'image-and-tail',
		...KLING_COMMON,
	};
}

export const ROUTES: Record<RouteKey, VideoRoute> = {
	videos: {
		key: 'videos',
		label: 'Shared Videos Route (/v1/videos)',
		createPath: '/v1/videos',
		encoding: 'multipart',
		pollPath: '/v1/videos/',
		modelField: 'model',
		promptField: 'prompt',
		images: 'files',
		contentRoute: true,
		linkPlace: 'video_url or metadata.url',
	},
	grok: {
		key: 'grok',
		label: 'xAI Grok Imagine (/grok/v1/videos)',
		createPath: '/grok/v1/videos/generations',
		encoding: 'json',
		pollPath: '/grok/v1/videos/',
		modelField: 'model',
		promptField: 'prompt',
		apiFields: { seconds: 'duration' },
		numberFields: ['seconds'],
		images: 'image-object',
		contentRoute: false,
		linkPlace: 'video.url',
	},
	'kling-text2video': kling('text2video', 'Kling Text to Video'),
	'kling-image2video': kling('image2video', 'Kling Image to Video'),
	'kling-omni-video': kling('omni-video', 'Kling Omni Video'),
	runway: {
		key: 'runway',
		label: 'Runway Image to Video (/runwayml/v1)',
		createPath: '/runwayml/v1/image_to_video',
		encoding: 'json',
		// The sheet's example; its page calls the header required.
		createHeaders: { 'X-Runway-Version': '2024-11-06' },
		pollPath: '/runwayml/v1/tasks/',
		modelField: 'model',
		promptField: 'promptText',
		apiFields: { seconds: 'duration', aspectRatio: 'ratio' },
		numberFields: ['seconds'],
		images: 'prompt-image',
		contentRoute: false,
		linkPlace: 'output[0]',
		progressIsFraction: true,
	},
};

export const ROUTE_KEYS = Object.keys(ROUTES) as RouteKey[];

export function isRouteKey(value: unknown): value is RouteKey {
	return typeof value === 'string' && Object.hasOwn(ROUTES, value);
}

/** The body's name of a form field on this route. */
export function apiFieldOn(route: VideoRoute, field: string, fallback: string): string {
	return route.apiFields?.[field] ?? fallback;
}
