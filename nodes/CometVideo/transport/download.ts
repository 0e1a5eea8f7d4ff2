/**
 * What a file route answered, and taking a downloaded file into n8n's binary data store, only a
 * whole one: a 200 whose first bytes are no document and whose type fits the variant (or,
 * untyped as storage hosts serve files, whose first bytes do), not left encoded, counted as it
 * streams in (never whole in memory in filesystem mode), capped, stopped when it stalls, and cut
 * at its announced length. What goes wrong is reported as facts (a `Fault`).
 */
import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';

import type { ContentVariant, Route } from './delivery';
import { settle } from '../helpers/settle';
import type { CallContext } from './errors';
import { networkCode, TooLarge, type FileAnswer, type FileBody } from './exchange';
import { ERRNOS, Fault, type FailureFacts } from './retry';

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

/**
 * What one route gave: the file; a 400 from the content route for a job not known to be finished
 * (explained once the slot is free); or the facts of an answer that says this route cannot serve
 * the job (a finished job's `/content` that hands over to the link).
 */
export type FileOutcome =
	{ file: IBinaryData } | { notReady: Fault } | { cannotServe: FailureFacts };

export interface FileRequest {
	route: Route;
	id: string;
	variant: ContentVariant;
	jobFinished: boolean;
}

/** The answer of one route: checked, then stored, or why not. */
export async function takeFile(
	ctx: IExecuteFunctions,
	answer: FileAnswer,
	file: FileRequest,
	call: CallContext,
	limits: DownloadLimits,
): Promise<FileOutcome> {
	const source = file.route === 'content' ? 'CometAPI' : 'the result link';
	if ('file' in answer) {
		return { file: await storeDownload(ctx, answer, { ...file, source }, call, limits) };
	}
	const { document } = answer;
	const status = document.status ?? 0;
	const contentType = document.contentType ?? '';
	if (file.route === 'content' && contentRouteCannotServe(status, contentType, file.jobFinished)) {
		return { cannotServe: document };
	}
	if (status < 300) {
		const detail = `${source} sent a ${contentType.slice(0, 80)} document, not the ${file.variant}`;
		throw new Fault({ kind: 'not-a-file', request: call.kind, status, detail });
	}
	const fault = new Fault(document);
	if (file.route === 'content' && status === 400) return { notReady: fault };
	throw fault;
}

