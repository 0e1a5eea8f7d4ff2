import type { INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { CONTENT_VARIANTS, type ContentVariant } from '../../transport';
import { binaryPropertyNameProperty, videoIdProperty } from '../descriptions';
import type { VideoOperation } from '../types';
import { readBinaryField, readVideoId } from './inputs';

const properties: INodeProperties[] = [
	videoIdProperty('The ID of a completed job'),
	{
		displayName: 'File',
		name: 'variant',
		type: 'options',
		default: 'video',
		options: [
			{ name: 'Video (MP4)', value: 'video' },
			{ name: 'Thumbnail', value: 'thumbnail', description: 'Only where the provider makes one' },
			{
				name: 'Spritesheet',
				value: 'spritesheet',
				description: 'Only where the provider makes one',
			},
		],
	},
	binaryPropertyNameProperty,
];

export const description = updateDisplayOptions({ show: { operation: ['download'] } }, properties);

export interface DownloadRequest {
	id: string;
	variant: ContentVariant;
	binaryPropertyName: string;
}

export const download: VideoOperation<DownloadRequest> = {
	description,

	async prepare(ctx, itemIndex) {
		const variant = ctx.getNodeParameter('variant', itemIndex, 'video') as string;
		if (!CONTENT_VARIANTS.includes(variant as ContentVariant)) {
			throw new NodeOperationError(
				ctx.getNode(),
				`File: "${variant}" is not a file CometAPI serves`,
				{
					itemIndex,
					description: `Use one of: ${CONTENT_VARIANTS.join(', ')}.`,
				},
			);
		}
		return {
			id: readVideoId(ctx, itemIndex),
			variant: variant as ContentVariant,
			binaryPropertyName: readBinaryField(ctx, itemIndex),
		};
	},

	async execute(run, request, itemIndex) {
		const file = await run.api.downloadContent(request.id, request.variant, itemIndex);
		return {
			json: {
				id: request.id,
				variant: request.variant,
				fileName: file.fileName,
				mimeType: file.mimeType,
				fileSize: file.fileSize,
			},
			binary: { [request.binaryPropertyName]: file },
			pairedItem: { item: itemIndex },
		};
	},
};
