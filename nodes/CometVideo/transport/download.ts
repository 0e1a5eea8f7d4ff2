/**
 * Taking a downloaded file into n8n's binary data store, and only a whole one: a 200 whose type
 * fits the variant, counted as it streams in (never whole in memory in filesystem mode), capped,
 * stopped when it stalls, and compared with its announced length.
 */
import type { IBinaryData, IExecuteFunctions, IN8nHttpFullResponse } from 'n8n-workflow';

import { discard, isUndecoded, meterDownload, watchProgress } from './body';
import type { CallContext } from './errors';
import type { Failures } from './failures';
import { headerValue } from './retry';

export type ContentVariant = 'video' | 'thumbnail' | 'spritesheet';

export const CONTENT_VARIANTS: ContentVariant[] = ['video', 'thumbnail', 'spritesheet'];

const CONTENT_TYPES: Record<ContentVariant, { mimeType: string; suffix: string; accepts: RegExp }> =
	{
		video: {
			mimeType: 'video/mp4',
			suffix: '.mp4',
			accepts: /^(video\/|application\/octet-stream)/,
		},
		thumbnail: {
			mimeType: 'image/webp',
			suffix: '-thumbnail.webp',
			accepts: /^(image\/|application\/octet-stream)/,
		},
		spritesheet: {
			mimeType: 'image/jpeg',
			suffix: '-spritesheet.jpg',
			accepts: /^(image\/|application\/octet-stream)/,
		},
	};

type BinaryInput = Parameters<IExecuteFunctions['helpers']['prepareBinaryData']>[0];

export interface DownloadLimits {
	maxDownloadBytes: number;
	/** The longest a download may go without MIN_BYTES_PER_INTERVAL arriving. */
	requestTimeoutMs: number;
}

export async function storeDownload(
	ctx: IExecuteFunctions,
	response: IN8nHttpFullResponse,
	file: { id: string; variant: ContentVariant },
	call: CallContext,
	limits: DownloadLimits,
	failures: Failures,
): Promise<IBinaryData> {
	const type = CONTENT_TYPES[file.variant];
	const contentType = (headerValue(response.headers, 'content-type') ?? '')
		.toLowerCase()
		.split(';')[0]
		.trim();
	const refuse = (what: string) => {
		discard(response.body);
		return failures.notAFile(call, what, response.statusCode);
	};
	if (response.statusCode !== 200) {
		throw refuse(`CometAPI sent only part of the file (HTTP ${response.statusCode})`);
	}
	if (!type.accepts.test(contentType)) {
		const what = contentType
			? `a ${contentType.slice(0, 80)} document`
			: 'an answer without a type';
		throw refuse(`CometAPI sent ${what}, not the ${file.variant}`);
	}
	if (!isUndecoded(response.body)) {
		throw refuse(
			'CometAPI sent the file compressed although asked not to, so it cannot be checked for completeness',
		);
	}
	const expectedBytes = Number(headerValue(response.headers, 'content-length') ?? NaN);
	if (expectedBytes > limits.maxDownloadBytes) {
		discard(response.body);
		throw failures.tooLarge(call, expectedBytes);
	}
	const mimeType = /^(video|image)\/[\w.+-]+$/.test(contentType) ? contentType : type.mimeType;
	const meter = meterDownload(response.body, limits.maxDownloadBytes);
	const finished = new AbortController();
	void watchProgress(response.body, meter, limits.requestTimeoutMs, finished.signal);
	let binary: IBinaryData;
	try {
		binary = await ctx.helpers.prepareBinaryData(
			response.body as BinaryInput,
			`${file.id}${type.suffix}`,
			mimeType,
		);
	} catch (error) {
		const sourceBroke = !!(response.body as { errored?: unknown }).errored;
		throw failures.store(error, sourceBroke, meter, call, expectedBytes);
	} finally {
		finished.abort();
	}
	const stored = binary.bytes ?? meter.bytes;
	if (Number.isFinite(expectedBytes) && stored < expectedBytes) {
		throw failures.truncated(
			call,
			`the file broke off before ${expectedBytes} bytes (${stored} received)`,
		);
	}
	if (Number.isFinite(expectedBytes) && stored > expectedBytes) {
		// More than announced: a body encoded although we asked for none, or not the file.
		throw failures.notAFile(call, `${stored} bytes arrived where ${expectedBytes} were announced`);
	}
	return binary;
}
