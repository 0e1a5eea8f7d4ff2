/**
 * The redactor against every encoding of the key a server may echo: raw, URL-encoded,
 * JSON-escaped, base64 and base64url at any alignment (in "Bearer <key>", "user:<key>", Basic
 * auth's ":<key>"), padded or not, hex in either case; each inside any text. What counts as a
 * leak is decided by decoding: no base64, base64url or hex stretch of the output, read from any
 * position, may give back the key or 8 characters of it in a row. And text without the key is
 * left as it is.
 */
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';

import { Redactor } from '../../dist/nodes/CometVideo/helpers/redact';

const KEY = 'sk-unit-0123456789abcdefghij';

const base64 = (text: string) => Buffer.from(text).toString('base64');
const base64url = (text: string) => Buffer.from(text).toString('base64url');
const unpadded = (text: string) => text.replace(/=+$/, '');
const hex = (text: string) => Buffer.from(text).toString('hex');
const jsonEscaped = (text: string, upper: boolean) =>
	[...text]
		.map((char) => {
			const code = char.charCodeAt(0).toString(16).padStart(4, '0');
			return `\\u${upper ? code.toUpperCase() : code}`;
		})
		.join('');

/** The 8-character runs of the key (the key itself, if shorter). */
function runsOf(key: string): string[] {
	if (key.length <= 8) return [key];
	return Array.from({ length: key.length - 7 }, (_, start) => key.slice(start, start + 8));
}

/**
 * What decoding each base64, base64url or hex stretch of `output` from each of its positions
 * gives (latin1: byte for byte).
 */
function decodings(output: string): string[] {
	const texts: string[] = [];
	for (const [, stretch] of output.matchAll(/([A-Za-z0-9+/_-]+)/g)) {
		const standard = stretch.replace(/-/g, '+').replace(/_/g, '/');
		for (let offset = 0; offset < 4; offset++) {
			texts.push(Buffer.from(standard.slice(offset), 'base64').toString('latin1'));
		}
	}
	for (const [, stretch] of output.matchAll(/([0-9a-fA-F]+)/g)) {
		for (let offset = 0; offset < 2; offset++) {
			const even = stretch.slice(offset, offset + ((stretch.length - offset) & ~1));
			texts.push(Buffer.from(even, 'hex').toString('latin1'));
		}
	}
	return texts;
}

/**
 * Whether any part of the key can be read back from `output`: as it is, once its URL-encoded
 * or JSON-escaped spellings are undone, or decoded from base64, base64url or hex.
 */
