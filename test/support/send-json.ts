/**
 * A JSON answer with its length, for the test servers (the hostile server and the property
 * harness's world server). No jest import: the harness's worker threads load it too.
 */
import type { ServerResponse } from 'node:http';

export function sendJson(
	response: ServerResponse,
	status: number,
	value: unknown,
	headers: Record<string, string> = {},
): void {
	const body = Buffer.from(JSON.stringify(value));
	response.writeHead(status, {
		'content-type': 'application/json',
		'content-length': String(body.length),
		...headers,
	});
	response.end(body);
}
