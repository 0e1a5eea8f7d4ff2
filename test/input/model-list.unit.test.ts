/**
 * The Model list: the video ids among what `GET /v1/models` lists, named by family and in the
 * table's order; an id carrying the key dropped; the built-in current models when the list
 * cannot be had, filtered by the search text.
 */
import type { ILoadOptionsFunctions } from 'n8n-workflow';

import { Redactor } from '../../dist/nodes/CometVideo/helpers/redact';
import { searchModels, videoModelItems } from '../../dist/nodes/CometVideo/methods/listSearch';

const KEY = 'sk-unit-test-key-0123456789';

test('video ids only, each once, named by family, in the table order; none carrying the key', () => {
	const redactor = new Redactor(KEY);
	const catalogue = [
		'gpt-4o',
		'sora-2',
		'dall-e-3',
		'wan2.5-t2i-preview',
		'wan2.7',
		'doubao-seedance-2-0',
		'doubao-seedream-4-0',
		'veo3.1-fast',
		'veo3.1-fast',
		'omni-moderation-latest',
		`veo3-${KEY}`,
		'veo-3.1-generate-preview',
		'viduq3-turbo',
		'gen4_turbo',
		'gen4_image',
		'kling-v2-6',
		'kling-image-o1',
		'grok-imagine-video-1.5',
		'grok-imagine-image',
		'kling-video-o1',
	];
	const items = videoModelItems(catalogue, (id) => redactor.text(id) === id);
	expect(items.map((item) => item.value)).toEqual([
		'veo3.1-fast',
		'veo-3.1-generate-preview',
		'doubao-seedance-2-0',
		'wan2.7',
		'viduq3-turbo',
		'grok-imagine-video-1.5',
		'kling-video-o1',
		'kling-v2-6',
		'gen4_turbo',
		'sora-2',
	]);
	expect(items.find((item) => item.value === 'kling-v2-6')).toEqual({
		name: 'Kling 2.6 (kling-v2-6)',
		value: 'kling-v2-6',
		description:
			'Kling by Kuaishou; on its own route /kling/v1/videos/text2video; delivered as a link',
	});
	expect(items[0]).toEqual({
		name: 'Veo 3.1 Fast (veo3.1-fast)',
		value: 'veo3.1-fast',
		description: 'Veo by Google',
	});
	expect(items.map((item) => item.name)).toContain('Sora 2 (sora-2, retired upstream)');
	expect(JSON.stringify(items)).not.toContain(KEY.slice(3));
});

describe('when the list cannot be had: the built-in current models, searchable', () => {
	const unreachable = {
		getNode: () => ({ name: 'Comet Video' }),
		getCredentials: async () => {
			throw new Error('Node does not have any credentials set');
		},
	} as unknown as ILoadOptionsFunctions;

	test('every current family, no Sora, each marked built-in with the reason', async () => {
		const { results } = await searchModels.call(unreachable);
		const values = results.map((item) => item.value);
		expect(values).toEqual(
			expect.arrayContaining([
				'veo3.1-fast',
				'doubao-seedance-2-0',
				'wan2.7',
				'viduq3',
				'omni-fast',
			]),
		);
		expect(values.filter((value) => String(value).startsWith('sora'))).toEqual([]);
		for (const item of results) {
			expect(item.name).toMatch(/, built-in\)$/);
			expect(item.description).toMatch(
				/could not be loaded \(Node does not have any credentials set\)/,
			);
		}
	});

	test('the search text filters by name and id, without case', async () => {
		const seedance = await searchModels.call(unreachable, ' SEEDANCE ');
		expect(seedance.results.map((item) => item.value)).toEqual([
			'doubao-seedance-2-0',
			'doubao-seedance-2-0-fast',
			'doubao-seedance-1-5-pro',
			'doubao-seedance-1-0-pro',
		]);
		const byId = await searchModels.call(unreachable, 'viduq3-t');
		expect(byId.results.map((item) => item.value)).toEqual(['viduq3-turbo']);
		expect((await searchModels.call(unreachable, 'no such model')).results).toEqual([]);
	});
});
