/**
 * The one place that hides the API key. Servers sometimes echo the key they were sent (in an
 * error text, a job's reason, a link's query, an Authorization header), whole, escaped, encoded
 * or cut: every message, description and output object passes through here, before anything is
 * cut short, so no part of the key survives.
 */

/** A run this long of the key's characters is taken for a piece of the key. */
const MIN_PIECE = 8;

/**
 * Base64 characters that carry bits of the key only: an 8-byte run of the key gives at least
 * 10 of them wherever it starts (its first and last characters also carry its neighbours'
 * bits, so they depend on the text around it). Any 10 of them in a row hold over 7 bytes of
 * the key.
 */
const BASE64_PIECE = 10;

/** Hex: two characters a byte, 8 bytes. */
const HEX_PIECE = 2 * MIN_PIECE;

/**
 * The characters of a stretch of base64, base64url or hex text, and of the spellings of its '+'
 * and '/' URL-encoded (%2B, %2F) or JSON-escaped (\\/). A stretch that holds a piece of the key
 * is hidden whole, with its '=' padding, so nothing of it can be decoded.
 */
const ENCODED_CHAR = new Uint8Array(128);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-%\\') {
	ENCODED_CHAR[char.charCodeAt(0)] = 1;
}

function isEncoded(code: number): boolean {
	return code < 128 && ENCODED_CHAR[code] === 1;
}

/** The standard base64 alphabet for a stretch in base64url, URL-encoded or JSON-escaped. */
const SPELLINGS = /[-_]|%2[BbFf]|%3[Dd]|\\\//g;
const STANDARD: Record<string, string> = {
	'-': '+',
	_: '/',
	'%2b': '+',
	'%2f': '/',
	'\\/': '/',
	'%3d': '',
};

function standardBase64(stretch: string): string {
	return stretch.replace(SPELLINGS, (spelling) => STANDARD[spelling.toLowerCase()]);
}

function jsonEscaped(secret: string, hexCase: (hex: string) => string): string {
	return [...secret]
		.map((char) => `\\u${hexCase(char.charCodeAt(0).toString(16).padStart(4, '0'))}`)
		.join('');
}

/**
 * The base64 characters of `bytes` that depend on them alone, when they follow `offset` other
 * bytes (0, 1 or 2: where they start within base64's groups of three bytes).
 */
function base64Core(bytes: Buffer, offset: number): string {
	const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
	return encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6));
}

/**
 * Strings of one length, looked up at any position of a text. The first two characters of each
 * are marked in a small table, so most positions are passed over without building a string.
 */
class Pieces {
	private readonly set = new Set<string>();

	private readonly heads = new Uint8Array(4096);

	constructor(readonly length: number) {}

	get size(): number {
		return this.set.size;
	}

	add(piece: string): void {
		if (piece.length !== this.length) return;
		this.set.add(piece);
		this.heads[head(piece, 0)] = 1;
	}

	at(text: string, start: number): boolean {
		return (
			this.heads[head(text, start)] === 1 && this.set.has(text.slice(start, start + this.length))
		);
	}

	/** Whether some window of `text` is a piece. */
	within(text: string): boolean {
		for (let start = 0; start + this.length <= text.length; start++) {
			if (this.at(text, start)) return true;
		}
		return false;
	}
}

function head(text: string, at: number): number {
	return ((text.charCodeAt(at) << 5) ^ text.charCodeAt(at + 1)) & 4095;
}

export class Redactor {
	private readonly secrets: string[];

	/** Every run of MIN_PIECE characters of the key. */
	private readonly pieces = new Pieces(MIN_PIECE);

	/** Every run of BASE64_PIECE characters of the key's base64, at each of the 3 alignments. */
	private readonly base64Pieces = new Pieces(BASE64_PIECE);

	/** Every 8-byte run of the key in hex, lower case. */
	private readonly hexPieces = new Pieces(HEX_PIECE);

