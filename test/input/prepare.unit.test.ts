/**
 * The Create form and every operation's `prepare`, without a workflow: the parameters are what
 * n8n's own `getNodeParameters` makes of the form for a model (the fields it displays, with
 * their defaults), read through a small fake of n8n's parameter reader. Each bad value fails
 * here, naming the field and what the model takes; `prepare` makes no request at all (that the
 * router prepares every item before any request: `test/input/validation.workflow.test.ts`).
 */
import {
	NodeHelpers,
	NodeOperationError,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type INodeParameters,
} from 'n8n-workflow';

import { CometVideo } from '../../dist/nodes/CometVideo/CometVideo.node';
import {
	create,
	type CreateRequest,
} from '../../dist/nodes/CometVideo/actions/video/create.operation';
import { download } from '../../dist/nodes/CometVideo/actions/video/download.operation';
import { remix } from '../../dist/nodes/CometVideo/actions/video/remix.operation';
import { retrieve } from '../../dist/nodes/CometVideo/actions/video/retrieve.operation';
import { ALL_RULES } from '../../dist/nodes/CometVideo/helpers/families';
import { NODE_TYPE } from '../../tools/constants';

const description = new CometVideo().description;
const node: INode = {
	id: 'comet',
	name: 'Comet Video',
	type: NODE_TYPE,
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};
const PROMPT = 'A kite over dunes';
const byId = (value: string) => ({ __rl: true, mode: 'id', value });

/** What n8n hands the node for these values: only the displayed fields, defaults filled in. */
function formFor(model: string, values: INodeParameters = {}): INodeParameters {
	const parameters = { operation: 'create', model: byId(model), prompt: PROMPT, ...values };
	return (
		NodeHelpers.getNodeParameters(
			description.properties,
			parameters,
			true,
			false,
			node,
			description,
		) ?? {}
	);
}

function contextFor(parameters: INodeParameters, items: INodeExecutionData[] = [{ json: {} }]) {
	return {
		getNode: () => node,
		getInputData: () => items,
		helpers: {
			getBinaryDataBuffer: async (itemIndex: number, field: string) =>
				Buffer.from(items[itemIndex].binary?.[field]?.data ?? '', 'base64'),
		},
		getNodeParameter: (
			name: string,
			_itemIndex: number,
			fallback?: unknown,
			options?: { extractValue?: boolean },
		) => {
			// n8n reads a dotted name as a path into the parameters (`additionalFields.field`).
			const found = name
				.split('.')
				.reduce<unknown>(
					(at, key) =>
						at && typeof at === 'object' && key in at
							? (at as Record<string, unknown>)[key]
							: undefined,
					parameters,
				);
			const value = found === undefined ? fallback : found;
			const locator = value as { __rl?: boolean; value?: unknown } | undefined;
			return options?.extractValue && locator?.__rl ? locator.value : value;
		},
	} as unknown as IExecuteFunctions;
}

async function prepare(
	parameters: INodeParameters,
	items?: INodeExecutionData[],
): Promise<CreateRequest> {
	return await create.prepare(contextFor({ waitForCompletion: false, ...parameters }, items), 0);
}

const sent = (request: CreateRequest) => ({
	[request.route.modelField]: request.model,
	[request.route.promptField]: request.prompt,
	...Object.fromEntries(request.fields),
});

describe('the form shows one of each field, the family’s own', () => {
	const ids = [
		...ALL_RULES.flatMap((rules) => rules.models.map((model) => model.id)),
		'veo3-pro-frames',
		'some-new-video-model',
		'={{ $json.model }}',
	];
	test.each(ids)('%s', (id) => {
		const values = formFor(id, { referenceImages: 'binary' });
		const shown = description.properties.filter((property) =>
			NodeHelpers.displayParameter(values, property, node, description),
		);
		const names = shown.map((property) => property.name);
		expect(names.length).toBe(new Set(names).size);
	});
});

