/** The redactor: every form of the key it hides, and what it leaves. */
import { describe, expect, test } from '@jest/globals';

import { Redactor } from '../../dist/nodes/CometVideo/helpers/redact';

const KEY = 'sk-unit-0123456789abcdefghij';

describe('Redactor', () => {
	const redactor = new Redactor(KEY);
	const escaped = (hex: (h: string) => string) =>
		[...KEY].map((c) => `\\u${hex(c.charCodeAt(0).toString(16).padStart(4, '0'))}`).join('');

	test.each([
		['the key', `a ${KEY} b`],
		['the key, URL-encoded', `a ${encodeURIComponent(KEY)} b`],
		['the key, base64', `a ${Buffer.from(KEY).toString('base64')} b`],
		['the key, JSON-escaped', `a ${escaped((h) => h)} b`],
		['the key, JSON-escaped in upper case', `a ${escaped((h) => h.toUpperCase())} b`],
		['the key missing its end', `a ${KEY.slice(0, -4)} b`],
		['a run of 8 from its middle', `a ${KEY.slice(5, 13)} b`],
	])('hides %s', (_what, text) => {
		expect(redactor.text(text)).toBe('a *** b');
	});

	test('leaves 7 characters of the key, and other text, as they are', () => {
		expect(redactor.text(`id ${KEY.slice(0, 7)} ok`)).toBe(`id ${KEY.slice(0, 7)} ok`);
	});

	test('two pieces apart stay two', () => {
		expect(redactor.text(`${KEY.slice(0, 8)} and ${KEY.slice(10, 20)}`)).toBe('*** and ***');
	});
});
