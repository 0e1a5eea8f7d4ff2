/**
 * How the simulator delivers the file: Seedance only through its signed, expiring link on the
 * storage host (its `/content` refuses), the other families through `/content` and a link; files
 * served untyped or chunked; every request recorded per host.
 */
import { sha256 } from '../../tools/files';
import { useSimulator } from '../support/helpers';
import {
	content,
	createJob,
	expectEnvelope,
	retrieve,
	retrieveView,
	waitFor,
} from '../support/simulator-http';

const getSim = useSimulator({ jobDurationMs: 0, videoBytes: 50_000 });

async function completed(model: string, prompt = 'a lighthouse at dusk') {
	const sim = getSim();
	const { id } = await createJob(sim, { model, prompt });
	return waitFor(sim, id);
}

test('Seedance is link-only: video_url on the storage host, fetched without the key; /content refuses', async () => {
	const sim = getSim();
	const job = await completed('doubao-seedance-2-0');
	expect(job.status).toBe('completed');
	const link = new URL(String(job.video_url));
	expect(link.origin).toBe(sim.fileOrigin);
	expect(link.origin).not.toBe(new URL(sim.url).origin);
	expect(link.searchParams.get('expires')).toBe(String(Number(job.completed_at) + 3600));

	const refused = await content(sim, job.id);
	expect(refused.status).toBe(404);
	expectEnvelope(await refused.json(), { code: 'not_found' });
	for (const noContentStatus of [405, 501]) {
		sim.configure({ noContentStatus });
		expect((await content(sim, job.id)).status).toBe(noContentStatus);
	}

	const file = await fetch(link);
	expect(file.status).toBe(200);
	expect(file.headers.get('content-type')).toBe('video/mp4');
	expect(file.headers.get('content-length')).toBe('50000');
	expect(sha256(Buffer.from(await file.arrayBuffer()))).toBe(sim.videoSha256(job.id));

	expect(sim.requestLog().map(({ host, path }) => `${host} ${path}`)).toEqual([
		'api /v1/videos',
		...Array(sim.requests.length - 4).fill(`api /v1/videos/${job.id}`),
		...Array(3).fill(`api /v1/videos/${job.id}/content`),
		`storage /results/${job.id}.mp4`,
	]);
	expect(sim.storageRequests).toHaveLength(1);
	expect(sim.storageRequests[0].headers.authorization).toBeUndefined();
	expect(sim.hostsThatSaw()).toEqual(['api']);
});

test('hostsThatSaw names the storage host when the key reaches it', async () => {
	const sim = getSim();
	const job = await completed('doubao-seedance-2-0-fast');
	await (
		await fetch(String(job.video_url), { headers: { authorization: `Bearer ${sim.apiKey}` } })
	).arrayBuffer();
	expect(sim.hostsThatSaw()).toEqual(['api', 'storage']);
	expect(sim.hostsThatSaw('no such text')).toEqual([]);
});

test('other families: /content serves the file and the link is on the storage host too', async () => {
	const sim = getSim();
	for (const model of ['wan2.7', 'viduq3', 'happyhorse-1.0', 'omni-fast']) {
		const job = await completed(model);
		expect(new URL(String(job.video_url)).origin).toBe(sim.fileOrigin);
		const viaContent = await content(sim, job.id);
		expect(viaContent.status).toBe(200);
		const viaLink = await fetch(String(job.video_url));
		expect(
			Buffer.from(await viaLink.arrayBuffer()).equals(Buffer.from(await viaContent.arrayBuffer())),
		).toBe(true);
	}
	// Sora and Veo keep the API host's signed /content link unless linkHost says otherwise.
	const veo = await completed('veo3.1-fast');
	expect(String(veo.video_url)).toMatch(
		new RegExp(`^${sim.url}/v1/videos/${veo.id}/content\\?token=`),
	);
	sim.configure({ linkHost: 'storage' });
	expect(new URL(String((await retrieveView(sim, veo.id)).video_url)).origin).toBe(sim.fileOrigin);
});

test('contentRoute turns a family proxied download off (Veo is ambiguous) or on', async () => {
	const sim = getSim();
	sim.configure({ contentRoute: { veo: false, seedance: true } });
	const veo = await completed('veo3-fast');
	expect((await content(sim, veo.id)).status).toBe(404);
	const seedance = await completed('doubao-seedance-1-5-pro');
	expect((await content(sim, seedance.id)).status).toBe(200);
	expect(() => sim.configure({ contentRoute: { kling: true } as never })).toThrow(/Unknown family/);
});

