/**
 * The simulator's model catalogue: what `GET /v1/models` (with a key, OpenAI's list shape) and the
 * public `GET /api/models` (no key) answer. A realistic mix as a CometAPI key sees it: chat and
 * image models beside every video family's ids, and video models of other routes (xAI, Kling,
 * Runway) that the shared `/v1/videos` route does not carry. Facts: `shared/cometapi-video-api.md`
 * ("Models") and `shared/cometapi-video-families.md` ("Model listing").
 */
import { MODEL_RULES } from './families';
import { PROVIDER_MODELS } from './providers';

/** One record of the public `/api/models` answer, field for field. */
export interface ModelRecord {
	id: string;
	provider: string;
	/**
	 * `text` and `image` are the values seen on CometAPI's pages. The video value is NOT shown on
	 * any page read: `video` is the simulator's guess, unconfirmed.
	 */
	model_type: 'text' | 'image' | 'video';
	/** `text-to-text`, `text-to-image` are seen; the video features are guesses, unconfirmed. */
	features: string[];
	pricing: {
		currency: string;
		input: number | null;
		output: number | null;
		per_request: number | null;
		per_second: number | null;
	};
	api_doc_url: string;
}

const DOCS = 'https://apidoc.cometapi.com';

/** A catalogue record with the pricing and doc link filled in plausibly (prices are made up). */
export function modelRecord(
	id: string,
	modelType: ModelRecord['model_type'],
	provider: string,
	docPath = '/api/chat',
): ModelRecord {
	const features = {
		text: ['text-to-text'],
		image: ['text-to-image'],
		video: ['text-to-video'],
	}[modelType];
	const perToken = modelType === 'text';
	return {
		id,
		provider,
		model_type: modelType,
		features,
		pricing: {
			currency: 'USD',
			input: perToken ? 1.25 : null,
			output: perToken ? 10 : null,
			per_request: modelType === 'image' ? 0.04 : null,
			per_second: modelType === 'video' ? 0.1 : null,
		},
		api_doc_url: `${DOCS}${docPath}`,
	};
}

// Provider names and doc paths of the video families, from the family pages' URLs.
const VIDEO_FAMILY_SOURCES: Record<string, [string, string]> = {
	veo: ['google', '/api/video/veo3'],
	sora: ['openai', '/api/video/sora-2/create'],
	seedance: ['bytedance', '/api/video/seedance/create'],
	wan: ['alibaba', '/api/video/wan/create'],
	vidu: ['vidu', '/api/video/vidu/create'],
	happyhorse: ['happyhorse', '/api/video/happyhorse/create'],
	omni: ['omni', '/api/video/omni/create'],
};

export const CATALOGUE: readonly ModelRecord[] = Object.freeze([
	modelRecord('gpt-5', 'text', 'openai'),
	modelRecord('gpt-4o-mini', 'text', 'openai'),
	modelRecord('claude-sonnet-4-5', 'text', 'anthropic'),
	modelRecord('gemini-2.5-pro', 'text', 'google'),
	modelRecord('deepseek-v3.2', 'text', 'deepseek'),
	modelRecord('text-embedding-3-small', 'text', 'openai'),
	modelRecord('gpt-image-1', 'image', 'openai', '/api/image'),
	modelRecord('dall-e-3', 'image', 'openai', '/api/image'),
	// An image model whose id starts like Seedance's: a catalogue matcher must not take it.
	modelRecord('doubao-seedream-4-0', 'image', 'bytedance', '/api/image'),
	...Object.entries(MODEL_RULES).map(([id, rules]) => {
		const [provider, docPath] = VIDEO_FAMILY_SOURCES[rules.family];
		return modelRecord(id, 'video', provider, docPath);
	}),
	// Video models of routes of their own (not the shared /v1/videos): Grok, Kling, Runway.
	...Object.entries(PROVIDER_MODELS).flatMap(([provider, { ids, docPath }]) =>
		ids.map((id) => modelRecord(id, 'video', provider, docPath)),
	),
]);

/** `GET /v1/models`: OpenAI's list shape (unverified for CometAPI; see the API sheet). */
export function openAiList(records: readonly ModelRecord[]): unknown {
	return {
		object: 'list',
		data: records.map(({ id, provider }) => ({
			id,
			object: 'model',
			created: 1735689600,
			owned_by: provider,
		})),
	};
}

/**
 * `GET /api/models`: `page` 0 means unpaginated (everything); from 1, `page_size` records a page
 * (default 50, the simulator's choice: the page size is not documented).
 */
export function publicList(
	records: readonly ModelRecord[],
	query: Record<string, string>,
): unknown {
	const page = Math.max(0, Math.floor(Number(query.page) || 0));
	const pageSize = Math.max(1, Math.floor(Number(query.page_size) || 50));
	const data = page === 0 ? records : records.slice((page - 1) * pageSize, page * pageSize);
	return {
		success: true,
		page,
		page_size: page === 0 ? records.length : pageSize,
		total: records.length,
		data,
	};
}
