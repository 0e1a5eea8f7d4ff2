/**
 * Hashing and JSON reading, written once for the tests, tools/ and scripts/.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';

/** sha256 (hex) of bytes held in memory. */
export function sha256(data: crypto.BinaryLike): string {
	return crypto.createHash('sha256').update(data).digest('hex');
}

/** sha256 (hex) of a file, streamed (for files too big to read at once). */
export async function sha256File(file: string): Promise<string> {
	const hash = crypto.createHash('sha256');
	for await (const chunk of fs.createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) {
		hash.update(chunk as Buffer);
	}
	return hash.digest('hex');
}

/**
 * A JSON file's content. The caller names the type it expects; nothing checks it at run time, so
 * read only files this repository (or the program that wrote them) controls.
 */
export function readJson<T = unknown>(file: string): T {
	return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}
