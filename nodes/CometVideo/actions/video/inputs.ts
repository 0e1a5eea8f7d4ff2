import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { isJobId } from '../../helpers/job';
import { isRouteKey, ROUTE_KEYS } from '../../helpers/routes';
import type { JobRef } from '../../transport';
import { shorten } from '../../helpers/redact';

/** What an expression gave, in words, for an error that names the field. */
function kindOf(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'a list';
	return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * A text parameter: a string, or a number where `numbers` says a number is natural. Anything
 * else (an object, a list, a boolean) is refused naming the field, before any request: sent
 * on, it would become "[object Object]".
 */
export function readText(
	ctx: IExecuteFunctions,
	itemIndex: number,
	parameter: string,
	field: string,
	{ fallback = '', numbers = false, extractValue = false } = {},
): string {
	// extractValue: a resource locator's value, not its { mode, value } object.
	const value: unknown = ctx.getNodeParameter(parameter, itemIndex, fallback, { extractValue });
	if (value === undefined || value === null) return '';
	if (typeof value === 'string') return value.trim();
	if (numbers && typeof value === 'number' && Number.isFinite(value)) return String(value);
	throw new NodeOperationError(
		ctx.getNode(),
		`${field}: the expression gave ${kindOf(value)}, not text`,
		{
			itemIndex,
			description: `Make ${field} a text value, e.g. {{ $json.field }} of a text field.`,
		},
	);
}

/**
 * A list parameter: a text split at `separator`, or a list (an expression's array) of texts.
 * Empty entries are dropped.
 */
export function readTextList(
	ctx: IExecuteFunctions,
	itemIndex: number,
	parameter: string,
	field: string,
	separator: RegExp,
	fallback = '',
): string[] {
	const value: unknown = ctx.getNodeParameter(parameter, itemIndex, fallback);
	const entries = Array.isArray(value) ? (value as unknown[]) : [value ?? ''];
	return entries
		.flatMap((entry) => {
			if (typeof entry !== 'string') {
				throw new NodeOperationError(
					ctx.getNode(),
					`${field}: the expression gave ${kindOf(entry)} where a text or a list of texts belongs`,
					{
						itemIndex,
						description: 'Give a text (entries separated as the hint says), or a list of texts.',
					},
				);
			}
			return entry.split(separator);
		})
		.map((entry) => entry.trim())
		.filter((entry) => entry !== '');
}

/** Reads the Video ID parameter, refusing what cannot be an id before any request. */
export function readVideoId(ctx: IExecuteFunctions, itemIndex: number): string {
	const id = readText(ctx, itemIndex, 'videoId', 'Video ID', { numbers: true });
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
				'A job ID looks like task_… (Veo), a number (Kling) or a UUID (xAI, Runway): letters, digits, "_" and "-", up to 200 characters.',
		});
	}
	return id;
}

/** The job Retrieve and Download act on: its id and, from Job Route, the route it lives on. */
export function readJobRef(ctx: IExecuteFunctions, itemIndex: number): JobRef {
	const id = readVideoId(ctx, itemIndex);
	const route =
		readText(ctx, itemIndex, 'jobRoute', 'Job Route', { fallback: 'videos' }) || 'videos';
	if (!isRouteKey(route)) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Job Route: "${shorten(route, 60)}" is not a route the node knows`,
			{
				itemIndex,
				description: `Map the "route" field of a Create output ({{ $json.route }}), or use one of: ${ROUTE_KEYS.join(', ')}.`,
			},
		);
	}
	return { id, route };
}

/** Reads the name of the binary field the file goes to. */
export function readBinaryField(ctx: IExecuteFunctions, itemIndex: number): string {
	const field = readText(ctx, itemIndex, 'binaryPropertyName', 'Put Output File in Field', {
		fallback: 'data',
	});
	if (!field) {
		throw new NodeOperationError(ctx.getNode(), 'Put Output File in Field: no field name given', {
			itemIndex,
			description: 'Name the binary field the file goes to, e.g. data.',
		});
	}
	return field;
}

const MAX_PROMPT_LENGTH = 32_000;
const MAX_URL_LENGTH = 2048;

/** A URL a person gave (a callback, an image): http(s), whole, of a sane length. */
export function readUrl(
	text: string,
	field: string,
	fail: (message: string, description?: string) => Error,
): string {
	let url: URL | undefined;
	try {
		url = new URL(text);
	} catch {
		url = undefined;
	}
	if (!url || !/^https?:$/.test(url.protocol) || text.length > MAX_URL_LENGTH) {
		throw fail(
			`${field}: "${shorten(text, 60)}" is not an http or https URL`,
			`Give a full URL of at most ${MAX_URL_LENGTH} characters, e.g. https://example.com/….`,
		);
	}
	return text;
}

/**
 * Reads the Prompt parameter: text, not empty, and within `limit` characters (the API's 32,000,
 * or less where the model's route documents less), counted as Unicode code points (an emoji is
 * one character, not the two UTF-16 units of `length`).
 */
export function readPrompt(
	ctx: IExecuteFunctions,
	itemIndex: number,
	hint: string,
	limit = MAX_PROMPT_LENGTH,
): string {
	const prompt = readText(ctx, itemIndex, 'prompt', 'Prompt');
	if (!prompt) {
		throw new NodeOperationError(ctx.getNode(), 'Prompt: the prompt is empty', {
			itemIndex,
			description: hint,
		});
	}
	// No text of at most `limit` UTF-16 units has more code points than that.
	const characters = prompt.length > limit ? [...prompt].length : prompt.length;
	if (characters > limit) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Prompt: ${characters} characters (Unicode code points) is over the limit of ${limit}${limit < MAX_PROMPT_LENGTH ? " this model's route documents" : ''}`,
			{ itemIndex, description: 'Shorten the prompt.' },
		);
	}
	return prompt;
}