describe("each family's form sends its defaults", () => {
	type Row = [model: string, extra: Record<string, string>];
	const ROWS: Row[] = [
		['veo3.1-fast', { size: '1280x720', seconds: '4' }],
		['veo3-fast', {}],
		['doubao-seedance-2-0', { size: '16:9', seconds: '5', resolution: '720p' }],
		['doubao-seedance-1-0-pro', { size: '16:9', seconds: '5', resolution: '720p' }],
		['wan2.6', { size: '1920x1080', seconds: '5' }],
		['viduq3-turbo', { size: '1280x720', seconds: '5' }],
		['happyhorse-1.0', { size: '1920x1080', seconds: '5' }],
		['omni-fast', { seconds: '4', aspect_ratio: '16:9', resolution: '720p' }],
		['sora-2', { size: '1280x720', seconds: '4' }],
		['sora-2-pro', { size: '1792x1024', seconds: '4' }],
		['some-new-video-model', {}],
	];
	test.each(ROWS)('%s', async (model, extra) => {
		const request = await prepare(formFor(model));
		expect(sent(request)).toEqual({ model, prompt: PROMPT, ...extra });
	});
});

describe('values a model takes are sent as set', () => {
	type Row = [label: string, model: string, values: INodeParameters, sent: Record<string, string>];
	const ROWS: Row[] = [
		['Veo 3.1 size and duration', 'veo3.1', { size: '1920x1080', seconds: '6' }, {}],
		['Sora 2 Pro takes a 1792 size', 'sora-2-pro', { size: '1792x1024', seconds: '12' }, {}],
		[
			"a model id typed by hand, trimmed, with the older Veo aliases' size",
			'  veo3-pro-frames ',
			{ size: '16x9' },
			{ model: 'veo3-pro-frames' },
		],
		['a prompt of exactly 32,000 characters', 'veo3-fast', { prompt: 'x'.repeat(32_000) }, {}],
		[
			'a prompt of 32,000 emoji (64,000 UTF-16 units): characters are code points',
			'veo3-fast',
			{ prompt: '\u{1F3AC}'.repeat(32_000) },
			{},
		],
	];
	test.each(ROWS)('%s', async (_label, model, values, overrides) => {
		const request = await prepare(formFor(model, values));
		expect(sent(request)).toEqual({ model, prompt: PROMPT, ...values, ...overrides });
	});
});

test('a model of no known rules: the prompt and only the fields set, as typed', async () => {
	const request = await prepare(
		formFor('some-new-video-model', { size: ' 2048x1024 ', aspectRatio: '7:3' }),
	);
	expect(sent(request)).toEqual({
		model: 'some-new-video-model',
		prompt: PROMPT,
		size: '2048x1024',
		aspect_ratio: '7:3',
	});
});

test('an expression naming a known model gets the unchecked fields, checked when it runs', async () => {
	const form = formFor('={{ $json.model }}', { seconds: '20' });
	expect(form).toMatchObject({ size: '', seconds: '20', aspectRatio: '', resolution: '' });
	await expect(prepare({ ...form, model: byId('doubao-seedance-2-0') })).rejects.toThrow(
		'Duration (Seconds): "20" is not one doubao-seedance-2-0 takes; it takes whole seconds from 4 to 15',
	);
	const ok = await prepare({ ...form, model: byId('some-new-video-model') });
	expect(sent(ok).seconds).toBe('20');
});

