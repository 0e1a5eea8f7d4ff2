/** Reference images written the way each route documents them (other-routes sheet §1–3). */
import { describe, expect, test } from '@jest/globals';

import { imageJson, imageParts } from '../../dist/nodes/CometVideo/helpers/images';

const png = { data: Buffer.from('png bytes'), mimeType: 'image/png', fileName: 'first.png' };
const base64 = png.data.toString('base64');
const url = { url: 'https://example.com/last.png' };

describe('image writing per route', () => {
	test('the shared route: file parts (a URL as a text part), in order', () => {
		expect(imageParts([png, url])).toEqual([
			{ field: 'input_reference', data: png.data, fileName: 'first.png', mimeType: 'image/png' },
			{ field: 'input_reference', value: url.url },
		]);
	});

	test('xAI: image { url }, a data URI for bytes', () => {
		expect(imageJson('image-object', [png])).toEqual({
			image: { url: `data:image/png;base64,${base64}` },
		});
		expect(imageJson('image-object', [url])).toEqual({ image: { url: url.url } });
	});

	test('Kling: image and image_tail, raw base64 without a data: prefix', () => {
		expect(imageJson('image-and-tail', [png, url])).toEqual({ image: base64, image_tail: url.url });
		expect(imageJson('image-and-tail', [url])).toEqual({ image: url.url });
	});

	test('Runway: one promptImage, or first and last as [{ uri, position }]', () => {
		expect(imageJson('prompt-image', [url])).toEqual({ promptImage: url.url });
		expect(imageJson('prompt-image', [png, url])).toEqual({
			promptImage: [
				{ uri: `data:image/png;base64,${base64}`, position: 'first' },
				{ uri: url.url, position: 'last' },
			],
		});
	});

	test('no images, no fields', () => {
		expect(imageJson('prompt-image', [])).toEqual({});
	});
});