	constructor(secret: string) {
		const forms = [
			secret,
			encodeURIComponent(secret),
			Buffer.from(secret).toString('base64'),
			jsonEscaped(secret, (hex) => hex),
			jsonEscaped(secret, (hex) => hex.toUpperCase()),
		];
		// A key this short would turn ordinary words into stars; no real key is.
		this.secrets = secret.length >= 4 ? [...new Set(forms)] : [];
		for (let start = 0; start + MIN_PIECE <= secret.length; start++) {
			this.pieces.add(secret.slice(start, start + MIN_PIECE));
		}
		// Encoded, the key is looked for by its 8-byte runs, so a key shorter than that has none.
		const bytes = Buffer.from(secret);
		if (bytes.length < MIN_PIECE) return;
		for (let offset = 0; offset < 3; offset++) {
			const core = base64Core(bytes, offset);
			for (let start = 0; start + BASE64_PIECE <= core.length; start++) {
				this.base64Pieces.add(core.slice(start, start + BASE64_PIECE));
			}
		}
		const hex = bytes.toString('hex');
		for (let start = 0; start + HEX_PIECE <= hex.length; start += 2) {
			this.hexPieces.add(hex.slice(start, start + HEX_PIECE));
		}
	}

	text(value: string): string {
		let result = value;
		for (const secret of this.secrets) {
			if (result.includes(secret)) result = result.split(secret).join('***');
		}
		return this.hidePieces(this.hideEncoded(result));
	}

	/** Every string in a JSON-like value, at any depth, keys included. */
	deep<T>(value: T): T {
		if (typeof value === 'string') return this.text(value) as T;
		if (Array.isArray(value)) return value.map((entry: unknown) => this.deep(entry)) as T;
		if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
			const copy: Record<string, unknown> = {};
			for (const [key, entry] of Object.entries(value)) copy[this.text(key)] = this.deep(entry);
			return copy as T;
		}
		return value;
	}

	/**
	 * Each base64, base64url or hex stretch that holds a piece of the key (at any alignment, in
	 * a longer text such as "Bearer <key>" or "user:<key>", padded or not) becomes "***" whole.
	 */
	private hideEncoded(value: string): string {
		if (this.base64Pieces.size === 0) return value;
		const length = value.length;
		let result = '';
		let copied = 0;
		let at = 0;
		while (at < length) {
			if (!isEncoded(value.charCodeAt(at))) {
				at++;
				continue;
			}
			const start = at;
			while (at < length && isEncoded(value.charCodeAt(at))) at++;
			if (at - start < BASE64_PIECE || !this.holdsKey(value.slice(start, at))) continue;
			while (at < length && value[at] === '=') at++; // its padding
			result += `${value.slice(copied, start)}***`;
			copied = at;
		}
		return copied === 0 ? value : result + value.slice(copied);
	}

	private holdsKey(stretch: string): boolean {
		return (
			this.base64Pieces.within(standardBase64(stretch)) ||
			(stretch.length >= HEX_PIECE && this.hexPieces.within(stretch.toLowerCase()))
		);
	}

	/** Each stretch covered by pieces of the key (a key missing its end, say) becomes "***". */
	private hidePieces(value: string): string {
		if (this.pieces.size === 0 || value.length < MIN_PIECE) return value;
		let result = '';
		let hiddenUntil = 0;
		for (let start = 0; start + MIN_PIECE <= value.length; start++) {
			if (!this.pieces.at(value, start)) continue;
			// A piece that overlaps the stretch hidden so far extends it.
			if (start >= hiddenUntil) result += `${value.slice(hiddenUntil, start)}***`;
			hiddenUntil = Math.max(hiddenUntil, start + MIN_PIECE);
		}
		return hiddenUntil === 0 ? value : result + value.slice(hiddenUntil);
	}
}

/** Cuts a text that is already redacted, so a cut can never leave part of a key behind. */
export function shorten(text: string, limit: number): string {
	return text.length > limit ? `${text.slice(0, limit)}…` : text;
}
