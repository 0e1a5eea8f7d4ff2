import { randomBytes } from 'crypto';

export type MultipartPart =
	| { field: string; value: string }
	| { field: string; data: Buffer; fileName: string; mimeType: string };

const CRLF = '\r\n';
const MIME_TYPE = /^[a-z0-9][\w.+-]*\/[\w.+-]+$/i;

/** Quotes a header parameter the way browsers do, so odd file names cannot break the part. */
function quote(value: string): string {
	return `"${value.replace(/"/g, '%22').replace(/[\u0000-\u001f\u007f]/g, ' ')}"`;
}

/**
 * Encodes multipart/form-data by hand: n8n Cloud nodes may not depend on `form-data`, and the
 * parts (a prompt, a few images) are small enough to send as one buffer. A MIME type that could
 * smuggle a header (a line break, a parameter) is refused here, whatever the caller checked.
 */
export function encodeMultipart(parts: MultipartPart[]): { body: Buffer; contentType: string } {
	const boundary = `----CometVideo${randomBytes(12).toString('hex')}`;
	const chunks: Buffer[] = [];
	for (const part of parts) {
		let head = `--${boundary}${CRLF}Content-Disposition: form-data; name=${quote(part.field)}`;
		if ('data' in part) {
			if (!MIME_TYPE.test(part.mimeType)) {
				throw new Error(`Refusing to send the MIME type "${part.mimeType}" in a form field`);
			}
			head += `; filename=${quote(part.fileName)}${CRLF}Content-Type: ${part.mimeType}`;
		}
		chunks.push(Buffer.from(head + CRLF + CRLF));
		chunks.push('data' in part ? part.data : Buffer.from(part.value, 'utf8'));
		chunks.push(Buffer.from(CRLF));
	}
	chunks.push(Buffer.from(`--${boundary}--${CRLF}`));
	return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
