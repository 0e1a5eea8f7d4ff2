/**
 * Nothing is injected into the request: a mime type carrying CRLF adds no multipart field.
 * Each case runs the built node inside a real n8n-core execution (tools/harness) against a bare
 * HTTP server on loopback that gives the hostile answer.
 */

import { describe, expect, test } from '@jest/globals';

import * as H from '../support/faults';
import { apiJob, json, type SeenRequest } from '../support/hostile-server';
import { useHostileNode, PNG_BASE64 } from '../support/hostile-node';

const { getServer, runNode } = useHostileNode();

/** The headers of each part of a multipart/form-data body. */
function multipartHeaders(request: SeenRequest): string[][] {
	const boundary = /boundary=([^;]+)/.exec(String(request.headers['content-type']))?.[1];
	if (!boundary) throw new Error(`not multipart: ${request.headers['content-type']}`);
	return request.body
		.toString('latin1')
		.split(`--${boundary}`)
		.slice(1, -1)
		.map((part) => part.replace(/^\r\n/, '').split('\r\n\r\n')[0].split('\r\n'));
}

describe('multipart header injection through a mime type', () => {
	test('an image whose mimeType carries CRLF + Content-Disposition does not add a "seconds" field', async () => {
		getServer().answer(json(200, apiJob()));
		const mimeType = 'image/png\r\nContent-Disposition: form-data; name="seconds"';
		const result = await runNode(
			H.createParams({
				waitForCompletion: false,
				referenceImages: 'binary',
				imageBinaryProperties: 'data',
			}),
			{
				items: [
					{ json: {}, binary: { data: { base64: PNG_BASE64, mimeType, fileName: 'f.png' } } },
				],
			},
		);

		const creates = getServer().requests;
		if (creates.length === 0) {
			// Refused before any request: the error names the field.
			expect(result.status).toBe('error');
			expect(H.errorText(result)).toMatch(/"data"/);
			return;
		}
		expect(creates).toHaveLength(1);
		const parts = multipartHeaders(creates[0]);
		const dispositions = parts.map((lines) =>
			lines.filter((line) => /^content-disposition:/i.test(line)),
		);
		expect(dispositions.map((found) => found.length)).toEqual([1, 1, 1]);
		expect(dispositions.map((found) => /name="([^"]*)"/.exec(found[0])?.[1])).toEqual([
			'model',
			'prompt',
			'input_reference',
		]);
		expect(parts[2].filter((line) => /^content-type:/i.test(line))).toEqual([
			'Content-Type: image/png',
		]);
	});
});
