import type { IBinaryData, IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { MultipartPart } from './multipart';
import type { ImageWriting } from './routes';

/** A reference image, checked up front and read only when its create is about to go out. */
export interface ImageReference {
	binaryField: string;
	fileName: string;
	mimeType: string;
}

/** A clean `image/<subtype>`: nothing that could carry a second header into the form. */
const IMAGE_MIME_TYPE = /^image\/[a-z0-9][a-z0-9.+-]*$/i;
/** Generous for a first or last frame; a larger file is most likely not a picture. */
export const MAX_IMAGE_BYTES = 50 * 1024 * 1024;

/** Recognises an image by its first bytes when the binary's MIME type says nothing useful. */
export function sniffImageType(data: Buffer): string | undefined {
	const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
	if (data.subarray(0, 8).equals(png)) return 'image/png';
	if (data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
	if (data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WEBP') {
		return 'image/webp';
	}
	if (data.toString('latin1', 0, 4) === 'GIF8') return 'image/gif';
	return undefined;
}

export type ImageProblem = { problem: string; hint: string };

/**
 * Checks one binary field of an item as a reference image, without keeping its bytes: a
 * missing field (own fields only: "__proto__" is not a field), an empty or oversized file, or
 * something that is not an image is reported before any request.
 */
export async function checkImage(
	ctx: IExecuteFunctions,
	itemIndex: number,
	field: string,
): Promise<ImageReference | ImageProblem> {
	const binaries = ctx.getInputData()[itemIndex].binary ?? {};
	if (!Object.hasOwn(binaries, field)) {
		const present = Object.keys(binaries);
		return {
			problem: `the input item has no binary field "${field}"`,
			hint: present.length
				? `Its binary fields are: ${present.join(', ')}.`
				: 'The input item carries no binary data at all.',
		};
	}
	const binary: IBinaryData = binaries[field];
	if (binary.bytes !== undefined && binary.bytes > MAX_IMAGE_BYTES) {
		return {
			problem: `"${field}" is ${Math.round(binary.bytes / 1024 / 1024)} MB, over the ${MAX_IMAGE_BYTES / 1024 / 1024} MB the node sends`,
			hint: 'Scale the image down first (for example with an Edit Image node).',
		};
	}
	let mimeType = IMAGE_MIME_TYPE.test(binary.mimeType ?? '') ? binary.mimeType : undefined;
	if (!mimeType) {
		// Only an untyped or oddly typed file is read here, to look at its first bytes.
		const data = await ctx.helpers.getBinaryDataBuffer(itemIndex, field);
		if (data.length === 0)
			return { problem: `"${field}" is empty`, hint: 'Check the node that made it.' };
		mimeType = sniffImageType(data);
	}
	if (!mimeType) {
		const type = String(binary.mimeType || 'unknown type').replace(/[\u0000-\u001f\u007f]/g, ' ');
		return {
			problem: `"${field}" is not an image (${type.slice(0, 60)}${typeof binary.fileName === 'string' && binary.fileName ? `, ${binary.fileName.slice(0, 100)}` : ''})`,
			hint: 'Reference images must be PNG, JPEG, WebP or GIF files.',
		};
	}
	const extension = mimeType.split('/')[1].split('+')[0];
	// A file name set by an expression may be anything: only a text is a name.
	const given = typeof binary.fileName === 'string' ? binary.fileName : '';
	const fileName = (given || `${field}.${extension}`).replace(/[\u0000-\u001f\u007f"\\]/g, '_');
	return { binaryField: field, fileName, mimeType };
}

/** A reference image as it goes out: bytes read from a binary field, or a public URL. */
export type ImageSource = { url: string } | { data: Buffer; mimeType: string; fileName: string };

/** The body fields each way of writing images fills (Additional Fields may not set them). */
export const IMAGE_FIELDS: Record<ImageWriting, string[]> = {
	files: ['input_reference'],
	'image-object': ['image'],
	'image-and-tail': ['image', 'image_tail'],
	'prompt-image': ['promptImage'],
};

function dataUri(image: ImageSource): string {
	return 'url' in image
		? image.url
		: `data:${image.mimeType};base64,${image.data.toString('base64')}`;
}

/** Kling takes a URL or raw base64, "without a data: prefix". */
function urlOrBase64(image: ImageSource): string {
	return 'url' in image ? image.url : image.data.toString('base64');
}

/** The images as multipart parts, in order (`/v1/videos`). */
export function imageParts(images: ImageSource[]): MultipartPart[] {
	return images.map((image) =>
		'url' in image
			? { field: 'input_reference', value: image.url }
			: {
					field: 'input_reference',
					data: image.data,
					fileName: image.fileName,
					mimeType: image.mimeType,
				},
	);
}

/** The images as JSON body fields, the way the route documents them (./routes `ImageWriting`). */
export function imageJson(
	writing: Exclude<ImageWriting, 'files'>,
	images: ImageSource[],
): IDataObject {
	if (images.length === 0) return {};
	switch (writing) {
		case 'image-object':
			return { image: { url: dataUri(images[0]) } };
		case 'image-and-tail':
			return {
				image: urlOrBase64(images[0]),
				...(images[1] ? { image_tail: urlOrBase64(images[1]) } : {}),
			};
		case 'prompt-image':
			// Runway's 2024-11-06 version: first and last frame as [{ uri, position }].
			return images.length === 1
				? { promptImage: dataUri(images[0]) }
				: {
						promptImage: images.map((image, i) => ({
							uri: dataUri(image),
							position: i === 0 ? 'first' : 'last',
						})),
					};
	}
}

/** Reads a checked image's bytes just before its request goes out. */
export async function readImage(
	ctx: IExecuteFunctions,
	itemIndex: number,
	image: ImageReference,
): Promise<ImageSource> {
	const data = await ctx.helpers.getBinaryDataBuffer(itemIndex, image.binaryField);
	return { data, fileName: image.fileName, mimeType: image.mimeType };
}