describe('values a model does not take are refused, naming the field and what it takes', () => {
	type Row = [model: string, values: INodeParameters, message: string];
	const ROWS: Row[] = [
		[
			'sora-2',
			{ size: '1920x1080' },
			'Size: "1920x1080" is not one sora-2 takes; it takes 1280x720, 720x1280',
		],
		[
			'sora-2',
			{ size: '720p' },
			'Size: "720p" is not one sora-2 takes; it takes 1280x720, 720x1280',
		],
		[
			'sora-2',
			{ size: '1792x1024' },
			'Size: "1792x1024" is not one sora-2 takes; it takes 1280x720, 720x1280; 1792x1024 needs sora-2-pro',
		],
		[
			'sora-2',
			{ seconds: '10' },
			'Duration (Seconds): "10" is not one sora-2 takes; it takes 4, 8, 12, 16, 20',
		],
		[
			'doubao-seedance-1-5-pro',
			{ seconds: '13' },
			'Duration (Seconds): "13" is not one doubao-seedance-1-5-pro takes; it takes whole seconds from 4 to 12; 13 needs doubao-seedance-2-0 or doubao-seedance-2-0-fast',
		],
		[
			'doubao-seedance-1-0-pro',
			{ seconds: '1' },
			'Duration (Seconds): "1" is not one doubao-seedance-1-0-pro takes; it takes whole seconds from 2 to 10',
		],
		[
			'doubao-seedance-2-0-fast',
			{ size: '1920x1080' },
			'; 1920x1080 needs doubao-seedance-2-0 or doubao-seedance-1-5-pro',
		],
		['doubao-seedance-2-0', { size: '16x9' }, 'Size: "16x9" is not one doubao-seedance-2-0 takes'],
		[
			'wan2.6',
			{ seconds: '7' },
			'Duration (Seconds): "7" is not one wan2.6 takes; it takes 5, 10, 15; 7 needs wan2.7',
		],
		[
			'wan2.7',
			{ size: '1088x832' },
			'Size: "1088x832" is not one wan2.7 takes; it takes 1280x720, 720x1280, 1920x1080, 1080x1920, 1440x1440; 1088x832 needs wan2.6',
		],
		['viduq3', { seconds: '17' }, 'it takes whole seconds from 1 to 16'],
		['happyhorse-1.0', { seconds: '2' }, 'it takes whole seconds from 3 to 15'],
		[
			'omni-fast',
			{ size: '1280x720' },
			'Size: omni-fast takes no size (it takes Aspect Ratio and Resolution instead); its fields are Duration (Seconds), Aspect Ratio, Resolution',
		],
		[
			'omni-fast',
			{ seconds: 'four' },
			'Duration (Seconds): "four" is not a whole number of seconds',
		],
		[
			'omni-fast',
			{ aspectRatio: '4:3' },
			'Aspect Ratio: "4:3" is not one omni-fast takes; it takes 16:9, 9:16, 1:1',
		],
		[
			'omni-fast',
			{ resolution: '4k' },
			'Resolution: "4k" is not one omni-fast takes; it takes 720p, 1080p',
		],
		[
			'veo3-fast',
			{ seconds: '8' },
			'Duration (Seconds): veo3-fast takes no duration (seconds) (these older aliases are fixed at 8 s); its fields are Size',
		],
		['veo3-fast', { size: '1280x720' }, '; 1280x720 needs veo3.1-fast or veo3.1'],
		[
			'veo3.1',
			{ aspectRatio: '16:9' },
			'Aspect Ratio: veo3.1 takes no aspect ratio; its fields are Size, Duration (Seconds)',
		],
	];
	test.each(ROWS)('%s %j', async (model, values, message) => {
		await expect(prepare({ ...formFor(model), ...values })).rejects.toThrow(message);
	});

	test('a long value is cut in the message', async () => {
		const error = await prepare({ ...formFor('sora-2'), size: 'x'.repeat(5000) }).catch(
			(caught: Error) => caught,
		);
		expect((error as Error).message.length).toBeLessThan(200);
	});
});

describe('types: text (a whole number for seconds), else an error naming the field', () => {
	type Row = [values: INodeParameters, message: string | undefined];
	const ROWS: Row[] = [
		[{ model: byId({ id: 'veo3.1' } as never) }, 'Model: the expression gave an object, not text'],
		[{ model: 'veo3.1-fast' }, undefined],
		[{ size: 1280 }, 'Size: the expression gave a number, not text'],
		[{ seconds: { value: 4 } }, 'Duration (Seconds): the expression gave an object, not text'],
		[{ seconds: 4.5 }, 'Duration (Seconds): "4.5" is not one veo3.1-fast takes'],
		[{ seconds: [4] }, 'Duration (Seconds): the expression gave a list, not text'],
		[{ seconds: true }, 'Duration (Seconds): the expression gave a boolean, not text'],
		[{ seconds: 8 }, undefined],
	];
	test.each(ROWS)('%j', async (values, message) => {
		const run = prepare({ ...formFor('veo3.1-fast'), ...values });
		if (message) await expect(run).rejects.toThrow(message);
		else await expect(run).resolves.toBeDefined();
	});

	test('a number of seconds is sent as text', async () => {
		expect(sent(await prepare({ ...formFor('veo3.1-fast'), seconds: 8 })).seconds).toBe('8');
	});
});

