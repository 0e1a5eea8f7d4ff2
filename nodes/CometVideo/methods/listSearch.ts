import type {
	ILoadOptionsFunctions,
	INodeListSearchItems,
	INodeListSearchResult,
} from 'n8n-workflow';

import { BUILT_IN_MODELS, describeModel, modelOrder } from '../helpers/families';
import { Pause } from '../helpers/pause';
import { CometApiClient } from '../transport';

const LIST_SETTINGS = {
	maxInFlight: 5,
	maxAttempts: 2,
	retryBaseDelayMs: 500,
	requestTimeoutMs: 15_000,
	maxDownloadBytes: 0,
};

function byTableOrder(a: string, b: string): number {
	const [x, y] = [modelOrder(a), modelOrder(b)];
	return x[0] - y[0] || x[1] - y[1] || x[2].localeCompare(y[2]);
}

/**
 * The video models among the ids CometAPI lists, named by family, in the table's order. An id
 * the redactor would change carries part of the key: it is dropped, never shown.
 */
export function videoModelItems(
	ids: string[],
	isClean: (id: string) => boolean,
): INodeListSearchItems[] {
	return [...new Set(ids)]
		.filter((id) => isClean(id) && describeModel(id) !== undefined)
		.sort(byTableOrder)
		.map((id) => ({ ...(describeModel(id) as { name: string; description: string }), value: id }));
}

/**
 * The Model list: the video models CometAPI lists for the credential's key, or, when that call
 * fails or lists none, the built-in current models with a note saying so. Running a workflow
 * never depends on this list.
 */
export async function searchModels(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	let results: INodeListSearchItems[];
	try {
		const api = await CometApiClient.connect(this, LIST_SETTINGS, new Pause(undefined));
		try {
			const ids = await api.listModels();
			results = videoModelItems(ids, (id) => api.redactor.text(id) === id);
		} finally {
			api.release();
		}
		if (results.length === 0) throw new Error('CometAPI listed no video model for this key');
	} catch (error) {
		const reason = (error as Error).message.split('\n')[0].slice(0, 200);
		results = BUILT_IN_MODELS.map((model) => ({
			name: `${model.name} (${model.id}, built-in)`,
			value: model.id,
			description: `Built-in: the list from CometAPI could not be loaded (${reason})`,
		}));
	}
	const needle = (filter ?? '').trim().toLowerCase();
	return {
		results: needle
			? results.filter((item) => `${item.name} ${item.value}`.toLowerCase().includes(needle))
			: results,
	};
}
