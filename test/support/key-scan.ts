/**
 * The harness's own key scanner, written independently of the node's redactor
 * (nodes/CometVideo/helpers/redact.ts): a test that reused it would prove nothing.
 *
 * It does not list the key's encodings and search for each; it decodes the text instead. Every
 * view of the text a reader could decode (as written, percent-decoded, JSON-unescaped, every run
 * of base64 or base64url characters decoded at each of its four starting offsets, every run of
 * hex digits decoded at both offsets) is searched for any run of PIECE characters of the key. So
 * base64 of the key at any alignment (of 'x' + key, of ':' + key for Basic auth, of 'user:' +
 * key, of 'Bearer ' + key), padded or not, inside any longer base64 text, is found, and so is a
 * key cut short.
 */

/** A run this long of the key's characters counts as a piece of the key. */
export const PIECE = 8;

export interface KeyHit {
	/** How the key was written: raw, percent, json-escape, base64@<offset>, hex@<offset>. */
	form: string;
	/** The piece of the key found, and a little of the text around it (key masked). */
	excerpt: string;
}

function pieces(key: string): Set<string> {
	const set = new Set<string>();
	for (let start = 0; start + PIECE <= key.length; start++)
		set.add(key.slice(start, start + PIECE));
	return set;
}

const cache = new Map<string, Set<string>>();

function piecesOf(key: string): Set<string> {
	let set = cache.get(key);
	if (!set) {
		set = pieces(key);
		cache.set(key, set);
	}
	return set;
}

function findPiece(text: string, set: Set<string>): number {
	for (let at = 0; at + PIECE <= text.length; at++) {
		if (set.has(text.slice(at, at + PIECE))) return at;
	}
	return -1;
}

/** %XX sequences decoded byte-wise (no exception on a lone %), '+' as space too. */
function percentDecoded(text: string): string[] {
	if (!text.includes('%')) return [];
	const bytes = text.replace(/%([0-9a-fA-F]{2})/g, (_m, hex: string) =>
		String.fromCharCode(parseInt(hex, 16)),
	);
	return [bytes, bytes.replace(/\+/g, ' ')];
}

/** \uXXXX (either hex case) and \xXX escapes decoded, also under doubled backslashes. */
function jsonUnescaped(text: string): string[] {
	if (!text.includes('\\')) return [];
	const unescape = (value: string) =>
		value
			.replace(/\\u([0-9a-fA-F]{4})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)))
			.replace(/\\x([0-9a-fA-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
	const once = unescape(text);
	// A JSON string holding JSON escapes is written with doubled backslashes.
	const undoubled = text.replace(/\\\\/g, '\\');
	return undoubled === text ? [once] : [once, unescape(undoubled)];
}

/**
 * Each run of base64/base64url characters (padding and anything else ends a run), decoded at each
 * of its four starting offsets: whatever came before the key in the encoded bytes, one of the
 * offsets lines the key's own bytes up with the decoder's groups.
 */
function base64Views(text: string): Array<{ form: string; text: string }> {
	const views: Array<{ form: string; text: string }> = [];
	for (const match of text.matchAll(/[A-Za-z0-9+/_-]{11,}/g)) {
		const run = match[0].replace(/-/g, '+').replace(/_/g, '/');
		for (let offset = 0; offset < 4; offset++) {
			const usable = run.slice(offset, offset + Math.floor((run.length - offset) / 4) * 4);
			if (usable.length < 12) continue;
			views.push({
				form: `base64@${offset}`,
				text: Buffer.from(usable, 'base64').toString('latin1'),
			});
		}
	}
	return views;
}

/** Each run of hex digits, decoded at both offsets. */
function hexViews(text: string): Array<{ form: string; text: string }> {
	const views: Array<{ form: string; text: string }> = [];
	for (const match of text.matchAll(/[0-9a-fA-F]{16,}/g)) {
		for (let offset = 0; offset < 2; offset++) {
			const usable = match[0].slice(
				offset,
				offset + Math.floor((match[0].length - offset) / 2) * 2,
			);
			views.push({ form: `hex@${offset}`, text: Buffer.from(usable, 'hex').toString('latin1') });
		}
	}
	return views;
}

function excerpt(text: string, at: number): string {
	return JSON.stringify(
		`${text.slice(Math.max(0, at - 40), at)}[KEY-PIECE]${text.slice(at + PIECE, at + PIECE + 40)}`,
	);
}

/** Where `text` holds the key (or a piece of it) in any form; undefined when it does not. */
export function findKey(text: string, key: string): KeyHit | undefined {
	if (!text) return undefined;
	const set = piecesOf(key);
	const direct: Array<{ form: string; text: string }> = [{ form: 'raw', text }];
	for (const decoded of percentDecoded(text)) direct.push({ form: 'percent', text: decoded });
	for (const decoded of jsonUnescaped(text)) direct.push({ form: 'json-escape', text: decoded });
	for (const view of direct) {
		const at = findPiece(view.text, set);
		if (at >= 0) return { form: view.form, excerpt: excerpt(view.text, at) };
	}
	// Encoded forms, also inside a percent-decoded or JSON-unescaped text.
	for (const view of direct) {
		for (const encoded of [...base64Views(view.text), ...hexViews(view.text)]) {
			const at = findPiece(encoded.text, set);
			if (at >= 0) {
				const form = view.form === 'raw' ? encoded.form : `${view.form}+${encoded.form}`;
				return { form, excerpt: excerpt(encoded.text, at) };
			}
		}
	}
	return undefined;
}

/**
 * The key in the forms a hostile server (or a careless node) might write it, for the world
 * generator: each must be found by `findKey`.
 */
export const KEY_FORMS = [
	'raw',
	'percent',
	'json-escape-lower',
	'json-escape-upper',
	'base64',
	'base64-x',
	'base64-xx',
	'base64url',
	'base64url-x',
	'base64-nopad',
	'basic-colon',
	'basic-user',
	'bearer-base64',
	'hex-lower',
	'hex-upper',
	'piece',
] as const;

export type KeyForm = (typeof KEY_FORMS)[number];

const b64 = (text: string) => Buffer.from(text).toString('base64');
const b64url = (text: string) => Buffer.from(text).toString('base64url');
const escaped = (text: string, upper: boolean) =>
	[...text]
		.map((char) => {
			const hex = char.charCodeAt(0).toString(16).padStart(4, '0');
			return `\\u${upper ? hex.toUpperCase() : hex}`;
		})
		.join('');

export function encodeKey(key: string, form: KeyForm): string {
	switch (form) {
		case 'raw':
			return key;
		case 'percent':
			return encodeURIComponent(key).replace(/-/g, '%2D');
		case 'json-escape-lower':
			return escaped(key, false);
		case 'json-escape-upper':
			return escaped(key, true);
		case 'base64':
			return b64(key);
		case 'base64-x':
			return b64(`x${key}`);
		case 'base64-xx':
			return b64(`xx${key}`);
		case 'base64url':
			return b64url(key);
		case 'base64url-x':
			return b64url(`x${key}`);
		case 'base64-nopad':
			return b64(`${key}!`).replace(/=+$/, '');
		case 'basic-colon':
			return b64(`:${key}`);
		case 'basic-user':
			return b64(`user:${key}`);
		case 'bearer-base64':
			return b64(`Bearer ${key}`);
		case 'hex-lower':
			return Buffer.from(key).toString('hex');
		case 'hex-upper':
			return Buffer.from(key).toString('hex').toUpperCase();
		case 'piece':
			return key.slice(5, 5 + PIECE + 2);
	}
}
