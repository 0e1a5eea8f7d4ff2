/**
 * Answers: what a route decided to send, before faults get a say (a small body, or a byte range
 * of a file), and the API's JSON error envelope.
 */
import * as crypto from 'node:crypto';

import type { Source } from './content';

export type Headers = Record<string, string | number>;

export interface BodyAnswer {
	status: number;
	headers: Headers;
	body: string;
}
export interface FileAnswer {
	status: number;
	headers: Headers;
	source: Source;
	start: number;
	end: number;
	/** Sent without Content-Length (Transfer-Encoding: chunked). */
	chunked?: boolean;
}
export type Answer = BodyAnswer | FileAnswer;

/** Like the gateway's request ids: a timestamp followed by random hex. */
function requestId(): string {
	return (
		new Date().toISOString().replace(/\D/g, '').slice(0, 14) + crypto.randomBytes(8).toString('hex')
	);
}

export function jsonAnswer(status: number, value: unknown, headers: Headers = {}): BodyAnswer {
	return {
		status,
		headers: { 'content-type': 'application/json', ...headers },
		body: JSON.stringify(value),
	};
}

export function errorAnswer(
	status: number,
	message: string,
	{
		code = '',
		type = 'comet_api_error',
		headers,
		requestId: withRequestId = true,
	}: { code?: string; type?: string; headers?: Headers; requestId?: boolean } = {},
): BodyAnswer {
	const text = withRequestId ? `${message} (request id: ${requestId()})` : message;
	const error = { message: text, type, param: '', code };
	return jsonAnswer(status, { error }, headers);
}

export function htmlAnswer(status: number, title: string, headers: Headers = {}): BodyAnswer {
	const body = `<!DOCTYPE html>\n<html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>\n`;
	return { status, headers: { 'content-type': 'text/html; charset=utf-8', ...headers }, body };
}

/** An error as a storage bucket words it (S3-style XML), not the API's JSON envelope. */
export function storageError(status: number, code: string, message: string): BodyAnswer {
	const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>\n`;
	return { status, headers: { 'content-type': 'application/xml' }, body };
}
