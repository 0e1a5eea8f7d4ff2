/**
 * Taking a downloaded file into n8n's binary data store, and only a whole one: a 200 whose type
 * fits the variant (or, untyped as storage hosts serve files, whose first bytes do), counted as it
 * streams in (never whole in memory in filesystem mode), capped, stopped when it stalls, and
 * compared with its announced length.
 */
import type { IBinaryData, IExecuteFunctions, IN8nHttpFullResponse } from 'n8n-workflow';

import { discard, meterDownload, peekBytes, watchProgress } from './body';
import {
	fitsVariant,
	isUntyped,
	looksLikeDocument,
	sniffType,
	SNIFF_BYTES,
	type ContentVariant,
} from './delivery';
import type { CallContext, Failures } from './errors';
import { headerValue } from './retry';

export type { ContentVariant } from './delivery';

export const CONTENT_VARIANTS: ContentVariant[] = ['video', 'thumbnail', 'spritesheet'];

const CONTENT_TYPES: Record<ContentVariant, { mimeType: string; suffix: string; accepts: RegExp }> =
	{
		video: { mimeType: 'video/mp4', suffix: '.mp4', accepts: /^video\// },
		thumbnail: { mimeType: 'image/webp', suffix: '-thumbnail.webp', accepts: /^image\// },
		spritesheet: { mimeType: 'image/jpeg', suffix: '-spritesheet.jpg', accepts: /^image\// },
	};

type BinaryInput = Parameters<IExecuteFunctions['helpers']['prepareBinaryData']>[0];

export interface DownloadLimits {
	maxDownloadBytes: number;
	/** The longest a download may go without MIN_BYTES_PER_INTERVAL arriving. */
	requestTimeoutMs: number;
}

/** `file.source` names who sent it, for messages: "CometAPI", "the result link". */
export async function storeDownload(
	ctx: IExecuteFunctions,
	response: IN8nHttpFullResponse,
	file: { id: string; variant: ContentVariant; source: string },
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
		throw refuse(`${file.source} sent only part of the file (HTTP ${response.statusCode})`);
	}
	const untyped = isUntyped(contentType);
	if (!untyped && !type.accepts.test(contentType)) {
		throw refuse(
			`${file.source} sent a ${contentType.slice(0, 80)} document, not the ${file.variant}`,
		);
	}
	// The client decodes gzip, deflate and br and drops the header: one still there was not decoded.
	const encoding = (headerValue(response.headers, 'content-encoding') ?? 'identity').trim();
	if (!/^(identity)?$/i.test(encoding)) {
		throw refuse(`${file.source} sent the file encoded as ${encoding.slice(0, 40)}`);
	}
	const expectedBytes = Number(headerValue(response.headers, 'content-length') ?? NaN);
	if (expectedBytes > limits.maxDownloadBytes) {
		discard(response.body);
		throw failures.tooLarge(call, expectedBytes);
	}
	// Counted from the first byte: the peek below reads through the meter too.
	const meter = meterDownload(response.body, limits.maxDownloadBytes, expectedBytes);
	let mimeType = /^(video|image)\/[\w.+-]+$/.test(contentType) ? contentType : type.mimeType;
	const { head, ended } = await peekBytes(response.body, SNIFF_BYTES, limits.requestTimeoutMs);
	if (ended !== 'read') {
		discard(response.body);
		throw failures.truncated(
			call,
			ended === 'late'
				? `the first bytes of the file did not arrive within ${Math.round(limits.requestTimeoutMs / 1000)} s`
				: 'the file broke off before its first bytes',
		);
	}
	const typeNote = contentType ? `an answer typed ${contentType}` : 'an answer without a type';
	if (looksLikeDocument(head)) {
		throw refuse(
			`${file.source} sent ${typeNote} that is ${head.length === 0 ? 'empty' : 'a document'}, not the ${file.variant}`,
		);
	}
	if (untyped) {
		const sniffed = sniffType(head);
		if (!sniffed || !fitsVariant(sniffed, file.variant)) {
			throw refuse(`${file.source} sent ${typeNote} whose first bytes are not the ${file.variant}`);
		}
		mimeType = sniffed;
	}
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
		// More than announced: a body compressed although we asked for none (the HTTP client
		// decodes it on its own), or not the file.
		throw failures.notAFile(call, `${stored} bytes arrived where ${expectedBytes} were announced`);
	}
	return binary;
}
