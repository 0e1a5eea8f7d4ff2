import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { checkImage, readImagePart, type ImageReference } from '../../helpers/images';
import {
	DEFAULT_MODEL,
	familyRuleBreach,
	MAX_REFERENCE_IMAGES,
	modelFamily,
	SORA_ID_PATTERN,
	SORA_SECONDS,
	VEO_SECONDS,
	type ModelFamily,
} from '../../helpers/models';
import type { MultipartPart } from '../../helpers/multipart';
import { completeJob, createOnce, readCompletion, type CompletionRequest } from '../completion';
import { completionProperties, promptProperty } from '../descriptions';
import type { RunContext, VideoOperation } from '../types';
import { readPrompt, readTextList } from './inputs';

// Size and duration follow the model's family, also for ids typed by hand: n8n tests the
// locator's value against the pattern.
const soraModel = [{ _cnd: { regex: SORA_ID_PATTERN } }];
const forSora = { show: { model: soraModel } };
const forVeo = { hide: { model: soraModel } };

const durationOptions = (seconds: string[]) =>
	seconds.map((value) => ({ name: `${value} s`, value }));

const properties: INodeProperties[] = [
	{
		displayName: 'Model',
		name: 'model',
		type: 'resourceLocator',
		default: { mode: 'list', value: DEFAULT_MODEL },
		required: true,
		description:
			'Veo (Google) or Sora (OpenAI) model. IDs starting with "sora" follow Sora\'s rules, all others Veo\'s.',
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: 'searchModels', searchable: true },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: 'e.g. veo3.1-pro',
			},
		],
	},
	promptProperty,
	{
		displayName: 'Size',
		name: 'size',
		type: 'options',
		default: '720x1280',
		description:
			'Width x height. The 1792 sizes need Sora 2 Pro. A reference image should match this size.',
		options: [
			{ name: '720x1280 (Portrait)', value: '720x1280' },
			{ name: '1280x720 (Landscape)', value: '1280x720' },
			{ name: '1024x1792 (Portrait, Sora 2 Pro)', value: '1024x1792' },
			{ name: '1792x1024 (Landscape, Sora 2 Pro)', value: '1792x1024' },
		],
		displayOptions: forSora,
	},
	{
		displayName: 'Duration (Seconds)',
		name: 'seconds',
		type: 'options',
		default: '4',
		options: durationOptions(SORA_SECONDS),
		displayOptions: forSora,
	},
	{
		displayName: 'Size',
		name: 'size',
		type: 'options',
		default: '',
		description:
			'Resolution or orientation. Which ones a Veo model takes varies; the default leaves it to the model.',
		options: [
			{ name: '1280x720 (Landscape 720p)', value: '1280x720' },
			{ name: '16x9 (Landscape, Older Models)', value: '16x9' },
			{ name: '1920x1080 (Landscape 1080p)', value: '1920x1080' },
			{ name: '3840x2160 (Landscape 4K)', value: '3840x2160' },
			{ name: '720x1280 (Portrait 720p)', value: '720x1280' },
			{ name: '9x16 (Portrait, Older Models)', value: '9x16' },
			{ name: 'Model Default', value: '' },
		],
		displayOptions: forVeo,
	},
	{
		displayName: 'Duration (Seconds)',
		name: 'seconds',
		type: 'options',
		default: '',
		description: 'Newer Veo models take 4, 6 or 8 s; older ones are fixed at 8 s',
		options: [{ name: 'Model Default', value: '' }, ...durationOptions(VEO_SECONDS)],
		displayOptions: forVeo,
	},
	{
		displayName: 'Enhance Prompt',
		name: 'enhancePrompt',
		type: 'boolean',
		default: false,
		description: 'Whether Veo may rewrite the prompt with more detail before rendering',
		displayOptions: forVeo,
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
	/** The form's text fields, in order. */
	fields: MultipartPart[];
	/** Checked now, read just before the create goes out, so memory holds only those in flight. */
	images: ImageReference[];
	completion: CompletionRequest;
}

type Fail = (message: string, description?: string) => NodeOperationError;

