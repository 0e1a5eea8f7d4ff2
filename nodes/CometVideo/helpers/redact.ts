/**
 * The one place that hides the API key. Servers sometimes echo the key they were sent (in an
 * error text, a job's reason, a link's query), whole, escaped or cut: every message,
 * description and output object passes through here, before anything is cut short, so no
 * part of the key survives.
 */

/** A run this long of the key's characters is taken for a piece of the key. */
const MIN_PIECE = 8;

function jsonEscaped(secret: string, hexCase: (hex: string) => string): string {
	return [...secret]
		.map((char) => `\\u${hexCase(char.charCodeAt(0).toString(16).padStart(4, '0'))}`)
		.join('');
}

export class Redactor {
	private readonly secrets: string[];

	/** Every run of MIN_PIECE characters of the key. */
	private readonly pieces: Set<string>;

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
		this.pieces = new Set();
		for (let start = 0; start + MIN_PIECE <= secret.length; start++) {
			this.pieces.add(secret.slice(start, start + MIN_PIECE));
		}
	}

	text(value: string): string {
		let result = value;
		for (const secret of this.secrets) result = result.split(secret).join('***');
		return this.hidePieces(result);
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

	/** Each stretch covered by pieces of the key (a key missing its end, say) becomes "***". */
	private hidePieces(value: string): string {
		if (this.pieces.size === 0 || value.length < MIN_PIECE) return value;
		let result = '';
		let hiddenUntil = 0;
		for (let start = 0; start + MIN_PIECE <= value.length; start++) {
			if (!this.pieces.has(value.slice(start, start + MIN_PIECE))) continue;
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
