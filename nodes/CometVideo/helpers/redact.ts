/**
 * The one place that hides the API key. Servers sometimes echo the key they were sent (in an
 * error text, a job's reason, a link's query): every message, description and output object
 * passes through here, before anything is cut short, so no part of the key survives.
 */
export class Redactor {
	private readonly secrets: string[];

	constructor(secret: string) {
		const forms = [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')];
		// A key this short would turn ordinary words into stars; no real key is.
		this.secrets = secret.length >= 4 ? [...new Set(forms)] : [];
	}

	text(value: string): string {
		let result = value;
		for (const secret of this.secrets) result = result.split(secret).join('***');
		return result;
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
}

/** Cuts a text that is already redacted, so a cut can never leave part of a key behind. */
export function shorten(text: string, limit: number): string {
	return text.length > limit ? `${text.slice(0, limit)}…` : text;
}
