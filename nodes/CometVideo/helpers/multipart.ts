import { randomBytes } from 'crypto';

export type MultipartPart =
	| { name: string; value: string }
	| { name: string; data: Buffer; fileName: string; mimeType: string };

const CRLF = '\r\n';

/** Quotes a header parameter the way browsers do, so odd file names cannot break the part. */
function quote(value: string): string {
	return `"${value.replace(/"/g, '%22').replace(/\r|\n/g, ' ')}"`;
}

/**
 * Encodes multipart/form-data by hand: n8n Cloud nodes may not depend on `form-data`, and the
 * parts (a prompt, a few images) are small enough to send as one buffer.
 */
export function encodeMultipart(parts: MultipartPart[]): { body: Buffer; contentType: string } {
	const boundary = `----CometVideo${randomBytes(12).toString('hex')}`;
	const chunks: Buffer[] = [];
	for (const part of parts) {
		let head = `--${boundary}${CRLF}Content-Disposition: form-data; name=${quote(part.name)}`;
		if ('data' in part) {
			head += `; filename=${quote(part.fileName)}${CRLF}Content-Type: ${part.mimeType}`;
		}
		chunks.push(Buffer.from(head + CRLF + CRLF));
		chunks.push('data' in part ? part.data : Buffer.from(part.value, 'utf8'));
		chunks.push(Buffer.from(CRLF));
	}
	chunks.push(Buffer.from(`--${boundary}--${CRLF}`));
	return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