describe('reference images: as files, in order, as many as the model takes', () => {
	const image = (name: string) => ({ data: '', mimeType: 'image/png', fileName: `${name}.png` });
	const items = [
		{ json: {}, binary: { a: image('a'), b: image('b'), c: image('c'), d: image('d') } },
	];
	const withImages = (model: string, names: unknown) =>
		prepare(
			{ ...formFor(model), referenceImages: 'binary', imageBinaryProperties: names as string },
			items,
		);
	const order = (request: CreateRequest) => request.images.map((entry) => entry.binaryField);

	type Taken = [label: string, model: string, names: unknown, order: string[]];
	const TAKEN: Taken[] = [
		['Seedance 2.0: three, in the order named', 'doubao-seedance-2-0', 'c, a,b', ['c', 'a', 'b']],
		['Binary Fields from an expression yielding a list', 'veo3-fast', ['b', 'a'], ['b', 'a']],
		['Sora 2: one', 'sora-2', 'b', ['b']],
		[
			'a model of no known rules: any number, unchecked',
			'some-new-video-model',
			'a,b,c,d',
			['a', 'b', 'c', 'd'],
		],
	];
	test.each(TAKEN)('%s', async (_label, model, names, expected) => {
		expect(order(await withImages(model, names))).toEqual(expected);
	});

	type Row = [model: string, names: string, message: string];
	const ROWS: Row[] = [
		[
			'doubao-seedance-2-0',
			'a,b,c,d',
			'Reference Images: doubao-seedance-2-0 takes at most 3 images (in upload order, cited in the prompt as [Image 1] (subject), [Image 2] (secondary), [Image 3] (background or style)), but 4 were given',
		],
		[
			'doubao-seedance-1-5-pro',
			'a',
			'Reference Images: doubao-seedance-1-5-pro takes no reference images (doubao-seedance-2-0, doubao-seedance-2-0-fast do)',
		],
		['wan2.7', 'a', 'Reference Images: wan2.7 takes no reference images'],
		[
			'veo3.1-fast',
			'a,b,c',
			'Reference Images: veo3.1-fast takes at most 2 images (the first frame, then the last frame',
		],
		['sora-2', 'a,b', 'Reference Images: sora-2 takes at most 1 image'],
		[
			'veo3-fast',
			'a,b,c',
			'Reference Images: veo3-fast takes at most 2 images (in order: the first frame, then the last frame), but 3 were given',
		],
	];
	test.each(ROWS)('%s with %s', async (model, names, message) => {
		await expect(withImages(model, names)).rejects.toThrow(message);
	});

	test('image URLs: not a choice on the shared route, which takes files', async () => {
		await expect(
			prepare({
				...formFor('veo3-fast'),
				referenceImages: 'url',
				imageUrls: 'https://example.com/a.png',
			}),
		).rejects.toThrow('Reference Images: "url" is not a choice');
	});

	test('the form offers no reference images where the model takes none', () => {
		expect(formFor('wan2.7', { referenceImages: 'binary' })).not.toHaveProperty('referenceImages');
		expect(formFor('doubao-seedance-2-0', { referenceImages: 'binary' })).toMatchObject({
			referenceImages: 'binary',
			imageBinaryProperties: 'data',
		});
	});
});

