/**
 * The file however CometAPI delivers it over real HTTP against the
 * simulator: Download From's routes, the content route's hand-over to the job's link, the link
 * fetched without the key, and files as storage hosts serve them (untyped, chunked, cut, HTML).
 */
import { sha256 } from '../../tools/files';
import type { Simulator } from '../../tools/simulator';
import type { VideoResult } from '../support/helpers';
import * as H from '../support/faults';

const getSim = H.useSimulator();

const SEEDANCE = 'doubao-seedance-2-0';

function waitAndDownload(model: string, options: Record<string, unknown> = {}) {
	return H.createParams({ model, options: { maxAttempts: 2, retryBaseDelayMs: 0, ...options } });
}

async function storedVideo(result: VideoResult, sim: Simulator) {
	expect(result.status).toBe('success');
	const [item] = result.items;
	const file = item.binary?.data;
	expect(file).toMatchObject({ mimeType: 'video/mp4', fileName: `${item.json.id as string}.mp4` });
	const bytes = await result.readBinary(file);
	expect(sha256(bytes)).toBe(sim.videoSha256(item.json.id as string));
	return bytes;
}

function routes(sim: Simulator): string[] {
	return sim.requests.map((request) => request.route);
}

describe('Automatic', () => {
	test('a Seedance job is downloaded by its link: the key went only to the API host', async () => {
		const sim = getSim();
		const result = await H.runVideoNode(sim, waitAndDownload(SEEDANCE));

		await storedVideo(result, sim);
		expect(routes(sim)).not.toContain('content');
		expect(sim.storageRequests).toHaveLength(1);
		expect(sim.storageRequests[0]).toMatchObject({ method: 'GET', status: 200 });
		expect(sim.storageRequests[0].headers.authorization).toBeUndefined();
		expect(sim.hostsThatSaw()).toEqual(['api']);
		H.expectNoKeyLeak(result);
	});

	test("Veo whose /content cannot serve the job (404) falls back to the job's link", async () => {
		const sim = getSim();
		sim.configure({ contentRoute: { veo: false }, linkHost: 'storage' });
		const result = await H.runVideoNode(sim, waitAndDownload('veo3.1-fast'));

		await storedVideo(result, sim);
		expect(H.requestsTo(sim, 'content')).toHaveLength(1);
		expect(sim.storageRequests).toHaveLength(1);
		expect(sim.hostsThatSaw()).toEqual(['api']);
	});

	test('Veo with /content answering 501 and no link: an error naming the route and the job', async () => {
		const sim = getSim();
		sim.configure({ contentRoute: { veo: false }, noContentStatus: 501, linkField: 'none' });
		const result = await H.runVideoNode(sim, waitAndDownload('veo3.1-fast'));

		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(
			/^Could not download the video through the content route: the content route answered HTTP 501.*, and the job has no result link \[job \w+\]$/,
		);
		expect(H.withBinary(result)).toEqual([]);
	});

	test('the link failing after the content route could not serve: both routes and reasons named', async () => {
		const sim = getSim();
		sim.configure({ contentRoute: { veo: false }, linkHost: 'storage' });
		sim.fault('link', { kind: 'status', status: 403, times: 5 });
		const result = await H.runVideoNode(sim, waitAndDownload('veo3.1-fast'));

		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(
			/^Could not download the video from its result link \(the content route answered HTTP 404.*\): the result link answered HTTP 403 \[job \w+\]$/,
		);
		expect(H.withBinary(result)).toEqual([]);
	});
});

describe('forced routes', () => {
	test('Content Route on Seedance fails, naming the route and pointing at Download From', async () => {
		const sim = getSim();
		const result = await H.runVideoNode(
			sim,
			waitAndDownload(SEEDANCE, { downloadFrom: 'content' }),
		);

		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(
			/^Could not download the video through the content route: the content route answered HTTP 404/,
		);
		expect(result.error?.message).toMatch(/\[job \w+\]$/);
		expect(result.error?.description).toMatch(/Download From/);
		expect(sim.storageRequests).toHaveLength(0);
	});

	test('Result Link on Veo: the link only, never /content', async () => {
		const sim = getSim();
		sim.configure({ linkHost: 'storage' });
		const result = await H.runVideoNode(
			sim,
			waitAndDownload('veo3.1-fast', { downloadFrom: 'link' }),
		);

		await storedVideo(result, sim);
		expect(H.requestsTo(sim, 'content')).toHaveLength(0);
		expect(sim.storageRequests).toHaveLength(1);
	});

	test('Result Link on a job without a link: an error that says so, before any file request', async () => {
		const sim = getSim();
		sim.configure({ linkField: 'none' });
		const result = await H.runVideoNode(
			sim,
			waitAndDownload('veo3.1-fast', { downloadFrom: 'link' }),
		);

		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/the job has no result link/);
		expect(H.requestsTo(sim, 'content')).toHaveLength(0);
		expect(sim.storageRequests).toHaveLength(0);
	});
});

describe('files as storage hosts serve them', () => {
	test.each(['none', 'binary/octet-stream', 'application/octet-stream'] as const)(
		'a link file typed %s is taken by its first bytes and stored as video/mp4',
		async (linkContentType) => {
			const sim = getSim();
			sim.configure({ linkContentType });
			await storedVideo(await H.runVideoNode(sim, waitAndDownload(SEEDANCE)), sim);
		},
	);

	test('an HTML page on the link is refused, no binary', async () => {
		const sim = getSim();
		sim.fault('link', { kind: 'html', times: 5 });
		const result = await H.runVideoNode(sim, waitAndDownload(SEEDANCE));

		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/the result link sent a text\/html document/);
		expect(H.withBinary(result)).toEqual([]);
	});

	test('a chunked link file without Content-Length, untyped, is stored whole', async () => {
		const sim = getSim();
		sim.configure({ linkChunked: true, linkContentType: 'binary/octet-stream' });
		const result = await H.runVideoNode(sim, waitAndDownload(SEEDANCE));

		const bytes = await storedVideo(result, sim);
		expect(bytes.length).toBe(64 * 1024);
	});

	test('a truncated link file fails and no binary is passed on', async () => {
		const sim = getSim();
		sim.fault('link', { kind: 'truncate', bytes: 1000, times: 5 });
		const result = await H.runVideoNode(sim, waitAndDownload(SEEDANCE));

		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/from its result link: the file broke off/);
		expect(H.withBinary(result)).toEqual([]);
		// Fetched again once (Max Attempts 2), never through /content.
		expect(sim.storageRequests).toHaveLength(2);
		expect(H.requestsTo(sim, 'content')).toHaveLength(0);
	});
});

describe('the Download operation', () => {
	test('of a link-only job: retrieves it, then fetches its link without the key', async () => {
		const sim = getSim();
		const id = await H.seedJob(sim, { model: SEEDANCE });
		const result = await H.runVideoNode(sim, H.downloadParams(id));

		await storedVideo(result, sim);
		expect(routes(sim)).toEqual(['retrieve']);
		expect(sim.storageRequests).toHaveLength(1);
		expect(sim.hostsThatSaw()).toEqual(['api']);
	});

	test('Download From is read only where a file is downloaded: a Create without it runs', async () => {
		const sim = getSim();
		const result = await H.runVideoNode(
			sim,
			H.createParams({ waitForCompletion: false, options: { downloadFrom: 'mirror' } }),
		);

		expect(result.status).toBe('success');
		expect(H.requestsTo(sim, 'create')).toHaveLength(1);
	});
});
