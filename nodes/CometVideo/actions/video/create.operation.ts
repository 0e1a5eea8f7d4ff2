import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import type { MultipartPart } from '../../helpers/multipart';
import { completeJob, readCompletion, type CompletionRequest } from '../completion';
import { completionProperties, promptProperty } from '../descriptions';
import type { RunContext, VideoOperation } from '../types';
import { readPrompt } from './inputs';

const SORA_MODELS = ['sora-2', 'sora-2-pro'];
const VEO_MODELS = ['veo3-fast', 'veo3', 'veo3-pro', 'veo3.1-fast', 'veo3.1', 'veo3.1-pro'];
const CUSTOM_MODEL = 'custom';
const SORA_SIZES = ['720x1280', '1280x720', '1024x1792', '1792x1024'];
const SORA_PRO_ONLY_SIZES = ['1024x1792', '1792x1024'];
const SORA_SECONDS = ['4', '8', '12', '16', '20'];

const forSora = { show: { model: SORA_MODELS } };
const forVeo = { show: { model: VEO_MODELS } };
const forCustom = { show: { model: [CUSTOM_MODEL] } };

type FamilyFields = Partial<INodeProperties>;

function sizeProperty(
	displayOptions: INodeProperties['displayOptions'],
	fields: FamilyFields,
): INodeProperties {
	return {
		displayName: 'Size',
		name: 'size',
		type: 'options',
		default: '',
		displayOptions,
		...fields,
	};
}

function secondsProperty(
	displayOptions: INodeProperties['displayOptions'],
	fields: FamilyFields,
): INodeProperties {
	return {
		displayName: 'Duration (Seconds)',
		name: 'seconds',
		type: 'options',
		default: '',
		displayOptions,
		...fields,
	};
}

const properties: INodeProperties[] = [
	{
		displayName: 'Model',
		name: 'model',
		type: 'options',
		default: 'veo3-fast',
		description: 'Veo (Google) or Sora (OpenAI) model alias, as CometAPI names it',
		options: [
			{ name: 'Other Model (Enter Name)', value: CUSTOM_MODEL },
			{ name: 'Sora 2', value: 'sora-2' },
			{ name: 'Sora 2 Pro', value: 'sora-2-pro' },
			{ name: 'Veo 3', value: 'veo3' },
			{ name: 'Veo 3 Fast', value: 'veo3-fast' },
			{ name: 'Veo 3 Pro', value: 'veo3-pro' },
			{ name: 'Veo 3.1', value: 'veo3.1' },
			{ name: 'Veo 3.1 Fast', value: 'veo3.1-fast' },
			{ name: 'Veo 3.1 Pro', value: 'veo3.1-pro' },
		],
	},
	{
		displayName: 'Model Name',
		name: 'customModel',
		type: 'string',
		// Not `required`: n8n cannot tell whether it shows when Model is an expression, and would
		// refuse to run. prepare() rejects an empty name instead.
		default: '',
		placeholder: 'e.g. veo3.1-pro',
		description:
			'Any model alias CometAPI accepts. Names starting with "sora" follow Sora\'s rules, all others Veo\'s.',
		displayOptions: forCustom,
	},
	promptProperty,
	// Size and duration are offered per model family: n8n shows the pair whose model matches.
	sizeProperty(forSora, {
		default: '720x1280',
		description:
			'Width x height. The 1792 sizes need Sora 2 Pro. A reference image should match this size.',
		options: [
			{ name: '720x1280 (Portrait)', value: '720x1280' },
			{ name: '1280x720 (Landscape)', value: '1280x720' },
			{ name: '1024x1792 (Portrait, Sora 2 Pro)', value: '1024x1792' },
			{ name: '1792x1024 (Landscape, Sora 2 Pro)', value: '1792x1024' },
		],
	}),
	secondsProperty(forSora, {
		default: '4',
		options: SORA_SECONDS.map((seconds) => ({ name: `${seconds} s`, value: seconds })),
	}),
	sizeProperty(forVeo, {
		description:
			'Resolution or orientation. Which ones a Veo model takes varies; the default leaves it to the model.',
		options: [
			{ name: 'Model Default', value: '' },
			{ name: '1280x720 (Landscape 720p)', value: '1280x720' },
			{ name: '720x1280 (Portrait 720p)', value: '720x1280' },
			{ name: '1920x1080 (Landscape 1080p)', value: '1920x1080' },
			{ name: '3840x2160 (Landscape 4K)', value: '3840x2160' },
			{ name: '16x9 (Landscape, Older Models)', value: '16x9' },
			{ name: '9x16 (Portrait, Older Models)', value: '9x16' },
		],
	}),
	secondsProperty(forVeo, {
		description: 'Newer Veo models take 4, 6 or 8 s; older ones are fixed at 8 s',
		options: [
			{ name: 'Model Default', value: '' },
			...['4', '6', '8'].map((seconds) => ({ name: `${seconds} s`, value: seconds })),
		],
	}),
	sizeProperty(forCustom, {
		type: 'string',
		placeholder: 'e.g. 1280x720',
		description: 'Sent as is; leave empty for the model default',
	}),
	secondsProperty(forCustom, {
		type: 'string',
		placeholder: 'e.g. 8',
		description: 'Sent as is; leave empty for the model default',
	}),
	{
		displayName: 'Enhance Prompt',
		name: 'enhancePrompt',
		type: 'boolean',
		default: false,
		description: 'Whether Veo may rewrite the prompt with more detail before rendering',
		displayOptions: { show: { model: [...VEO_MODELS, CUSTOM_MODEL] } },
	},
	{
		displayName: 'Reference Images',
		name: 'referenceImages',
		type: 'options',
		default: 'none',
		description:
			'Veo: none = text-to-video, one = first frame, two in order = first and last frame. Sora: at most one, matching the size.',
		options: [
			{ name: 'None (Text to Video)', value: 'none' },
			{
				name: 'From Binary Fields',
				value: 'binary',
				description: 'Images an earlier node put on the item',
			},
			{ name: 'From URLs (Veo)', value: 'url', description: 'Public image links' },
		],
	},
	{
		displayName: 'Binary Fields',
		name: 'imageBinaryProperties',
		type: 'string',
		default: 'data',
		placeholder: 'e.g. first, last',
		hint: 'Comma-separated names of the input binary fields, in order: first frame, then last frame',
		displayOptions: { show: { referenceImages: ['binary'] } },
	},
	{
		displayName: 'Image URLs',
		name: 'imageUrls',
		type: 'string',
		default: '',
		placeholder: 'e.g. https://example.com/first.png',
		hint: 'One per line (or comma-separated), in order: first frame, then last frame',
		typeOptions: { rows: 2 },
		displayOptions: { show: { referenceImages: ['url'] } },
	},
	...completionProperties(true),
];