/** The Reference Images parameters of one item: URLs as text fields, or checked binary images. */
async function readReferences(
	ctx: IExecuteFunctions,
	itemIndex: number,
	family: ModelFamily,
	fail: Fail,
): Promise<{ urls: string[]; images: ImageReference[] }> {
	const source = ctx.getNodeParameter('referenceImages', itemIndex, 'none') as string;
	if (source === 'none') return { urls: [], images: [] };
	if (source !== 'binary' && source !== 'url') {
		throw fail(`Reference Images: "${source}" is not a choice`, 'Use none, binary or url.');
	}
	const limit = MAX_REFERENCE_IMAGES[family];
	const checkCount = (count: number) => {
		if (count === 0) {
			throw fail(
				'Reference Images: no image given',
				'Name at least one image, or set Reference Images to None.',
			);
		}
		if (count > limit) {
			throw fail(
				`Reference Images: ${family === 'sora' ? 'Sora' : 'Veo'} models take at most ${limit} image${limit > 1 ? 's' : ''}, but ${count} were given`,
				family === 'veo'
					? 'Veo takes a first frame, or a first and a last frame.'
					: 'Sora takes one image, the first frame.',
			);
		}
	};

	if (source === 'url') {
		const urls = readTextList(ctx, itemIndex, 'imageUrls', 'Image URLs', /\s+|,(?=\s*https?:)/);
		checkCount(urls.length);
		if (family === 'sora') {
			throw fail(
				'Image URLs: Sora models take the reference image as a file, not a URL',
				'Fetch the image first (for example with an HTTP Request node) and use "From Binary Fields".',
			);
		}
		for (const url of urls) {
			if (!/^https?:\/\/[^\s]+$/i.test(url)) {
				throw fail(`Image URLs: "${url.slice(0, 200)}" is not an http(s) URL`);
			}
		}
		return { urls, images: [] };
	}

	const fields = readTextList(
		ctx,
		itemIndex,
		'imageBinaryProperties',
		'Binary Fields',
		/,/,
		'data',
	);
	checkCount(fields.length);
	const images: ImageReference[] = [];
	for (const field of fields) {
		const checked = await checkImage(ctx, itemIndex, field);
		if ('problem' in checked) throw fail(`Binary Fields: ${checked.problem}`, checked.hint);
		images.push(checked);
	}
	return { urls: [], images };
}

export const create: VideoOperation<CreateRequest> = {
	description,

	async prepare(ctx, itemIndex) {
		const fail: Fail = (message, details) =>
			new NodeOperationError(ctx.getNode(), message, { itemIndex, description: details });

		const model = String(
			ctx.getNodeParameter('model', itemIndex, '', { extractValue: true }) ?? '',
		).trim();
		if (!model) throw fail('Model: choose a model from the list, or enter its ID');
		const family = modelFamily(model);
		const prompt = readPrompt(ctx, itemIndex, 'Describe the video to generate.');
		const size = String(ctx.getNodeParameter('size', itemIndex, '') ?? '').trim();
		const seconds = String(ctx.getNodeParameter('seconds', itemIndex, '') ?? '').trim();
		const breach = familyRuleBreach(model, size, seconds);
		if (breach) throw fail(`${breach.field}: ${breach.problem}`, breach.hint);

		const field = (name: string, value: string): MultipartPart => ({ field: name, value });
		const fields = [field('model', model), field('prompt', prompt)];
		if (size) fields.push(field('size', size));
		if (seconds) fields.push(field('seconds', seconds));
		if (family === 'veo' && ctx.getNodeParameter('enhancePrompt', itemIndex, false)) {
			fields.push(field('enhance_prompt', 'true'));
		}
		const { urls, images } = await readReferences(ctx, itemIndex, family, fail);
		fields.push(...urls.map((url) => field('input_reference', url)));
		return { fields, images, completion: readCompletion(ctx, itemIndex) };
	},

	async execute(
		run: RunContext,
		request: CreateRequest,
		itemIndex: number,
	): Promise<INodeExecutionData> {
		const { job, serverDelayMs } = await createOnce(
			run,
			itemIndex,
			async () =>
				await run.api.createVideo(
					async () => [
						...request.fields,
						...(await Promise.all(
							request.images.map(async (image) => await readImagePart(run.ctx, itemIndex, image)),
						)),
					],
					itemIndex,
				),
		);
		return await completeJob(run, job, request.completion, itemIndex, serverDelayMs);
	},
};
