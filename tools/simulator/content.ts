/**
 * Deterministic file bodies served by the simulator's content route.
 *
 * A "source" is `{ size, contentType, extension, chunks(start, end) }` where `chunks` yields Buffers
 * covering the inclusive byte range [start, end].
 *
 * Unless a size is asked for, every job's video is the committed fixture fixtures/test-pattern.mp4:
 * a real H.264 clip (4 s, 640x360, 250 kB) that browsers and n8n's binary viewer play. It was made
 * once with Debian's ffmpeg:
 *   ffmpeg -f lavfi -i testsrc2=size=640x360:rate=24:duration=4 -c:v libx264 -profile:v main
 *          -pix_fmt yuv420p -preset slow -b:v 500k -movflags +faststart test-pattern.mp4
 *
 * A video of a given size (large files, truncation, the benchmark) is generated, never
 * materialised: every byte at position p is either part of a small MP4 header (p < header.length)
 * or `block[p % BLOCK]`, where `block` is 64 KiB derived from the job id. Chunks are zero-copy views
 * into a pre-built run of repeated blocks, which is what lets one core stream a 1 GB file at more
 * than 1 GB/s.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A file the content route can serve: its size, type and bytes, produced in chunks on demand. */
export interface Source {
	size: number;
	contentType: string;
	extension: string;
	/** Buffers covering the inclusive byte range [start, end]. */
	chunks(start: number, end: number): Generator<Buffer>;
}

export type Variant = 'video' | 'thumbnail' | 'spritesheet';

/** A satisfiable single range (inclusive bounds), or the mark of one that is not. */
export type ByteRange = { start: number; end: number } | { unsatisfiable: true };

const BLOCK = 64 * 1024;
const CHUNK = 1024 * 1024;
const PATTERN_CACHE_MAX = 16;
// Above this size videoBuffer() refuses: tests comparing huge files must use videoSha256().
const MAX_BUFFER_BYTES = 64 * 1024 * 1024;

// id -> Buffer of CHUNK + BLOCK bytes (the id's block repeated), so any CHUNK-long window that
// starts at an offset inside the first block is one subarray. Insertion-ordered for eviction.
const patternCache = new Map<string, Buffer>();

function blockFor(seed: string): Buffer {
	return crypto.createHash('shake256', { outputLength: BLOCK }).update(seed).digest();
}

function patternFor(id: string): Buffer {
	let pattern = patternCache.get(id);
	if (!pattern) {
		const block = blockFor(`video:${id}`);
		pattern = Buffer.allocUnsafe(CHUNK + BLOCK);
		for (let offset = 0; offset < pattern.length; offset += BLOCK) block.copy(pattern, offset);
		const oldest = patternCache.keys().next();
		if (patternCache.size >= PATTERN_CACHE_MAX && !oldest.done) patternCache.delete(oldest.value);
		patternCache.set(id, pattern);
	}
	return pattern;
}

/**
 * An `ftyp` box followed by the header of an `mdat` box spanning the rest of the file, so sniffers
 * (and `file`) recognise an MP4. Files over 4 GiB use the 64-bit `largesize` form.
 */
function mp4Header(size: number): Buffer {
	const ftyp = Buffer.alloc(32);
	ftyp.writeUInt32BE(32, 0);
	ftyp.write('ftypisom', 4, 'latin1');
	ftyp.writeUInt32BE(0x200, 12);
	ftyp.write('isomiso2avc1mp41', 16, 'latin1');
	const rest = Math.max(0, size - ftyp.length);
	let mdat: Buffer;
	if (rest <= 0xffffffff) {
		mdat = Buffer.alloc(8);
		mdat.writeUInt32BE(rest, 0);
	} else {
		mdat = Buffer.alloc(16);
		mdat.writeUInt32BE(1, 0);
		mdat.writeBigUInt64BE(BigInt(rest), 8);
	}
	mdat.write('mdat', 4, 'latin1');
	return Buffer.concat([ftyp, mdat]).subarray(0, size);
}

