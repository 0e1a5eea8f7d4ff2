/**
 * Reading what a server sends, with bounds: API answers are read up to a size limit, downloads
 * are counted on their way into n8n's store, capped, and stopped when they stall.
 */
/** Job objects are a few hundred bytes; a megabyte is room for any honest answer. */
export const API_ANSWER_LIMIT = 1024 * 1024;
/** A download that delivers less than this within a Request Timeout has stalled. */
export const MIN_BYTES_PER_INTERVAL = 64 * 1024;

export class TooLarge extends Error {
	constructor(readonly limit: number) {
		super(`more than ${limit} bytes`);
	}
}

/** A body that went on past the length its headers announced. */
export class LongerThanAnnounced extends TooLarge {}

export class Stalled extends Error {
	constructor() {
		super('the download stalled');
	}
}

/** The parts of a Node readable stream used here (community nodes may not import `stream`). */
interface BodyStream extends AsyncIterable<Buffer> {
	push(chunk: unknown, encoding?: BufferEncoding): boolean;
	destroy(error?: Error): unknown;
}

function isStream(body: unknown): body is BodyStream {
	return !!body && typeof (body as BodyStream)[Symbol.asyncIterator] === 'function';
}

/** Destroys `body` when `signal` aborts: once a response has begun, aborting the request alone does not end it. */
export function endWith(body: unknown, signal: AbortSignal): void {
	if (!isStream(body)) return;
	if (signal.aborted) body.destroy();
	else signal.addEventListener('abort', () => body.destroy(), { once: true });
}

/**
 * `pending`, unless `signal` aborts first: then the abort's reason is thrown at once, and an
 * answer that still comes has its body discarded. n8n's HTTP helpers put the execution's cancel
 * signal in place of the request's own, so a deadline has to be enforced around the call.
 */
export async function unlessAborted<T extends { body?: unknown }>(
	pending: Promise<T>,
	signal: AbortSignal,
): Promise<T> {
	const discardLate = () =>
		void pending.then(
			(late) => discard(late.body),
			() => undefined,
		);
	let leave = () => undefined as void;
	const aborted = new Promise<never>((_, reject) => {
		leave = () => reject(signal.reason);
		if (signal.aborted) leave();
		else signal.addEventListener('abort', leave, { once: true });
	});
	try {
		return await Promise.race([pending, aborted]);
	} finally {
		signal.removeEventListener('abort', leave);
		if (signal.aborted) discardLate();
	}
}

/** Discards a body nobody will read, so its connection is freed. */
export function discard(body: unknown): void {
	if (isStream(body)) body.destroy();
}

/** The body as text, or `TooLarge` once it passes `limit` bytes (reading stops there). */
export async function readCapped(body: unknown, limit: number): Promise<string> {
	if (typeof body === 'string') {
		if (Buffer.byteLength(body) > limit) throw new TooLarge(limit);
		return body;
	}
	if (Buffer.isBuffer(body)) {
		if (body.length > limit) throw new TooLarge(limit);
		return body.toString('utf8');
	}
	if (!isStream(body)) return '';
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of body) {
		size += (chunk as Buffer).length;
		if (size > limit) {
			body.destroy();
			throw new TooLarge(limit);
		}
		chunks.push(chunk as Buffer);
	}
	return Buffer.concat(chunks).toString('utf8');
}

/**
 * An error body: what it says, read within `deadlineMs` like any API answer, so a host that
 * sends headers and then drips (or nothing) cannot hold the execution or its request slot.
 * Empty when it breaks off, overflows or runs late: the status alone then tells the story.
 */
export async function readErrorText(body: unknown, deadlineMs: number): Promise<string> {
	const deadline = AbortSignal.timeout(deadlineMs);
	const stop = () => discard(body);
	deadline.addEventListener('abort', stop, { once: true });
	try {
		return await readCapped(body, API_ANSWER_LIMIT);
	} catch {
		discard(body);
		return '';
	} finally {
		deadline.removeEventListener('abort', stop);
	}
}

/** What a download delivered so far, and why it was stopped, if it was. */
export interface DownloadMeter {
	bytes: number;
	stoppedBy?: TooLarge | Stalled;
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
	body: unknown,
	maxBytes: number,
	announcedBytes: number,
): DownloadMeter {
	const meter: DownloadMeter = { bytes: 0 };
	if (!isStream(body)) return meter;
	// A body is cut at the length it announced: one byte more already says it is not that file.
	const limit = announcedBytes < maxBytes ? announcedBytes : maxBytes;
	const push = body.push.bind(body);
	body.push = (chunk: unknown, encoding?: BufferEncoding) => {
		if (chunk && !meter.stoppedBy) {
			meter.bytes += (chunk as Buffer).length;
			if (meter.bytes > limit) {
				meter.stoppedBy =
					limit < maxBytes ? new LongerThanAnnounced(limit) : new TooLarge(maxBytes);
				body.destroy(meter.stoppedBy);
				return false;
			}
		}
		return push(chunk, encoding);
	};
	return meter;
}

/**
 * Breaks the download off with `Stalled` when fewer than MIN_BYTES_PER_INTERVAL arrive within
 * an interval, so a server that trickles cannot hold the execution forever. Stops when
 * `finished` aborts.
 */
export async function watchProgress(
	body: unknown,
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
			if (isStream(body)) body.destroy(meter.stoppedBy);
			return;
		}
		seen = meter.bytes;
	}
}

/** The parts of a readable stream a peek uses: its buffer, and the events that fill it. */
interface PeekableStream {
	read(size: number): Buffer | string | null;
	unshift(chunk: Buffer): void;
	once(event: string, listener: () => void): unknown;
	removeListener(event: string, listener: () => void): unknown;
	readableEnded?: boolean;
	destroyed?: boolean;
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
export async function peekBytes(body: unknown, count: number, timeoutMs: number): Promise<Peek> {
	const stream = body as PeekableStream;
	const none = (ended: Peek['ended']): Peek => ({ head: Buffer.alloc(0), ended });
	if (!isStream(body) || typeof stream.unshift !== 'function') return none('read');
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
