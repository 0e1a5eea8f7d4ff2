/**
 * Where a finished job's file comes from, as pure decisions: the routes Download From tries, the
 * links and redirects the node follows at all, when the content route hands over to the link,
 * what a file's first bytes say it is, and the peek that reads them without taking them from the
 * stream.
 */
import { Readable } from 'node:stream';

import {
	chooseRoutes,
	linkProblem,
	type ContentVariant,
	type DownloadFrom,
	type Route,
} from '../../dist/nodes/CometVideo/transport/delivery';
import {
	contentRouteCannotServe,
	fitsVariant,
	isUntyped,
	looksLikeDocument,
	Mp4Boxes,
	peekBytes,
	sniffType,
} from '../../dist/nodes/CometVideo/transport/download';

describe('chooseRoutes', () => {
	test.each<[DownloadFrom, 'content' | 'link', boolean, ContentVariant, Route[]]>([
		['automatic', 'content', true, 'video', ['content', 'link']],
		['automatic', 'content', false, 'video', ['content']],
		['automatic', 'link', true, 'video', ['link']],
		// A link-first family whose job carries no link: /content is still worth a try.
		['automatic', 'link', false, 'video', ['content']],
		['automatic', 'link', true, 'thumbnail', ['content']],
		['content', 'link', true, 'video', ['content']],
		['link', 'content', false, 'video', ['link']],
		['link', 'content', true, 'video', ['link']],
	])('%s, family prefers %s, link %s, %s: %j', (from, preferred, hasLink, variant, expected) => {
		expect(chooseRoutes(from, preferred, hasLink, variant)).toEqual(expected);
	});
});

describe('linkProblem: which links and redirects are fetched', () => {
	const KEY = 'sk-abcdefghijklmnop0123';
	const holdsKey = (text: string) => text.includes(KEY);
	test.each<[string, string | undefined, boolean, RegExp | undefined]>([
		['https://cdn.example/v.mp4', undefined, false, undefined],
		['http://cdn.example/v.mp4', undefined, true, undefined],
		['http://cdn.example/v.mp4', undefined, false, /plain http/],
		['http://cdn.example/v.mp4', 'https://api.example/x', true, /leaves https/],
		['ftp://cdn.example/v.mp4', undefined, true, /not an http or https link/],
		[`https://cdn.example/v.mp4?api_key=${KEY}`, undefined, false, /holds the API key/],
		[
			`https://cdn.example/v.mp4?k=${encodeURIComponent(KEY).replace('-', '%2D')}`,
			undefined,
			false,
			/holds the API key/,
		],
	])('%s (from %s, plain http allowed %s): %s', (target, from, plainHttp, expected) => {
		const problem = linkProblem(
			new URL(target),
			from === undefined ? undefined : new URL(from),
			plainHttp,
			holdsKey,
		);
		if (expected) expect(problem).toMatch(expected);
		else expect(problem).toBeUndefined();
	});
});

describe('looksLikeDocument: no video or image begins like this', () => {
	test.each<[string, boolean, Buffer]>([
		['empty', true, Buffer.alloc(0)],
		['an HTML page', true, Buffer.from('<!DOCTYPE html>')],
		['HTML after white space', true, Buffer.from('\r\n  <html>')],
		['a JSON object', true, Buffer.from('{"error":1}')],
		['a JSON array', true, Buffer.from('[1,2]')],
		['an MP4', false, Buffer.concat([Buffer.from([0, 0, 0, 32]), Buffer.from('ftypisom')])],
		['a JPEG', false, Buffer.from([0xff, 0xd8, 0xff, 0xe0])],
	])('%s: %s', (_name, expected, head) => {
		expect(looksLikeDocument(head)).toBe(expected);
	});
});

describe('contentRouteCannotServe', () => {
	test.each<[number, string, boolean, boolean]>([
		[404, 'application/json', false, true],
		[405, '', false, true],
		[410, 'text/plain', false, true],
		[501, 'application/json', false, true],
		[200, 'application/json; charset=utf-8', false, true],
		[200, 'video/mp4', true, false],
		[200, '', true, false],
		// Not ready yet (unless the job is known to be finished), the key, retried statuses and
		// server faults are not "try the link".
		[400, 'application/json', false, false],
		[400, 'application/json', true, true],
		[401, 'application/json', true, false],
		[403, 'application/json', true, false],
		[408, '', true, false],
		[429, 'application/json', true, false],
		[500, 'application/json', true, false],
		[503, '', true, false],
	])('HTTP %s typed "%s", job known finished %s: %s', (status, type, finished, expected) => {
		expect(contentRouteCannotServe(status, type, finished)).toBe(expected);
	});
});