describe('bad input is refused by prepare, naming the field', () => {
	const operations = { create, retrieve, download, remix };
	const png = { data: '', mimeType: 'image/png', fileName: 'first.png' };
	const text = Buffer.from('just some notes').toString('base64');
	const notes = { data: text, mimeType: 'text/plain', fileName: 'notes.txt' };
	const veo = (values: INodeParameters = {}) => formFor('veo3-fast', values);
	const images = (names: string, binary?: INodeExecutionData['binary']) => ({
		...veo({ referenceImages: 'binary' }),
		imageBinaryProperties: names,
		binary,
	});
	const missing = (field: string) => `Binary Fields: the input item has no binary field "${field}"`;
	const notAnId = (id: string) => `Video ID: "${id}" is not a job ID`;
	const EMPTY = 'Prompt: the prompt is empty';
	type Row = [
		label: string,
		operation: keyof typeof operations,
		values: INodeParameters,
		message: string,
	];
	const ROWS: Row[] = [
		['empty prompt (only spaces)', 'create', veo({ prompt: '   ' }), EMPTY],
		['empty prompt (from an expression)', 'create', veo({ prompt: '' }), EMPTY],
		[
			'prompt over 32,000 characters',
			'create',
			veo({ prompt: 'y'.repeat(32_001) }),
			'Prompt: 32001 characters (Unicode code points) is over the limit of 32000',
		],
		[
			'prompt of 32,001 emoji, counted as 32,001 characters, not 64,002',
			'create',
			veo({ prompt: '\u{1F3AC}'.repeat(32_001) }),
			'Prompt: 32001 characters (Unicode code points) is over the limit of 32000',
		],
		[
			'a Prompt expression yielding an object',
			'create',
			{ ...veo(), prompt: { text: 'boat' } as never },
			'Prompt: the expression gave an object, not text',
		],
		[
			'a model id from an expression that is blank',
			'create',
			{ ...veo(), model: byId(' ') },
			'Model: choose a model from the list, or enter its ID',
		],
		[
			'binary field that the item does not have',
			'create',
			images('first,last', { first: png }),
			missing('last'),
		],
		['binary field on an item without any binary data', 'create', images('data'), missing('data')],
		[
			'Binary Fields "__proto__" (an Object member)',
			'create',
			images('__proto__', { data: png }),
			missing('__proto__'),
		],
		[
			'Binary Fields "constructor" (an Object member)',
			'create',
			images('constructor', { data: png }),
			missing('constructor'),
		],
		[
			'binary that is not an image',
			'create',
			images('data', { data: notes }),
			'Binary Fields: "data" is not an image (text/plain, notes.txt)',
		],
		[
			'no image named at all',
			'create',
			images(' , ', { data: png }),
			'Reference Images: no image given',
		],
		['Retrieve with an empty video id', 'retrieve', { videoId: '' }, 'Video ID: no ID given'],
		['Download with an empty video id', 'download', { videoId: '  ' }, 'Video ID: no ID given'],
		['Remix with an empty video id', 'remix', { prompt: 'Make it rain' }, 'Video ID: no ID given'],
		['Remix with an empty prompt', 'remix', { videoId: 'video_abc', prompt: '  ' }, EMPTY],
		[
			'video id that would change the URL path',
			'download',
			{ videoId: 'video_abc/../../v1/models' },
			notAnId('video_abc/../../v1/models'),
		],
		['Retrieve with Video ID "."', 'retrieve', { videoId: '.' }, notAnId('.')],
		['Retrieve with Video ID ".."', 'retrieve', { videoId: '..' }, notAnId('..')],
		['Download with Video ID "."', 'download', { videoId: '.' }, notAnId('.')],
		['Download with Video ID ".."', 'download', { videoId: '..' }, notAnId('..')],
		[
			'a Video ID expression yielding an object',
			'retrieve',
			{ videoId: { id: 1 } as never },
			'Video ID: the expression gave an object, not text',
		],
		[
			'a Binary Field expression yielding a list',
			'download',
			{ videoId: 'video_abc', binaryPropertyName: ['a', 'b'] as never },
			'Put Output File in Field: the expression gave a list, not text',
		],
		[
			'Result Link with the thumbnail',
			'download',
			{ videoId: 'task_x', variant: 'thumbnail', options: { downloadFrom: 'link' } },
			'File: a result link is the video only',
		],
		[
			'an unknown Download From',
			'download',
			{ videoId: 'task_x', options: { downloadFrom: 'mirror' } },
			'Download From: "mirror"',
		],
	];
	test.each(ROWS)('%s', async (_label, operation, { binary, ...parameters }, message) => {
		const items = [{ json: {}, binary: binary as INodeExecutionData['binary'] }];
		const error = (await operations[operation].prepare(contextFor(parameters, items), 0).then(
			() => undefined,
			(caught: unknown) => caught,
		)) as Error;
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message.slice(0, message.length)).toBe(message);
	});

	test('a 100,000-character Video ID is refused with a short error', async () => {
		const error = (await retrieve
			.prepare(contextFor({ videoId: 'v'.repeat(100_000) }), 0)
			.catch((caught: unknown) => caught)) as NodeOperationError;
		expect(error.message).toMatch(/^Video ID: /);
		expect(error.message.length).toBeLessThan(300);
		expect(String(error.description ?? '').length).toBeLessThan(300);
	});
});