/** A file answer, stored (the exchange releases its body if this fails). */
async function storeDownload(
	ctx: IExecuteFunctions,
	{ file: body, status, headers }: Extract<FileAnswer, { file: FileBody }>,
	file: FileRequest & { source: string },
	call: CallContext,
	limits: DownloadLimits,
): Promise<IBinaryData> {
	const type = CONTENT_TYPES[file.variant];
	const contentType = (headers.contentType ?? '').toLowerCase().split(';')[0].trim();
	const refuse = (detail: string) =>
		new Fault({ kind: 'not-a-file', request: call.kind, status, detail });
	if (status !== 200) {
		throw refuse(`${file.source} sent only part of the file (HTTP ${status})`);
	}
	const untyped = isUntyped(contentType);
	if (!untyped && !type.accepts.test(contentType)) {
		throw refuse(
			`${file.source} sent a ${contentType.slice(0, 80)} document, not the ${file.variant}`,
		);
	}
	// The client decodes gzip, deflate and br and drops the header: one still there was not decoded.
	const encoding = (headers.contentEncoding ?? 'identity').trim();
	if (!/^(identity)?$/i.test(encoding)) {
		throw refuse(`${file.source} sent the file encoded as ${encoding.slice(0, 40)}`);
	}
	const expectedBytes = Number(headers.contentLength ?? NaN);
	if (expectedBytes > limits.maxDownloadBytes) {
		throw new Fault({
			kind: 'too-large',
			request: call.kind,
			limit: limits.maxDownloadBytes,
			bytes: expectedBytes,
		});
	}
	// Counted from the first byte: the peek below reads through the meter too.
	const meter = meterDownload(body, limits.maxDownloadBytes, expectedBytes);
	let mimeType = /^(video|image)\/[\w.+-]+$/.test(contentType) ? contentType : type.mimeType;
	const { head, ended } = await peekBytes(body, SNIFF_BYTES, limits.requestTimeoutMs);
	if (ended !== 'read') {
		const detail =
			ended === 'late'
				? `the first bytes of the file did not arrive within ${Math.round(limits.requestTimeoutMs / 1000)} s`
				: 'the file broke off before its first bytes';
		throw new Fault({ kind: 'truncated', request: call.kind, detail });
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
	void watchProgress(body, meter, limits.requestTimeoutMs, finished.signal);
	const stored = await settle(
		async () =>
			await ctx.helpers.prepareBinaryData(
				body as unknown as BinaryInput,
				`${file.id}${type.suffix}`,
				mimeType,
			),
	);
	finished.abort();
	if (!stored.ok) {
		const sourceBroke = !!body.errored;
		throw new Fault(storeFacts(stored.error, sourceBroke, meter, call, expectedBytes, limits));
	}
	const binary = stored.value;
	const bytes = binary.bytes ?? meter.bytes;
	if (Number.isFinite(expectedBytes) && bytes < expectedBytes) {
		const detail = `the file broke off before ${expectedBytes} bytes (${bytes} received)`;
		throw new Fault({ kind: 'truncated', request: call.kind, detail });
	}
	// A length can lie (or be absent): an MP4 says itself where it ends.
	if (sniffType(head) === 'video/mp4' && !meter.boxes.endsWhole(bytes)) {
		const detail = `the MP4's boxes do not end where its ${bytes} bytes end: it was cut short, or is not whole`;
		throw new Fault({ kind: 'truncated', request: call.kind, detail });
	}
	return binary;
}

/** Why storing failed: the meter's verdict, a broken source, or n8n's own store. */
function storeFacts(
	error: unknown,
	sourceBroke: boolean,
	meter: DownloadMeter,
	call: CallContext,
	expectedBytes: number,
	limits: DownloadLimits,
): FailureFacts {
	const request = call.kind;
	const { stoppedBy } = meter;
	if (stoppedBy instanceof LongerThanAnnounced) {
		const detail = `more than the ${stoppedBy.limit} bytes announced arrived: not the file it said it was`;
		return { kind: 'not-a-file', request, detail };
	}
	if (stoppedBy instanceof TooLarge) {
		return { kind: 'too-large', request, limit: stoppedBy.limit, bytes: meter.bytes };
	}
	if (stoppedBy instanceof Stalled) {
		const detail = `the download was too slow: fewer than ${MIN_BYTES_PER_INTERVAL / 1024} kB arrived in ${Math.round(limits.requestTimeoutMs / 1000)} s`;
		return { kind: 'truncated', request, detail };
	}
	// Only a broken connection is worth downloading again; a failing store is not.
	if (sourceBroke || ERRNOS[networkCode(error) ?? '']?.brokeOff) {
		const expected = Number.isFinite(expectedBytes) ? `${expectedBytes} bytes` : 'its end';
		const detail = `the file broke off before ${expected} (${meter.bytes} received)`;
		return { kind: 'truncated', request, detail };
	}
	return { kind: 'storage', request, detail: (error as Error)?.message ?? String(error) };
}

/** A download that delivers less than this within a Request Timeout has stalled. */
export const MIN_BYTES_PER_INTERVAL = 64 * 1024;

/** A body that went on past the length its headers announced. */
export class LongerThanAnnounced extends TooLarge {}

export class Stalled extends Error {
	constructor() {
		super('the download stalled');
	}
}

/** What a download delivered so far, and why it was stopped, if it was. */
export interface DownloadMeter {
	bytes: number;
	stoppedBy?: TooLarge | Stalled;
	/** The file's top-level MP4 boxes, followed as the bytes pass. */
	boxes: Mp4Boxes;
	/** The watchdog's current timer, held here so it stays reachable while the body streams. */
	tick?: AbortSignal;
}

/**
 * Counts a download's bytes as they arrive and breaks it off past `maxBytes`. It sits on the
 * stream's own `push` (every chunk passes there once, whoever reads it and however), because a
 * pass-through stream would need the `stream` module, which community nodes may not import, and
 * a 'data' listener would start the flow before n8n's store is listening.
 */
export function meterDownload(
	body: FileBody,
	maxBytes: number,
	announcedBytes: number,
): DownloadMeter {
	const meter: DownloadMeter = { bytes: 0, boxes: new Mp4Boxes() };
	// A body is cut at the length it announced: one byte more already says it is not that file.
	const limit = announcedBytes < maxBytes ? announcedBytes : maxBytes;
	/** Counts a chunk; false once the body is over its limit (then it is broken off). */
	const count = (chunk: Buffer): boolean => {
		meter.boxes.feed(chunk);
		meter.bytes += chunk.length;
		if (meter.bytes <= limit) return true;
		meter.stoppedBy = limit < maxBytes ? new LongerThanAnnounced(limit) : new TooLarge(maxBytes);
		body.destroy(meter.stoppedBy);
		return false;
	};
	// What arrived with the headers is already in the stream's buffer: counted, and put back at
	// once (before the stream could end), so the reader still gets all of it.
	const buffered = body.readableLength ? body.read() : null;
	if (buffered !== null) {
		const chunk = Buffer.isBuffer(buffered) ? buffered : Buffer.from(buffered);
		body.unshift(chunk);
		if (!count(chunk)) return meter;
	}
	const push = body.push.bind(body);
	body.push = (chunk: unknown, encoding?: BufferEncoding) => {
		if (chunk && !meter.stoppedBy && !count(chunk as Buffer)) return false;
		return push(chunk, encoding);
	};
	return meter;
}

/**
 * An MP4's (ISO BMFF's) top-level boxes tile the file: each starts with its size (32 bits; 1
 * means a 64-bit size follows the type, 0 means "to the end"). Followed chunk by chunk, they say
 * whether the bytes that arrived end where a box ends, whatever length the headers announced.
 */
export class Mp4Boxes {
	/** Where the next box begins. */
	private next = 0;

	/** Bytes seen before the current chunk. */
	private seen = 0;

	/** The header of the box at `next`, as far as it has arrived. */
	private header: number[] = [];

	/** A box of size 0 runs to the end; an impossible size ends the walk (not an MP4 at all). */
	private open: 'boxes' | 'to-end' | 'not-boxes' = 'boxes';

	feed(chunk: Buffer): void {
		for (let i = 0; i < chunk.length && this.open === 'boxes';) {
			const position = this.seen + i;
			if (position < this.next) {
				i += Math.min(chunk.length - i, this.next - position);
				continue;
			}
			this.header.push(chunk[i]);
			i++;
			const head = Buffer.from(this.header);
			if (this.header.length === 8 && head.readUInt32BE(0) !== 1) this.close(head.readUInt32BE(0));
			else if (this.header.length === 16) this.close(Number(head.readBigUInt64BE(8)));
		}
		this.seen += chunk.length;
	}

	/** Whether `total` bytes end where the last box ends (or inside one that runs to the end). */
	endsWhole(total: number): boolean {
		if (this.open !== 'boxes') return this.open === 'to-end';
		return this.header.length === 0 && this.next === total;
	}

	private close(size: number): void {
		if (size === 0) this.open = 'to-end';
		else if (size < this.header.length) this.open = 'not-boxes';
		else this.next += size;
		this.header = [];
	}
}

/**
 * Breaks the download off with `Stalled` when fewer than MIN_BYTES_PER_INTERVAL arrive within
 * an interval, so a server that trickles cannot hold the execution forever. Stops when
 * `finished` aborts.
 */
export async function watchProgress(
	body: FileBody,
	meter: DownloadMeter,
	intervalMs: number,
	finished: AbortSignal,
): Promise<void> {
	const done = new Promise<void>((resolve) =>
		finished.addEventListener('abort', () => resolve(), { once: true }),
	);
	let seen = 0;
	for (;;) {
		// A timer that is not one of the global timers (community nodes may not use them), and
		// one that does not keep n8n's process alive.
		const tick = AbortSignal.timeout(intervalMs);
		meter.tick = tick;
		await Promise.race([
			done,
			new Promise<void>((resolve) =>
				tick.addEventListener('abort', () => resolve(), { once: true }),
			),
		]);
		if (finished.aborted) return;
		if (meter.bytes - seen < MIN_BYTES_PER_INTERVAL) {
			meter.stoppedBy = new Stalled();
			body.destroy(meter.stoppedBy);
			return;
		}
		seen = meter.bytes;
	}
}

const PEEK_EVENTS = ['readable', 'end', 'error', 'close'];

/**
 * A body's first bytes, and how the peek ended: `read` (the bytes, or all there was before the
 * body ended), `late` (nothing within the time given) or `broke` (the body failed first).
 */
export interface Peek {
	head: Buffer;
	ended: 'read' | 'late' | 'broke';
}

/**
 * Up to `count` first bytes of a stream, put back so whoever reads it next gets the whole body;
 * fewer when the stream ends or breaks, and `late` when `timeoutMs` passes first (a slow start,
 * worth another try, not a verdict on the file). Nothing more is read.
 */
export async function peekBytes(stream: FileBody, count: number, timeoutMs: number): Promise<Peek> {
	const none = (ended: Peek['ended']): Peek => ({ head: Buffer.alloc(0), ended });
	const due = AbortSignal.timeout(timeoutMs);
	while (!due.aborted && !stream.readableEnded && !stream.destroyed) {
		// `count` bytes once buffered, or what is left when the body ended.
		const chunk = stream.read(count);
		if (chunk !== null) {
			const head = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
			// At once, before the stream can emit 'end' (it takes nothing back after that).
			stream.unshift(head);
			return { head, ended: 'read' };
		}
		await new Promise<void>((resolve) => {
			const wake = () => {
				for (const event of PEEK_EVENTS) stream.removeListener(event, wake);
				due.removeEventListener('abort', wake);
				resolve();
			};
			for (const event of PEEK_EVENTS) stream.once(event, wake);
			due.addEventListener('abort', wake, { once: true });
		});
	}
	if (stream.readableEnded) return none('read');
	return none(stream.destroyed ? 'broke' : 'late');
}

/**
 * Statuses of a finished job's `/content` that mean this route cannot serve it (the model has no
 * proxied downloads), rather than a fault worth reporting: 400 is "not ready yet", 401 and 403
 * concern the key, 408 and 429 are retried.
 */
function cannotServeStatus(status: number, jobFinished: boolean): boolean {
	if (status === 501) return true;
	// For a job known to be finished, "not ready" cannot be what a 400 means.
	if (status === 400) return jobFinished;
	return status > 400 && status < 500 && ![401, 403, 408, 429].includes(status);
}

/** Whether the content route's answer says the job's file is not served there. */
export function contentRouteCannotServe(
	status: number,
	contentType: string,
	jobFinished: boolean,
): boolean {
	if (status >= 200 && status < 300) return /json/i.test(contentType);
	return cannotServeStatus(status, jobFinished);
}

/** An empty body, or one that begins like a web page or a JSON document, is no video or image. */
export function looksLikeDocument(head: Uint8Array): boolean {
	const text = Buffer.from(head).toString('latin1').trimStart();
	return text === '' || /^[<{[]/.test(text);
}

/** Types storage hosts put on files they do not type: the first bytes decide. */
const UNTYPED = new Set(['', 'application/octet-stream', 'binary/octet-stream']);

export function isUntyped(contentType: string): boolean {
	return UNTYPED.has(contentType);
}

/** How many first bytes `sniffType` needs. */
export const SNIFF_BYTES = 12;

const ascii = (bytes: Uint8Array, from: number, text: string) =>
	Buffer.from(bytes.subarray(from, from + text.length)).toString('latin1') === text;

/** What a file's first bytes show it to be, if it is one of the files CometAPI serves. */
export function sniffType(head: Uint8Array): string | undefined {
	if (ascii(head, 4, 'ftyp')) return 'video/mp4';
	if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WEBP')) return 'image/webp';
	if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
	if (ascii(head, 0, '\x89PNG\r\n\x1a\n')) return 'image/png';
	return undefined;
}

/** Whether a sniffed type is the variant asked for. */
export function fitsVariant(mimeType: string, variant: ContentVariant): boolean {
	return variant === 'video' ? mimeType === 'video/mp4' : mimeType.startsWith('image/');
}
