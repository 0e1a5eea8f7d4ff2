import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { isJobId } from '../../helpers/job';
import { shorten } from '../../helpers/redact';

/** Reads the Video ID parameter, refusing what cannot be an id before any request. */
export function readVideoId(ctx: IExecuteFunctions, itemIndex: number): string {
	const id = String(ctx.getNodeParameter('videoId', itemIndex, '') ?? '').trim();
	if (!id) {
		throw new NodeOperationError(ctx.getNode(), 'Video ID: no ID given', {
			itemIndex,
			description: 'Map the "id" field of a Create output, e.g. {{ $json.id }}.',
		});
	}
	if (!isJobId(id)) {
		throw new NodeOperationError(ctx.getNode(), `Video ID: "${shorten(id, 60)}" is not a job ID`, {
			itemIndex,
			description:
				'A job ID looks like task_… (Veo) or video_… (Sora): letters, digits, "_" and "-", up to 200 characters.',
		});
	}
	return id;
}

const MAX_PROMPT_LENGTH = 32_000;

/** Reads the Prompt parameter: not empty, and within the API's 32,000 characters. */
export function readPrompt(ctx: IExecuteFunctions, itemIndex: number, hint: string): string {
	const prompt = String(ctx.getNodeParameter('prompt', itemIndex, '') ?? '').trim();
	if (!prompt) {
		throw new NodeOperationError(ctx.getNode(), 'Prompt: the prompt is empty', {
			itemIndex,
			description: hint,
		});
	}
	if (prompt.length > MAX_PROMPT_LENGTH) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Prompt: ${prompt.length} characters is over the limit of ${MAX_PROMPT_LENGTH}`,
			{ itemIndex, description: 'Shorten the prompt.' },
		);
	}
	return prompt;
}
