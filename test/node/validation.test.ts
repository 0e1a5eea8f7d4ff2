/**
 * Bad input: every case must fail with a NodeOperationError that names the field, before any
 * request reaches CometAPI (a create costs money). Each case runs a real workflow execution.
 */

import { NodeOperationError } from 'n8n-workflow';

import type { StartItem } from '../../tools/harness';
import { createParams, runVideoNode, type VideoParameters } from '../helpers';
import { binaryEntry, jpegBytes, pngBytes, useSimulator } from './helpers';

const getSim = useSimulator({ jobDurationMs: 300 });

const png = pngBytes();
const threeImages = {
	a: binaryEntry(png, 'image/png', 'a.png'),
	b: binaryEntry(pngBytes(), 'image/png', 'b.png'),
	c: binaryEntry(jpegBytes(), 'image/jpeg', 'c.jpg'),
};

type BadInputCase = [
	name: string,
	parameters: VideoParameters,
	items: StartItem[] | undefined,
	message: RegExp,
];

const cases: BadInputCase[] = [
	[
		'empty prompt (only spaces)',
		createParams({ prompt: '   ' }),
		undefined,
		/^Prompt: the prompt is empty/,
	],
	[
		'empty prompt from an expression',
		createParams({ prompt: '={{ $json.text }}' }),
		[{ json: { text: '' } }],
		/^Prompt: the prompt is empty/,
	],
	[
		'prompt over 32,000 characters',
		createParams({ prompt: '={{ $json.text }}' }),
		[{ json: { text: 'y'.repeat(32_001) } }],
		/^Prompt: 32001 characters is over the limit of 32000/,
	],
	[
		// The family rules are unit tests (test/unit/create-prepare.test.ts); this one proves they
		// act before any request in a real execution.
		'Seedance with a duration out of its range, from an expression',
		createParams({ model: 'doubao-seedance-2-0', seconds: '={{ 20 }}' }),
		undefined,
		/^Duration \(Seconds\): "20" is not one doubao-seedance-2-0 takes; it takes whole seconds from 4 to 15/,
	],
	[
		'three images for Veo (binary)',
		createParams({ referenceImages: 'binary', imageBinaryProperties: 'a,b,c' }),
		[{ json: {}, binary: threeImages }],
		/^Reference Images: veo3-fast takes at most 2 images \(in order: the first frame, then the last frame\), but 3 were given/,
	],
	[
		'binary field that the item does not have',
		createParams({ referenceImages: 'binary', imageBinaryProperties: 'first,last' }),
		[{ json: {}, binary: { first: binaryEntry(png, 'image/png', 'first.png') } }],
		/^Binary Fields: the input item has no binary field "last"/,
	],
	[
		'binary field on an item without any binary data',
		createParams({ referenceImages: 'binary', imageBinaryProperties: 'data' }),
		undefined,
		/^Binary Fields: the input item has no binary field "data"/,
	],
	[
		'binary that is not an image',
		createParams({ referenceImages: 'binary', imageBinaryProperties: 'data' }),
		[
			{
				json: {},
				binary: {
					data: { text: 'just some notes', mimeType: 'text/plain', fileName: 'notes.txt' },
				},
			},
		],
		/^Binary Fields: "data" is not an image \(text\/plain, notes\.txt\)/,
	],
	[
		'no image named at all',
		createParams({ referenceImages: 'binary', imageBinaryProperties: ' , ' }),
		undefined,
		/^Reference Images: no image given/,
	],
	[
		'a model id from an expression that is blank',
		createParams({ model: { __rl: true, mode: 'id', value: '={{ $json.model }}' } }),
		[{ json: { model: ' ' } }],
		/^Model: choose a model from the list, or enter its ID/,
	],
	[
		'Retrieve with an empty video id',
		{ operation: 'retrieve', videoId: '={{ $json.id }}' },
		[{ json: {} }],
		/^Video ID: no ID given/,
	],
	[
		'Download with an empty video id',
		{ operation: 'download', videoId: '={{ $json.id }}' },
		[{ json: { id: '  ' } }],
		/^Video ID: no ID given/,
	],
	[
		'Remix with an empty video id',
		{ operation: 'remix', videoId: '={{ $json.id }}', prompt: 'Make it rain' },
		[{ json: {} }],
		/^Video ID: no ID given/,
	],
	[
		'Remix with an empty prompt',
		{ operation: 'remix', videoId: 'video_abc', prompt: '  ' },
		undefined,
		/^Prompt: the prompt is empty/,
	],
	[
		'video id that would change the URL path',
		{ operation: 'download', videoId: 'video_abc/../../v1/models' },
		undefined,
		/^Video ID: ".*" is not a job ID/,
	],
];

describe('bad input fails before any request, naming the field', () => {
	test.each(cases)('%s', async (_name, parameters, items, message) => {
		const sim = getSim();
		const result = await runVideoNode(sim, parameters, items ? { items } : {});

		expect(result.status).toBe('error');
		expect(result.error).toBeInstanceOf(NodeOperationError);
		expect(result.error?.message).toMatch(message);
		expect(result.items).toEqual([]);
		expect(sim.requests).toHaveLength(0);
		expect(sim.createCount()).toBe(0);
	});
});

describe('batches', () => {
	test('one bad item among good ones: nothing is created for any item', async () => {
		const sim = getSim();
		const result = await runVideoNode(sim, createParams({ prompt: '={{ $json.text }}' }), {
			items: [
				{ json: { text: 'A valid prompt' } },
				{ json: { text: 'Another valid one' } },
				{ json: { text: '' } },
			],
		});
		expect(result.status).toBe('error');
		expect(result.error).toBeInstanceOf(NodeOperationError);
		expect(result.error?.message).toMatch(/^Prompt: the prompt is empty/);
		expect(result.error?.context.itemIndex).toBe(2);
		expect(sim.requests).toHaveLength(0);
	});

	test('with continueOnFail, the bad item gets an error item and the good ones run', async () => {
		const sim = getSim();
		const result = await runVideoNode(
			sim,
			createParams({ prompt: '={{ $json.text }}', waitForCompletion: false }),
			{
				items: [
					{ json: { text: 'A valid prompt' } },
					{ json: { text: '' } },
					{ json: { text: 'Another valid one' } },
				],
				continueOnFail: true,
			},
		);
		expect(result.status).toBe('success');
		expect(result.items).toHaveLength(3);
		expect(result.items[1]).toEqual({
			json: {
				error: expect.stringMatching(/^Prompt: the prompt is empty/),
				description: expect.any(String),
			},
			pairedItem: { item: 1 },
		});
		expect(result.items[0].json.status).toBe('queued');
		expect(result.items[2].json.status).toBe('queued');
		expect(result.items.map((item) => item.pairedItem)).toEqual(
			[0, 1, 2].map((item) => ({ item })),
		);
		expect(sim.createCount()).toBe(2);
		expect(sim.creates.map((create) => create.prompt)).toEqual(
			expect.arrayContaining(['A valid prompt', 'Another valid one']),
		);
	});
});
