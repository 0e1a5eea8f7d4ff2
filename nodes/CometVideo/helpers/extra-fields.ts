/**
 * Additional Fields: body fields a person names for a model's newest options before the node
 * knows them (a seed, a negative prompt, audio on or off). Sent after the checked fields, in the
 * route's encoding, never in place of a field the form owns.
 */

/** A name a JSON body or a form field can carry: no path tricks, no header characters. */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,99}$/;
/** One field's value, as sent: enough for any documented option, never a file. */
export const MAX_EXTRA_VALUE_CHARS = 100_000;

export type ExtraValue = string | number | boolean | null | object;

export type ExtraResult = { value: ExtraValue } | { problem: string };

/** Why a field name may not be sent, or undefined. `owned`: the fields the form sends itself. */
export function extraNameProblem(name: string, owned: ReadonlySet<string>): string | undefined {
	if (!FIELD_NAME.test(name)) {
		return `"${name.slice(0, 60)}" is not a field name (letters, digits, "_", "." and "-", starting with a letter or "_")`;
	}
	if (owned.has(name)) {
		return `"${name}" is a field the node sets itself: use the form's field for it`;
	}
	return undefined;
}

/**
 * The value to send. A JSON body takes any JSON value: a text that reads as JSON other than a
 * string (`42`, `true`, `{"a":1}`) is sent as that value, so a number goes as a number; quote
 * it (`"42"`) to send text. A multipart form takes text: a number or a boolean becomes its text,
 * an object or a list is refused.
 */
export function extraValue(given: unknown, encoding: 'json' | 'multipart'): ExtraResult {
	let value: unknown = given;
	if (encoding === 'json' && typeof given === 'string') {
		try {
			value = JSON.parse(given);
		} catch {
			value = given;
		}
	}
	if (value === undefined) return { problem: 'has no value' };
	const size = (typeof value === 'string' ? value : JSON.stringify(value)).length;
	if (size > MAX_EXTRA_VALUE_CHARS) {
		return { problem: `is ${size} characters, over the ${MAX_EXTRA_VALUE_CHARS} the node sends` };
	}
	if (encoding === 'json') return { value: value as ExtraValue };
	if (typeof value === 'string') return { value };
	if (typeof value === 'number' || typeof value === 'boolean') return { value: String(value) };
	return {
		problem: `is ${value === null ? 'null' : Array.isArray(value) ? 'a list' : 'an object'}, but this model's route sends form fields, which are text`,
	};
}
