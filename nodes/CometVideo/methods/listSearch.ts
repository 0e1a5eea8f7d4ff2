import type {
	ILoadOptionsFunctions,
	INodeListSearchItems,
	INodeListSearchResult,
} from 'n8n-workflow';

import { isVideoModelId, KNOWN_MODELS, modelFamily } from '../helpers/models';
import { Pause } from '../helpers/pause';
import { CometApiClient } from '../transport';

const LIST_SETTINGS = {
	maxInFlight: 5,
	maxAttempts: 2,
	retryBaseDelayMs: 500,
	requestTimeoutMs: 15_000,
	maxDownloadBytes: 0,
};

function knownName(id: string): string | undefined {
	return KNOWN_MODELS.find((model) => model.value === id)?.name;
}

/**
 * The Model list: the video models CometAPI lists for the credential's key (Sora and Veo ids),
 * or, when that call fails or lists none, the built-in aliases with a note saying so. Running a
 * workflow never depends on this list.
 */
export async function searchModels(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	let results: INodeListSearchItems[];
	try {
		const api = await CometApiClient.connect(this, LIST_SETTINGS, new Pause(undefined));
		let ids: string[];
		try {
			ids = (await api.listModels()).filter(isVideoModelId);
		} finally {
			api.release();
		}
		if (ids.length === 0) throw new Error('CometAPI listed no Sora or Veo model for this key');
		results = [...new Set(ids)].sort().map((id) => ({
			name: knownName(id) ? `${knownName(id)} (${id})` : id,
			value: id,
			description: `${modelFamily(id) === 'sora' ? 'Sora' : 'Veo'} rules apply`,
		}));
	} catch (error) {
		const reason = (error as Error).message.split('\n')[0].slice(0, 200);
		results = KNOWN_MODELS.map((model) => ({
			name: `${model.name} (${model.value}, built-in)`,
			value: model.value,
			description: `Built-in alias: the list from CometAPI could not be loaded (${reason})`,
		}));
	}
	const needle = (filter ?? '').trim().toLowerCase();
	return {
		results: needle
			? results.filter((item) => `${item.name} ${item.value}`.toLowerCase().includes(needle))
			: results,
	};
}