function leaks(output: string, key: string): boolean {
	const spelledOut = [
		output,
		output.replace(/%2B/gi, '+').replace(/%2F/gi, '/').replace(/%3D/gi, '=').replace(/\\\//g, '/'),
		output.replace(/\\u([0-9a-fA-F]{4})/g, (_, code: string) =>
			String.fromCharCode(parseInt(code, 16)),
		),
	];
	let decodedUri = output;
	try {
		decodedUri = decodeURIComponent(output);
	} catch {
		// Not URL-encoded as a whole: the spellings above cover its parts.
	}
	spelledOut.push(decodedUri);
	const readable = spelledOut.flatMap((text) => [text, ...decodings(text)]);
	const runs = runsOf(key);
	return readable.some((text) => runs.some((run) => text.includes(run)));
}

/** Every encoding of the key a server might echo. */
const ENCODINGS: Array<[name: string, encode: (key: string) => string]> = [
	['raw', (key) => key],
	['URL-encoded', (key) => encodeURIComponent(key)],
	['JSON-escaped', (key) => jsonEscaped(key, false)],
	['JSON-escaped in upper case', (key) => jsonEscaped(key, true)],
	['base64', (key) => base64(key)],
	['base64 unpadded', (key) => unpadded(base64(key))],
	['base64url', (key) => base64url(key)],
	['base64 after one byte', (key) => base64(`x${key}`)],
	['base64 after two bytes', (key) => base64(`xy${key}`)],
	['base64url after one byte', (key) => base64url(`x${key}`)],
	['base64url after two bytes, with bytes after', (key) => base64url(`xy${key}!?`)],
	['base64 of ":key" (Basic auth)', (key) => base64(`:${key}`)],
	['base64 of "user:key"', (key) => base64(`user:${key}`)],
	['base64 of "Bearer key"', (key) => base64(`Bearer ${key}`)],
	['base64 of "Bearer key", unpadded', (key) => unpadded(base64(`Bearer ${key}`))],
	['base64url of "Bearer key"', (key) => base64url(`Bearer ${key}`)],
	['base64 of "Bearer key", URL-encoded', (key) => encodeURIComponent(base64(`Bearer ${key}`))],
	['base64 with JSON-escaped slashes', (key) => base64(`??${key}??`).replace(/\//g, '\\/')],
	['hex', (key) => hex(key)],
	['hex in upper case', (key) => hex(key).toUpperCase()],
	['hex of "Bearer key"', (key) => hex(`Bearer ${key}`)],
];

describe('Redactor: every encoding of the key, anywhere in a text', () => {
	const redactor = new Redactor(KEY);

	test.each(ENCODINGS)('hides the key %s', (_name, encode) => {
		const output = redactor.text(`a ${encode(KEY)} b`);
		expect(leaks(output, KEY)).toBe(false);
		expect(output).toBe('a *** b');
	});

	test.each([
		['an Authorization header echoed in a 401', `Authorization: Basic ${base64(`:${KEY}`)}`],
		['a model id', `veo-${base64url(KEY)}`],
		['a link with the key in its query', `https://cdn.example/v.mp4?t=${base64url(KEY)}&e=1`],
		['a JSON body', JSON.stringify({ token: base64(`Bearer ${KEY}`) })],
	])('hides the whole encoded stretch in %s', (_name, text) => {
		const output = redactor.text(text);
		expect(output).toContain('***');
		expect(leaks(output, KEY)).toBe(false);
	});

	test('the encoded stretch goes, its neighbours stay', () => {
		expect(redactor.text(`model veo-${base64url(KEY)} failed`)).toBe('model *** failed');
		expect(redactor.text(`?auth=${encodeURIComponent(base64(`Bearer ${KEY}`))}&x=1`)).toBe(
			'?auth=***&x=1',
		);
		expect(redactor.text(`{"t":"${base64(`:${KEY}`)}"}`)).toBe('{"t":"***"}');
	});

	test.each([
		['an English sentence', 'The video could not be generated because the prompt was too long.'],
		['a job id', 'task_abc123'],
		['a job id in a sentence', 'Job task_abc123 failed: upstream_error (retry later)'],
		['a UUID', 'video_3f2b8c1e-9d4a-4b6e-8f0a-1c2d3e4f5a6b'],
		['a SHA-256 in hex', 'sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'],
		['other base64', base64('an ordinary payload that holds no key at all')],
		[
			'a JWT-like token',
			'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyXzQyIiwiZXhwIjoxNzY3MjI1NjAwfQ.dozjgNryP4J3jVmNHl0w5N',
		],
		['a link', 'https://api.cometapi.com/v1/videos/video_abc123/content?variant=video'],
		['7 characters of the key', `id ${KEY.slice(0, 7)} ok`],
	])('leaves %s as it is', (_name, text) => {
		expect(redactor.text(text)).toBe(text);
	});
});

const KEY_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'.split('');

/** Keys as CometAPI and gateways make them: "sk-" and letters and digits, 8 to 80 in all. */
const keys = fc.oneof(
	fc
		.string({ unit: fc.constantFrom(...KEY_CHARS), minLength: 5, maxLength: 77 })
		.map((rest) => `sk-${rest}`),
	fc.string({ unit: fc.constantFrom(...KEY_CHARS, '-', '_', '.'), minLength: 8, maxLength: 80 }),
);

/** Any text around the key: printable ASCII (base64 characters join the stretch) or Unicode. */
const around = fc.oneof(
	fc.string({ maxLength: 40 }),
	fc.string({ unit: 'binary', maxLength: 20 }),
	fc.string({ unit: fc.constantFrom(...KEY_CHARS, '+', '/', '=', '%'), maxLength: 20 }),
);

/** Bytes before the key inside the encoded text: every alignment, and real prefixes. */
const inside = fc.oneof(
	fc.constantFrom('', ':', 'user:', 'Bearer ', 'Basic '),
	fc.string({ maxLength: 6 }),
);

const encodings = fc.oneof(
	fc.constantFrom(...ENCODINGS.map(([, encode]) => encode)),
	fc
		.record({
			before: inside,
			after: fc.string({ maxLength: 4 }),
			url: fc.boolean(),
			padded: fc.boolean(),
		})
		.map(({ before, after, url, padded }) => (key: string) => {
			const encoded = Buffer.from(`${before}${key}${after}`).toString(url ? 'base64url' : 'base64');
			return padded ? encoded : unpadded(encoded);
		}),
	fc.record({ before: inside, upper: fc.boolean() }).map(({ before, upper }) => (key: string) => {
		const encoded = hex(`${before}${key}`);
		return upper ? encoded.toUpperCase() : encoded;
	}),
);

describe('Redactor: properties', () => {
	test('no encoding of the key, inside any text, can be read back', () => {
		fc.assert(
			fc.property(keys, around, encodings, around, (key, prefix, encode, suffix) => {
				fc.pre(!leaks(prefix + suffix, key));
				const output = new Redactor(key).text(`${prefix}${encode(key)}${suffix}`);
				expect(leaks(output, key)).toBe(false);
			}),
			{ numRuns: 3000 },
		);
	});

	test('the key twice, in two encodings, is hidden both times', () => {
		fc.assert(
			fc.property(keys, encodings, encodings, around, (key, first, second, between) => {
				fc.pre(!leaks(between, key));
				const output = new Redactor(key).text(`${first(key)}${between}${second(key)}`);
				expect(leaks(output, key)).toBe(false);
			}),
			{ numRuns: 1000 },
		);
	});

	const WORDS = [
		'the',
		'video',
		'could',
		'not',
		'be',
		'generated',
		'because',
		'prompt',
		'was',
		'too',
		'long',
		'retry',
		'later',
		'upstream',
		'error',
		'model',
		'veo3.1',
		'task_abc123',
		'video_68f1c2',
		'1920x1080',
		'https://api.cometapi.com/v1/videos',
		'Authorization',
		'Bearer',
		'failed:',
		'"status":"failed"',
	];
	const ordinaryText = fc.oneof(
		fc.array(fc.constantFrom(...WORDS), { maxLength: 40 }).map((words) => words.join(' ')),
		fc.string({ maxLength: 200 }),
		fc.string({ unit: 'binary', maxLength: 100 }),
		fc
			.uint8Array({ minLength: 8, maxLength: 60 })
			.map((bytes) => Buffer.from(bytes).toString('base64')),
		fc
			.uint8Array({ minLength: 8, maxLength: 60 })
			.map((bytes) => Buffer.from(bytes).toString('hex')),
	);

	test('text without the key is left as it is', () => {
		fc.assert(
			fc.property(keys, ordinaryText, (key, text) => {
				fc.pre(!leaks(text, key));
				expect(new Redactor(key).text(text)).toBe(text);
			}),
			{ numRuns: 3000 },
		);
	});
});

describe('Redactor: speed', () => {
	test('10,000 texts of 1 kB, each with and without an encoded key, within 2 seconds', () => {
		const key = `sk-${'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefghij'}`;
		const redactor = new Redactor(key);
		const sentence =
			'The video job task_abc123 failed because the upstream model returned an error while rendering. ';
		const plain = sentence.repeat(11).slice(0, 1024);
		const withKey = `${plain.slice(0, 900)} ${base64(`Bearer ${key}`)}`;
		const started = performance.now();
		for (let call = 0; call < 10_000; call++) redactor.text(call % 2 === 0 ? plain : withKey);
		const elapsed = performance.now() - started;
		// About 0.1 to 0.35 s on a development machine; the bound leaves room for slow runners.
		expect(elapsed).toBeLessThan(2_000);
	});
});
