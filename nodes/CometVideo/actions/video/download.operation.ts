import type { INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { ROUTES } from '../../helpers/routes';
import {
	CONTENT_VARIANTS,
	type ContentVariant,
	type DownloadFrom,
	type JobRef,
} from '../../transport';
import { binaryPropertyNameProperty, jobRouteProperty, videoIdProperty } from '../descriptions';
import { readDownloadFrom } from '../options';
import type { VideoOperation } from '../types';
import { readBinaryField, readJobRef } from './inputs';

const properties: INodeProperties[] = [
	videoIdProperty('The ID of a completed job'),
	jobRouteProperty,
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
	job: JobRef;
	variant: ContentVariant;
	downloadFrom: DownloadFrom;
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
		const downloadFrom = readDownloadFrom(ctx);
		const job = readJobRef(ctx, itemIndex);
		const route = ROUTES[job.route];
		if (!route.contentRoute && (variant !== 'video' || downloadFrom === 'content')) {
			throw new NodeOperationError(
				ctx.getNode(),
				`${variant === 'video' ? 'Download From' : 'File'}: jobs of ${route.label} have no content route, only their result link (the video)`,
				{
					itemIndex,
					description:
						'Download the video, with "Download From" (in Options) on Automatic or Result Link.',
				},
			);
		}
		if (downloadFrom === 'link' && variant !== 'video') {
			throw new NodeOperationError(
				ctx.getNode(),
				`File: a result link is the video only, so the ${variant} cannot come from it`,
				{
					itemIndex,
					description: 'Set "Download From" (in Options) to Automatic or Content Route.',
				},
			);
		}
		return {
			job,
			variant: variant as ContentVariant,
			downloadFrom,
			binaryPropertyName: readBinaryField(ctx, itemIndex),
		};
	},

	async execute(run, request, itemIndex) {
		// The route depends on the job (its model, its link) unless it is the content route.
		const needsJob = request.downloadFrom !== 'content' && request.variant === 'video';
		const job = needsJob ? await run.api.finishedJob(request.job, itemIndex) : request.job;
		const file = await run.api.downloadContent(
			job,
			request.variant,
			request.downloadFrom,
			itemIndex,
		);
		return {
			json: {
				id: request.job.id,
				route: request.job.route,
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