export const description = updateDisplayOptions({ show: { operation: ['create'] } }, properties);

export interface CreateRequest {
	parts: MultipartPart[];
	completion: CompletionRequest;
}

type ModelFamily = 'sora' | 'veo';

/** Recognises an image by its first bytes when the binary's MIME type says nothing useful. */
function sniffImageType(data: Buffer): string | undefined {
	if (data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
		return 'image/png';
	if (data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
	if (data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WEBP')
		return 'image/webp';
	if (data.toString('latin1', 0, 4) === 'GIF8') return 'image/gif';
	return undefined;
}

function splitList(value: string, separator: RegExp): string[] {
	return value
		.split(separator)
		.map((entry) => entry.trim())
		.filter((entry) => entry !== '');
}

async function readImageParts(
	ctx: IExecuteFunctions,
	itemIndex: number,
	family: ModelFamily,
	fail: (message: string, description?: string) => NodeOperationError,
): Promise<MultipartPart[]> {
	const source = ctx.getNodeParameter('referenceImages', itemIndex, 'none') as string;
	if (source === 'none') return [];
	if (source !== 'binary' && source !== 'url') {
		throw fail(`Reference Images: "${source}" is not a choice`, 'Use none, binary or url.');
	}
	const limit = family === 'sora' ? 1 : 2;
	const familyName = family === 'sora' ? 'Sora' : 'Veo';
	const checkCount = (count: number) => {
		if (count === 0)
			throw fail(
				'Reference Images: no image given',
				'Name at least one image, or set Reference Images to None.',
			);
		if (count > limit) {
			throw fail(
				`Reference Images: ${familyName} models take at most ${limit} image${limit > 1 ? 's' : ''}, but ${count} were given`,
				family === 'veo'
					? 'Veo takes a first frame, or a first and a last frame.'
					: 'Sora takes one image, the first frame.',
			);
		}
	};

	if (source === 'url') {
		const urls = splitList(
			ctx.getNodeParameter('imageUrls', itemIndex, '') as string,
			/\s+|,(?=\s*https?:)/,
		);
		checkCount(urls.length);
		if (family === 'sora') {
			throw fail(
				'Image URLs: Sora models take the reference image as a file, not a URL',
				'Fetch the image first (for example with an HTTP Request node) and use "From Binary Fields".',
			);
		}
		for (const url of urls) {
			if (!/^https?:\/\/[^\s]+$/i.test(url))
				throw fail(`Image URLs: "${url}" is not an http(s) URL`);
		}
		return urls.map((url) => ({ name: 'input_reference', value: url }));
	}

	const names = splitList(
		ctx.getNodeParameter('imageBinaryProperties', itemIndex, 'data') as string,
		/,/,
	);
	checkCount(names.length);
	const item = ctx.getInputData()[itemIndex];
	const parts: MultipartPart[] = [];
	for (const name of names) {
		const binary = item.binary?.[name];
		if (!binary) {
			const present = Object.keys(item.binary ?? {});
			throw fail(
				`Binary Fields: the input item has no binary field "${name}"`,
				present.length
					? `Its binary fields are: ${present.join(', ')}.`
					: 'The input item carries no binary data at all.',
			);
		}
		const data = await ctx.helpers.getBinaryDataBuffer(itemIndex, name);
		const mimeType = binary.mimeType?.startsWith('image/') ? binary.mimeType : sniffImageType(data);
		if (!mimeType) {
			throw fail(
				`Binary Fields: "${name}" is not an image (${binary.mimeType || 'unknown type'}${binary.fileName ? `, ${binary.fileName}` : ''})`,
				'Reference images must be PNG, JPEG, WebP or GIF files.',
			);
		}
		parts.push({
			name: 'input_reference',
			data,
			fileName: binary.fileName || `${name}.${mimeType.split('/')[1]}`,
			mimeType,
		});
	}
	return parts;
}

function checkSoraSettings(
	model: string,
	size: string,
	seconds: string,
	fail: (message: string, description?: string) => NodeOperationError,
) {
	if (size && !SORA_SIZES.includes(size)) {
		throw fail(`Size: "${size}" is not a Sora size`, `Sora takes ${SORA_SIZES.join(', ')}.`);
	}
	if (SORA_PRO_ONLY_SIZES.includes(size) && model !== 'sora-2-pro') {
		throw fail(`Size: ${size} needs Sora 2 Pro`, `${model} takes 720x1280 or 1280x720.`);
	}
	if (seconds && !SORA_SECONDS.includes(seconds)) {
		throw fail(
			`Duration (Seconds): "${seconds}" is not a Sora duration`,
			`Sora takes ${SORA_SECONDS.join(', ')} seconds.`,
		);
	}
}

export const create: VideoOperation<CreateRequest> = {
	description,

	async prepare(ctx, itemIndex) {
		const fail = (message: string, details?: string) =>
			new NodeOperationError(ctx.getNode(), message, { itemIndex, description: details });

		const chosen = ctx.getNodeParameter('model', itemIndex) as string;
		const model = (
			chosen === CUSTOM_MODEL
				? (ctx.getNodeParameter('customModel', itemIndex, '') as string)
				: chosen
		).trim();
		if (!model) throw fail('Model Name: enter the model alias to use');
		const family: ModelFamily = /^sora/i.test(model) ? 'sora' : 'veo';

		const prompt = readPrompt(ctx, itemIndex, 'Describe the video to generate.');

		const size = String(ctx.getNodeParameter('size', itemIndex, '') ?? '').trim();
		const seconds = String(ctx.getNodeParameter('seconds', itemIndex, '') ?? '').trim();
		if (family === 'sora') checkSoraSettings(model, size, seconds, fail);

		const parts: MultipartPart[] = [
			{ name: 'model', value: model },
			{ name: 'prompt', value: prompt },
		];
		if (size) parts.push({ name: 'size', value: size });
		if (seconds) parts.push({ name: 'seconds', value: seconds });
		if (family === 'veo' && ctx.getNodeParameter('enhancePrompt', itemIndex, false)) {
			parts.push({ name: 'enhance_prompt', value: 'true' });
		}
		parts.push(...(await readImageParts(ctx, itemIndex, family, fail)));
		return { parts, completion: readCompletion(ctx, itemIndex) };
	},

	async execute(
		run: RunContext,
		request: CreateRequest,
		itemIndex: number,
	): Promise<INodeExecutionData> {
		const job = await run.api.createVideo(request.parts, itemIndex);
		return await completeJob(run, job, request.completion, itemIndex);
	},
};