function videoSource(id: string, size: number): Source {
	return {
		size,
		contentType: 'video/mp4',
		extension: 'mp4',
		*chunks(start: number, end: number) {
			const header = mp4Header(size);
			const pattern = patternFor(id);
			let position = start;
			while (position <= end) {
				if (position < header.length) {
					const stop = Math.min(header.length, end + 1);
					yield header.subarray(position, stop);
					position = stop;
					continue;
				}
				const offset = position % BLOCK;
				const length = Math.min(CHUNK, end + 1 - position);
				yield pattern.subarray(offset, offset + length);
				position += length;
			}
		},
	};
}

function bufferSource(buffer: Buffer, contentType: string, extension: string): Source {
	return {
		size: buffer.length,
		contentType,
		extension,
		*chunks(start: number, end: number) {
			if (end >= start) yield buffer.subarray(start, end + 1);
		},
	};
}

/** A small RIFF/WEBP-looking image (not decodable, only plausible to sniffers). */
function thumbnailSource(id: string): Source {
	const payload = blockFor(`thumbnail:${id}`).subarray(0, 2048);
	const header = Buffer.alloc(20);
	header.write('RIFF', 0, 'latin1');
	header.writeUInt32LE(12 + payload.length, 4);
	header.write('WEBPVP8 ', 8, 'latin1');
	header.writeUInt32LE(payload.length, 16);
	return bufferSource(Buffer.concat([header, payload]), 'image/webp', 'webp');
}

/** A small JPEG-looking image: SOI + JFIF APP0 segment, filler, EOI. */
function spritesheetSource(id: string): Source {
	const soi = Buffer.from('ffd8ffe000104a46494600010100000100010000', 'hex');
	const filler = blockFor(`spritesheet:${id}`).subarray(0, 8192);
	return bufferSource(
		Buffer.concat([soi, filler, Buffer.from('ffd9', 'hex')]),
		'image/jpeg',
		'jpg',
	);
}

const FIXTURE = path.join(__dirname, 'fixtures', 'test-pattern.mp4');
let fixture: Buffer | undefined;

/** The playable MP4 fixture, read once. */
function fixtureSource(): Source {
	fixture ??= fs.readFileSync(FIXTURE);
	return bufferSource(fixture, 'video/mp4', 'mp4');
}

/** A job's file per variant; `videoBytes` undefined means the real MP4 fixture. */
export const VARIANTS: Record<Variant, (id: string, videoBytes: number | undefined) => Source> = {
	video: (id, videoBytes) =>
		videoBytes === undefined ? fixtureSource() : videoSource(id, videoBytes),
	thumbnail: thumbnailSource,
	spritesheet: spritesheetSource,
};

export function isVariant(name: string): name is Variant {
	return Object.hasOwn(VARIANTS, name);
}

export function sha256OfSource(source: Source): string {
	const hash = crypto.createHash('sha256');
	if (source.size > 0) for (const chunk of source.chunks(0, source.size - 1)) hash.update(chunk);
	return hash.digest('hex');
}

export function bufferOfSource(source: Source): Buffer {
	if (source.size > MAX_BUFFER_BYTES) {
		throw new Error(
			`File is ${source.size} bytes; use videoSha256() for files over ${MAX_BUFFER_BYTES} bytes`,
		);
	}
	return source.size > 0 ? Buffer.concat([...source.chunks(0, source.size - 1)]) : Buffer.alloc(0);
}

/**
 * Parses a `Range` header against a file size. Returns `null` when the whole file should be sent
 * (no header, a syntax we ignore such as multiple ranges), `{ start, end }` (inclusive) for a
 * satisfiable single range, or `{ unsatisfiable: true }` (answer 416).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | null {
	if (typeof header !== 'string') return null;
	const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
	if (!match || (match[1] === '' && match[2] === '')) return null;
	let start: number;
	let end: number;
	if (match[1] === '') {
		// Suffix form "bytes=-n": the last n bytes.
		const suffix = Number(match[2]);
		if (suffix === 0) return { unsatisfiable: true };
		start = Math.max(0, size - suffix);
		end = size - 1;
	} else {
		start = Number(match[1]);
		end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
		if (end < start && match[2] !== '') return null;
	}
	if (start >= size) return { unsatisfiable: true };
	return { start, end };
}