describe('sniffing untyped files', () => {
	const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 32]), Buffer.from('ftypisom')]);
	const webp = Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1');
	const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1]);
	const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

	test.each<[string, Buffer, string | undefined]>([
		['MP4 (ftyp at offset 4)', mp4, 'video/mp4'],
		['WebP', webp, 'image/webp'],
		['JPEG', jpeg, 'image/jpeg'],
		['PNG', png, 'image/png'],
		['an HTML page', Buffer.from('<!DOCTYPE html><html>'), undefined],
		['a JSON body', Buffer.from('{"error":{"code":"x"}}'), undefined],
		['ftyp at offset 0', Buffer.from('ftypisom0000'), undefined],
		[
			'RIFF that is not WebP (WAV)',
			Buffer.from('RIFF\x10\x00\x00\x00WAVEfmt ', 'latin1'),
			undefined,
		],
		['nothing', Buffer.alloc(0), undefined],
	])('%s', (_label, head, expected) => {
		expect(sniffType(head)).toBe(expected);
	});

	test('the video takes only an MP4; thumbnail and spritesheet any image', () => {
		expect(fitsVariant('video/mp4', 'video')).toBe(true);
		expect(fitsVariant('image/webp', 'video')).toBe(false);
		expect(fitsVariant('image/png', 'spritesheet')).toBe(true);
		expect(fitsVariant('video/mp4', 'thumbnail')).toBe(false);
	});

	test.each([
		['', true],
		['application/octet-stream', true],
		['binary/octet-stream', true],
		['text/html', false],
		['application/json', false],
	])('"%s" counts as untyped: %s', (type, expected) => {
		expect(isUntyped(type)).toBe(expected);
	});
});

describe('peekBytes', () => {
	test('reads the first bytes across chunks and puts them back: the reader gets the whole body', async () => {
		const chunks = [Buffer.from('ab'), Buffer.from('cdefgh'), Buffer.from('ijklmnop')];
		const stream = Readable.from(chunks, { objectMode: false });
		const { head, ended } = await peekBytes(stream, 12, 1000);
		expect([head.toString(), ended]).toEqual(['abcdefghijkl', 'read']);
		const rest: Buffer[] = [];
		for await (const chunk of stream) rest.push(chunk as Buffer);
		expect(Buffer.concat(rest).toString()).toBe('abcdefghijklmnop');
	});

	test('a body shorter than asked: what there is, still readable after', async () => {
		const stream = Readable.from([Buffer.from('abc')], { objectMode: false });
		const { head, ended } = await peekBytes(stream, 12, 1000);
		expect([head.toString(), ended]).toEqual(['abc', 'read']);
		const rest: Buffer[] = [];
		for await (const chunk of stream) rest.push(chunk as Buffer);
		expect(Buffer.concat(rest).toString()).toBe('abc');
	});

	test('a stream that sends nothing: given up after the timeout, with no bytes, as late', async () => {
		const stream = new Readable({ read() {} });
		const started = Date.now();
		const { head, ended } = await peekBytes(stream, 12, 200);
		expect([head.length, ended]).toEqual([0, 'late']);
		expect(Date.now() - started).toBeLessThan(1000);
		stream.destroy();
	});

	test('a stream that fails before its first bytes: broke, with no bytes', async () => {
		const stream = new Readable({ read() {} });
		setTimeout(() => stream.destroy(new Error('reset')), 20);
		stream.on('error', () => undefined);
		const { head, ended } = await peekBytes(stream, 12, 1000);
		expect([head.length, ended]).toEqual([0, 'broke']);
	});
});

describe('Mp4Boxes: an MP4 says itself where it ends', () => {
	const box = (type: string, payload: number) => {
		const head = Buffer.alloc(8);
		head.writeUInt32BE(8 + payload, 0);
		head.write(type, 4, 'latin1');
		return Buffer.concat([head, Buffer.alloc(payload, 7)]);
	};
	const file = Buffer.concat([box('ftyp', 16), box('moov', 100), box('mdat', 5000)]);
	const walk = (chunks: Buffer[]) => {
		const boxes = new Mp4Boxes();
		for (const chunk of chunks) boxes.feed(chunk);
		return boxes;
	};
	const cuts = (bytes: Buffer, size: number) =>
		Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) =>
			bytes.subarray(i * size, (i + 1) * size),
		);

	test.each([1, 3, 7, 8, 64, 10_000])('whole, in chunks of %s bytes', (size) => {
		expect(walk(cuts(file, size)).endsWhole(file.length)).toBe(true);
	});

	test.each([1, 10, 124, 140, file.length - 1])('cut after %s bytes: not whole', (end) => {
		expect(walk(cuts(file.subarray(0, end), 5)).endsWhole(end)).toBe(false);
	});

	test('a 64-bit size and a last box that runs to the end (size 0) are whole', () => {
		const large = Buffer.alloc(16);
		large.writeUInt32BE(1, 0);
		large.write('mdat', 4, 'latin1');
		large.writeBigUInt64BE(BigInt(16 + 300), 8);
		const toEnd = Buffer.from([0, 0, 0, 0, 0x6d, 0x64, 0x61, 0x74]);
		const bytes = Buffer.concat([
			box('ftyp', 16),
			large,
			Buffer.alloc(300),
			toEnd,
			Buffer.alloc(50),
		]);
		expect(walk(cuts(bytes, 9)).endsWhole(bytes.length)).toBe(true);
	});

	test('a size smaller than its own header is no MP4: not whole', () => {
		const bad = Buffer.concat([box('ftyp', 16), Buffer.from([0, 0, 0, 4]), Buffer.from('mdat')]);
		expect(walk([bad]).endsWhole(bad.length)).toBe(false);
	});
});