describe('the families on routes of their own: the route, its names and types', () => {
	const frame = { data: '', mimeType: 'image/png', fileName: 'first.png' };
	const withFrames = [{ json: {}, binary: { first: frame, last: frame } }];

	test('Grok: JSON names, the duration a number and always sent (an omitted one is billed as 8 s)', async () => {
		const request = await prepare({ ...formFor('grok-imagine-video-1.5'), seconds: '' });
		expect(request.route.key).toBe('grok');
		expect(sent(request)).toEqual({
			model: 'grok-imagine-video-1.5',
			prompt: PROMPT,
			duration: 5,
			resolution: '480p',
			aspect_ratio: '16:9',
		});
	});

	test('Grok: 1 to 15 seconds, one source image', async () => {
		await expect(prepare(formFor('grok-imagine-video', { seconds: '16' }))).rejects.toThrow(
			'Duration (Seconds): "16" is not one grok-imagine-video takes; it takes whole seconds from 1 to 15',
		);
		await expect(
			prepare(
				{
					...formFor('grok-imagine-video'),
					referenceImages: 'binary',
					imageBinaryProperties: 'first,last',
				},
				withFrames,
			),
		).rejects.toThrow('takes at most 1 image (the source image (image to video))');
	});

	test('Kling: text to video without images, image to video with them; model_name, duration as text', async () => {
		const text = await prepare(formFor('kling-v2-6'));
		expect(text.route.key).toBe('kling-text2video');
		expect(sent(text)).toEqual({
			model_name: 'kling-v2-6',
			prompt: PROMPT,
			duration: '5',
			aspect_ratio: '16:9',
			mode: 'std',
		});
		const framed = await prepare(
			{
				...formFor('kling-v2-master'),
				referenceImages: 'binary',
				imageBinaryProperties: 'first,last',
			},
			withFrames,
		);
		expect(framed.route.key).toBe('kling-image2video');
		expect(framed.images.map((image) => image.binaryField)).toEqual(['first', 'last']);
	});

	test("Kling: CometAPI's limits, 500 characters of prompt and 200 of negative prompt", async () => {
		await expect(prepare(formFor('kling-v2-6', { prompt: 'x'.repeat(501) }))).rejects.toThrow(
			"Prompt: 501 characters (Unicode code points) is over the limit of 500 this model's route documents",
		);
		await expect(
			prepare(formFor('kling-v2-6', { negativePrompt: 'y'.repeat(201) })),
		).rejects.toThrow('Negative Prompt: 201 characters is over the 200 kling-v2-6 takes');
		const request = await prepare(formFor('kling-v2-6', { negativePrompt: 'blur' }));
		expect(sent(request)).toMatchObject({ negative_prompt: 'blur' });
	});

	test('Kling Omni has its own route and 3 to 10 seconds', async () => {
		const request = await prepare(formFor('kling-video-o1', { seconds: '3' }));
		expect(request.route.key).toBe('kling-omni-video');
		expect(sent(request)).toMatchObject({ model_name: 'kling-video-o1', duration: '3' });
	});

	test('Runway: needs a start image; promptText, ratio and a numeric duration', async () => {
		await expect(prepare(formFor('gen4_turbo'))).rejects.toThrow(
			'Reference Images: gen4_turbo needs an image (the start image (promptImage)',
		);
		const request = await prepare(
			formFor('gen4_turbo', {
				referenceImages: 'urls',
				imageUrls: 'https://example.com/start.png',
			}),
		);
		expect(request.route.key).toBe('runway');
		expect(request.imageUrls).toEqual(['https://example.com/start.png']);
		expect(sent(request)).toEqual({
			model: 'gen4_turbo',
			promptText: PROMPT,
			ratio: '1280:720',
			duration: 5,
		});
	});

	test('image URLs must be http(s)', async () => {
		await expect(
			prepare(
				formFor('grok-imagine-video', { referenceImages: 'urls', imageUrls: 'file:///etc/passwd' }),
			),
		).rejects.toThrow('Image URLs: "file:///etc/passwd" is not an http or https URL');
	});

	test('the Callback URL is on the form where the route documents one (Kling), and checked', async () => {
		expect(formFor('kling-v2-6')).toHaveProperty('callbackUrl');
		expect(formFor('grok-imagine-video')).not.toHaveProperty('callbackUrl');
		expect(formFor('veo3.1-fast')).not.toHaveProperty('callbackUrl');
		await expect(prepare(formFor('kling-v2-6', { callbackUrl: 'not a url' }))).rejects.toThrow(
			'Callback URL: "not a url" is not an http or https URL',
		);
		const request = await prepare(
			formFor('kling-v2-6', { callbackUrl: 'https://n8n.example/webhook-waiting/12' }),
		);
		expect(request.callbackUrl).toBe('https://n8n.example/webhook-waiting/12');
	});
});