test('links are signed and expire; the storage host answers in XML', async () => {
	const sim = getSim();
	const job = await completed('doubao-seedance-2-0');
	const tampered = new URL(String(job.video_url));
	tampered.searchParams.set('expires', String(Number(tampered.searchParams.get('expires')) + 1));
	const forged = await fetch(tampered);
	expect(forged.status).toBe(403);
	expect(forged.headers.get('content-type')).toBe('application/xml');
	expect(await forged.text()).toContain('<Code>SignatureDoesNotMatch</Code>');

	sim.configure({ linkTtlSeconds: 0 });
	const expired = await retrieveView(sim, job.id);
	expect(expired.completed_at).toBeDefined();
	const answer = await fetch(String(expired.video_url));
	expect(answer.status).toBe(403);
	expect(await answer.text()).toContain('Request has expired');
});

test.each([
	['none', null],
	['application/octet-stream', 'application/octet-stream'],
	['binary/octet-stream', 'binary/octet-stream'],
] as const)('link files typed %s', async (linkContentType, expected) => {
	const sim = getSim();
	sim.configure({ linkContentType });
	const job = await completed('doubao-seedance-2-0');
	const file = await fetch(String(job.video_url));
	expect(file.headers.get('content-type')).toBe(expected);
	expect(file.headers.get('content-length')).toBe('50000');
	const bytes = Buffer.from(await file.arrayBuffer());
	expect(bytes.toString('latin1', 4, 8)).toBe('ftyp');
	// The API's own /content keeps its type.
	const veo = await completed('veo3.1');
	expect((await content(sim, veo.id)).headers.get('content-type')).toBe('video/mp4');
});

test('link files chunked, without Content-Length, arrive whole', async () => {
	const sim = getSim();
	sim.configure({ linkChunked: true, videoBytes: 3 * 1024 * 1024 + 7 });
	const job = await completed('doubao-seedance-2-0');
	const file = await fetch(String(job.video_url));
	expect(file.headers.get('content-length')).toBeNull();
	expect(file.headers.get('transfer-encoding')).toBe('chunked');
	expect(sha256(Buffer.from(await file.arrayBuffer()))).toBe(sim.videoSha256(job.id));
});

test('link fields: video_url, metadata.url or neither, for a link-only job too', async () => {
	const sim = getSim();
	sim.configure({ linkField: 'metadata.url' });
	const viaMetadata = await completed('doubao-seedance-2-0');
	expect(viaMetadata.video_url).toBeUndefined();
	expect(new URL(String(viaMetadata.metadata?.url)).origin).toBe(sim.fileOrigin);
	sim.configure({ linkField: 'none' });
	const bare = await retrieveView(sim, viaMetadata.id);
	expect(bare).not.toHaveProperty('video_url');
	expect(bare).not.toHaveProperty('metadata');
});

test('faults on the link route: truncated, redirected, HTML, an error status; "*" leaves links alone', async () => {
	const sim = getSim();
	const job = await completed('doubao-seedance-2-0');
	const link = String(job.video_url);
	sim.fault('*', { status: 500 });
	sim.fault('link', { kind: 'truncate', bytes: 1000 });
	const truncated = await fetch(link);
	expect(truncated.headers.get('content-length')).toBe('50000');
	await expect(truncated.arrayBuffer()).rejects.toThrow();

	sim.fault('link', { kind: 'redirect' });
	const redirected = await fetch(link, { redirect: 'manual' });
	expect(redirected.status).toBe(302);
	const target = String(redirected.headers.get('location'));
	expect(target.startsWith(`${sim.fileOrigin}/files/${job.id}?`)).toBe(true);
	expect(sha256(Buffer.from(await (await fetch(target)).arrayBuffer()))).toBe(
		sim.videoSha256(job.id),
	);

	sim.fault('link', { kind: 'html' });
	expect((await fetch(link)).headers.get('content-type')).toMatch(/^text\/html/);
	sim.fault('link', { status: 403 });
	expect((await fetch(link)).status).toBe(403);
	sim.fault('link', { kind: 'reset' });
	await expect(fetch(link)).rejects.toThrow();
	// The '*' fault is still queued for the next API request.
	expect((await retrieve(sim, job.id)).status).toBe(500);
	expect(() => sim.fault('retrieve', { kind: 'truncate', bytes: 1 })).toThrow(/content and link/);
});
