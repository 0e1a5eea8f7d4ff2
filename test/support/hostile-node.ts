/**
 * What the workflow runs against a hostile server share (test/<what>/hostile.workflow.test.ts):
 * the server of a test file and the node run against it, the usual parameters, and host names
 * resolved on loopback only.
 */
import { randomBytes } from 'node:crypto';
import dns from 'node:dns';

import { afterAll, beforeAll, expect } from '@jest/globals';

import type { VideoParameters, VideoResult, VideoRun } from './helpers';
import * as H from './faults';
import { useHostileServer, VIDEO_ID, type SeenRequest } from './hostile-server';

/** The hostile server of a test file, the node run against it, and a check of what it was sent. */
export function useHostileNode() {
	const getServer = useHostileServer();
	const runNode = (parameters: VideoParameters, run?: VideoRun) =>
		H.runHostile(getServer().url, parameters, run);
	/** The key did reach the server (so a clean scan means it was redacted, not never there). */
	function expectKeySent() {
		expect(getServer().requests[0]?.headers.authorization).toBe(`Bearer ${H.API_KEY}`);
	}
	return { getServer, runNode, expectKeySent };
}

/** A 1x1 PNG. */
export const PNG_BASE64 =
	'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

/** Random bytes after a zero, as a video's first box size begins (never like a web page). */
export const VIDEO = Buffer.concat([Buffer.alloc(1), randomBytes(64 * 1024 - 1)]);

export const retrieve = (overrides?: VideoParameters) => H.retrieveParams(VIDEO_ID, overrides);
export const waitParams = (overrides?: VideoParameters) =>
	retrieve({ waitForCompletion: true, downloadWhenComplete: false, ...overrides });
export const download = (options?: VideoParameters['options']) =>
	H.contentDownload(VIDEO_ID, options);

export function isContent(request: SeenRequest): boolean {
	return /^\/v1\/videos\/[^/?]+\/content(\?|$)/.test(request.url);
}

/** The download succeeded, and stored exactly the video the server had. */
export async function expectVideoStored(result: VideoResult) {
	expect(result.status).toBe('success');
	const [item] = result.items;
	expect((await result.readBinary(item.binary?.data)).equals(VIDEO)).toBe(true);
}

/**
 * Host names resolved in this process only, for the duration of a describe block: the listed
 * ones to 127.0.0.1, every `.invalid` one to "not found". So no lookup ever leaves the machine,
 * and a redirect between two names of one loopback server can be staged without /etc/hosts.
 */
export function useLocalNames(loopbackNames: string[]): string[] {
	const asked: string[] = [];
	const original = dns.lookup;
	const local = (hostname: string, ...rest: unknown[]) => {
		const callback = rest.at(-1) as (error: Error | null, ...answer: unknown[]) => void;
		const options = (typeof rest[0] === 'object' && rest[0]) || {};
		const name = hostname.toLowerCase();
		if (loopbackNames.includes(name)) {
			asked.push(name);
			const all = (options as { all?: boolean }).all === true;
			process.nextTick(() =>
				all
					? callback(null, [{ address: '127.0.0.1', family: 4 }])
					: callback(null, '127.0.0.1', 4),
			);
			return;
		}
		if (name.endsWith('.invalid')) {
			asked.push(name);
			const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
				code: 'ENOTFOUND',
				syscall: 'getaddrinfo',
				hostname,
			});
			process.nextTick(() => callback(error));
			return;
		}
		return (original as (...args: unknown[]) => unknown)(hostname, ...rest);
	};
	beforeAll(() => {
		Object.defineProperty(dns, 'lookup', { value: local, writable: true, configurable: true });
	});
	afterAll(() => {
		Object.defineProperty(dns, 'lookup', { value: original, writable: true, configurable: true });
	});
	return asked;
}