describe('Additional Fields: sent as is after the checked fields, never over a field the form owns', () => {
	// Runway needs its start image before anything else is read.
	const image = (model: string) =>
		model.startsWith('gen')
			? { referenceImages: 'urls', imageUrls: 'https://example.com/a.png' }
			: {};
	const fields = (model: string, entries: Array<{ name: string; value: unknown }>) =>
		prepare(
			formFor(model, {
				...image(model),
				additionalFields: { field: entries } as unknown as INodeParameters,
			}),
		);

	test('a JSON route takes JSON values; text that is not JSON stays text', async () => {
		const request = await fields('kling-v2-6', [
			{ name: 'cfg_scale', value: '0.7' },
			{ name: 'camera_control', value: '{"type":"simple"}' },
			{ name: 'external_task_id', value: 'row-17' },
			{ name: 'quoted', value: '"42"' },
		]);
		expect(request.extra).toEqual([
			['cfg_scale', 0.7],
			['camera_control', { type: 'simple' }],
			['external_task_id', 'row-17'],
			['quoted', '42'],
		]);
	});

	test('the shared route sends form fields: text, and numbers as text; an object is refused', async () => {
		const request = await fields('veo3.1-fast', [{ name: 'seed', value: 42 }]);
		expect(request.extra).toEqual([['seed', '42']]);
		await expect(fields('veo3.1-fast', [{ name: 'options', value: { a: 1 } }])).rejects.toThrow(
			'Additional Fields: "options" is an object, but this model\'s route sends form fields',
		);
	});

	test.each([
		['veo3.1-fast', 'model'],
		['veo3.1-fast', 'prompt'],
		['veo3.1-fast', 'seconds'],
		['veo3.1-fast', 'input_reference'],
		['grok-imagine-video', 'duration'],
		['grok-imagine-video', 'image'],
		['kling-v2-6', 'model_name'],
		['kling-v2-6', 'callback_url'],
		['kling-v2-6', 'image_tail'],
		['gen4_turbo', 'promptText'],
		['gen4_turbo', 'ratio'],
	])('%s: %s is the form’s, refused naming it', async (model, name) => {
		await expect(fields(model, [{ name, value: 'x' }])).rejects.toThrow(
			`Additional Fields: "${name}" is a field the node sets itself`,
		);
	});

	test('names that are no field names, and twins, are refused', async () => {
		await expect(fields('kling-v2-6', [{ name: 'a b', value: '1' }])).rejects.toThrow(
			'Additional Fields: "a b" is not a field name',
		);
		await expect(fields('kling-v2-6', [{ name: '__proto__x', value: '1' }])).resolves.toBeDefined();
		await expect(
			fields('kling-v2-6', [
				{ name: 'seed', value: '1' },
				{ name: 'seed', value: '2' },
			]),
		).rejects.toThrow('Additional Fields: "seed" is given twice');
	});
});

test("Veo 3.1: the union of its pages, two ordered frames and the older page's orientation hint", async () => {
	const frame = { data: '', mimeType: 'image/png', fileName: 'f.png' };
	const request = await prepare(
		{
			...formFor('veo3.1', { size: '9x16' }),
			referenceImages: 'binary',
			imageBinaryProperties: 'first, last',
		},
		[{ json: {}, binary: { first: frame, last: frame } }],
	);
	expect(request.images.map((image) => image.binaryField)).toEqual(['first', 'last']);
	expect(sent(request)).toMatchObject({ size: '9x16' });
});
