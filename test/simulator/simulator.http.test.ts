/**
 * Checks the CometAPI simulator over real HTTP (global fetch), so the suites built on it can trust it.
 */
import { sha256 } from '../../tools/files';
import type { VideoView } from '../../tools/simulator';
import { useSimulator } from '../support/helpers';
import * as H from '../support/simulator-http';
import { expectEnvelope, form, sleep, type Fields, type FilePart } from '../support/simulator-http';

const getSim = useSimulator({ jobDurationMs: 150, videoBytes: 100_000 });
const auth = () => H.auth(getSim());
const create = (fields: Fields, files?: FilePart[]) => H.create(getSim(), fields, files);
const createJob = (fields: Fields, files?: FilePart[]) => H.createJob(getSim(), fields, files);
const retrieve = (id: string) => H.retrieve(getSim(), id);
const retrieveView = (id: string) => H.retrieveView(getSim(), id);
const content = (id: string, init?: { headers?: Record<string, string> }) =>
	H.content(getSim(), id, init);
const waitFor = (id: string) => H.waitFor(getSim(), id);

describe('auth and models', () => {
	test('rejects a missing or wrong key with the error envelope', async () => {
		const sim = getSim();
		for (const headers of [{}, { authorization: 'Bearer nope' }] as Record<string, string>[]) {
			const response = await fetch(`${sim.url}/v1/models`, { headers });
			expect(response.status).toBe(401);
			expectEnvelope(await response.json());
		}
		expect(sim.requests.map((r) => r.status)).toEqual([401, 401]);
	});

	test('lists models', async () => {
		const sim = getSim();
		const response = await fetch(`${sim.url}/v1/models`, { headers: auth() });
		const body = (await response.json()) as { object: string; data: { id: string }[] };
		expect(body.object).toBe('list');
		expect(body.data.map((m) => m.id)).toEqual(expect.arrayContaining(['veo3-fast', 'sora-2']));
	});

	test('unknown paths answer a 404 envelope', async () => {
		const sim = getSim();
		const response = await fetch(`${sim.url}/v1/videos/abc/delete`, {
			method: 'POST',
			headers: auth(),
		});
		expect(response.status).toBe(404);
		expectEnvelope(await response.json());
	});
});

describe('job lifecycle', () => {
	test('a Veo job goes queued -> in_progress -> completed and serves its bytes', async () => {
		const sim = getSim();
		sim.configure({ plan: (c) => (c.prompt === 'slow' ? { durationMs: 10_000 } : undefined) });
		// 10% of 10 s is spent queued: long enough to observe reliably.
		expect(await retrieveView((await createJob({ prompt: 'slow' })).id)).toMatchObject({
			status: 'queued',
			progress: 0,
		});
		sim.configure({ jobDurationMs: 300 });
		const created = await createJob({ prompt: 'a cat' });
		expect(created).toMatchObject({
			object: 'video',
			status: 'queued',
			progress: 0,
			size: '16x9',
			seconds: '',
		});
		expect(created.id).toMatch(/^task_/);
		expect(created.task_id).toBe(created.id);
		expect(created.model).not.toBe('veo3-fast');

		const early = await content(created.id);
		expect(early.status).toBe(400);
		expectEnvelope(await early.json(), { type: 'invalid_request_error' });

		const seen: [string, number][] = [];
		let job: VideoView;
		do {
			job = await retrieveView(created.id);
			seen.push([job.status, job.progress]);
			await sleep(10);
		} while (job.status !== 'completed');
		expect(seen.map(([status]) => status)).toContain('in_progress');
		const progress = seen.map(([, value]) => value);
		expect(progress).toEqual([...progress].sort((a, b) => a - b));
		expect(job).toMatchObject({ progress: 100, prompt: 'a cat', error: null });
		expect(Number(job.expires_at) - Number(job.completed_at)).toBe(3600);

		const response = await content(created.id);
		expect(response.headers.get('content-type')).toBe('video/mp4');
		expect(response.headers.get('content-length')).toBe('100000');
		const bytes = Buffer.from(await response.arrayBuffer());
		expect(bytes.subarray(4, 8).toString()).toBe('ftyp');
		expect(bytes.equals(sim.videoBuffer(created.id))).toBe(true);
		expect(sha256(bytes)).toBe(sim.videoSha256(created.id));

		// The temporary link is signed: it works without the key.
		const viaLink = await fetch(String(job.video_url));
		expect(sha256(Buffer.from(await viaLink.arrayBuffer()))).toBe(sim.videoSha256(created.id));
		expect(sim.jobs.get(created.id)?.finishedAt).not.toBeNull();
	});

	test('ranges across chunk boundaries match the full file', async () => {
		const sim = getSim();
		sim.configure({ jobDurationMs: 0, videoBytes: 3 * 1024 * 1024 + 123 });
		const { id } = await createJob({ prompt: 'big' });
		const full = sim.videoBuffer(id);
		const start = 1024 * 1024 - 7;
		const response = await content(id, { headers: { range: `bytes=${start}-${start + 200_000}` } });
		expect(response.status).toBe(206);
		expect(response.headers.get('content-range')).toBe(
			`bytes ${start}-${start + 200_000}/${full.length}`,
		);
		expect(
			Buffer.from(await response.arrayBuffer()).equals(full.subarray(start, start + 200_001)),
		).toBe(true);
		const tail = await content(id, { headers: { range: `bytes=${full.length - 5}-` } });
		expect(Buffer.from(await tail.arrayBuffer()).equals(full.subarray(-5))).toBe(true);
		expect((await content(id, { headers: { range: `bytes=${full.length}-` } })).status).toBe(416);
		const thumbnail = await fetch(`${sim.url}/v1/videos/${id}/content?variant=thumbnail`, {
			headers: auth(),
		});
		expect(thumbnail.headers.get('content-type')).toBe('image/webp');
		expect(
			Buffer.from(await thumbnail.arrayBuffer()).equals(sim.videoBuffer(id, 'thumbnail')),
		).toBe(true);
	});

	test('plans, prompt markers, link fields and poll hints', async () => {
		const sim = getSim();
		sim.configure({
			jobDurationMs: 0,
			linkField: 'metadata.url',
			pollAfterMs: 250,
			plan: (c) =>
				c.prompt.includes('boom') ? { outcome: 'error', errorMessage: 'boom' } : undefined,
		});
		const ok = await retrieveView((await createJob({ prompt: 'fine' })).id);
		expect(ok.metadata?.url).toContain(`/v1/videos/${ok.id}/content`);
		expect(ok.video_url).toBeUndefined();

		const failed = await waitFor((await createJob({ prompt: 'x [fail]' })).id);
		expect(failed.status).toBe('failed');
		expect(failed.error?.message).toMatch(/safety/);
		const silent = await waitFor((await createJob({ prompt: 'x [fail-noerror]' })).id);
		expect(silent).toMatchObject({ status: 'failed', error: null });
		const errored = await retrieve((await createJob({ prompt: 'boom' })).id);
		expect(errored.headers.get('openai-poll-after-ms')).toBe('250');
		expect(await errored.json()).toMatchObject({ status: 'error', error: { message: 'boom' } });

		sim.configure({ linkField: 'none', plan: () => ({ outcome: 'never', durationMs: 50 }) });
		const stuck = await createJob({ prompt: 'stuck' });
		await sleep(80);
		expect(await retrieveView(stuck.id)).toMatchObject({
			status: 'in_progress',
			progress: 99,
		});
	});

	test('remix needs a completed source and counts as a create', async () => {
		const sim = getSim();
		sim.configure({ jobDurationMs: 100 });
		const source = await createJob({
			prompt: 'base',
			model: 'sora-2',
			size: '1280x720',
			seconds: '8',
		});
		expect(source.id).toMatch(/^video_/);
		const remix = (id: string) =>
			fetch(`${sim.url}/v1/videos/${id}/remix`, {
				method: 'POST',
				headers: { ...auth(), 'content-type': 'application/json' },
				body: JSON.stringify({ prompt: 'more' }),
			});
		expect((await remix(source.id)).status).toBe(400);
		await waitFor(source.id);
		const remixed = await (await remix(source.id)).json();
		expect(remixed).toMatchObject({
			remixed_from_video_id: source.id,
			seconds: '8',
			size: '1280x720',
		});
		expect(sim.createCount()).toBe(2);
		expect(sim.creates[1]).toMatchObject({ prompt: 'more', remixedFromVideoId: source.id });
	});
});

describe('create validation', () => {
	test('rejects invalid creates without making a job', async () => {
		const sim = getSim();
		const png = Buffer.from('png');
		const invalid: [Fields, FilePart[]?][] = [
			[{ model: 'sora-2' }],
			[{ prompt: 'x'.repeat(32001) }],
			[{ prompt: 'x', model: 'sora-2', size: '16:9' }],
			[{ prompt: 'x', model: 'sora-2', size: '1792x1024' }],
			[{ prompt: 'x', model: 'sora-2', seconds: '6' }],
			[{ prompt: 'x', model: 'sora-2' }, [{ bytes: png }, { bytes: png }]],
			[{ prompt: 'x', input_reference: ['https://a/1.png', 'https://a/2.png', 'https://a/3.png'] }],
			[{ prompt: 'x', input_reference: 'not a url' }],
			[{ prompt: 'x' }, [{ bytes: png, type: 'text/plain' }]],
		];
		for (const [fields, files] of invalid) {
			const response = await create(fields, files);
			expect(response.status).toBe(400);
			expectEnvelope(await response.json());
		}
		const json = await fetch(`${sim.url}/v1/videos`, {
			method: 'POST',
			headers: { ...auth(), 'content-type': 'application/json' },
			body: JSON.stringify({ prompt: 'x' }),
		});
		expect(json.status).toBe(400);
		expect(sim.createCount()).toBe(0);
	});

	test('records fields and files in order', async () => {
		const sim = getSim();
		const first = Buffer.from('first frame');
		const last = Buffer.from('last frame');
		const job = await createJob({ prompt: 'frames', model: 'veo3.1', seconds: '8' }, [
			{ bytes: first, fileName: 'a.png' },
			{ bytes: last, type: 'image/jpeg', fileName: 'b.jpg' },
		]);
		const sora = await createJob({ prompt: 'p', model: 'sora-2-pro', size: '1792x1024' }, [
			{ bytes: first },
		]);
		expect(sora.size).toBe('1792x1024');
		expect(sim.creates[0]).toMatchObject({
			id: job.id,
			model: 'veo3.1',
			prompt: 'frames',
			fields: { seconds: '8' },
		});
		expect(sim.creates[0].files).toEqual([
			{
				fieldName: 'input_reference',
				fileName: 'a.png',
				mimeType: 'image/png',
				size: first.length,
				sha256: sha256(first),
			},
			{
				fieldName: 'input_reference',
				fileName: 'b.jpg',
				mimeType: 'image/jpeg',
				size: last.length,
				sha256: sha256(last),
			},
		]);
		expect(sim.requests[0]).toMatchObject({
			route: 'create',
			method: 'POST',
			path: '/v1/videos',
			status: 200,
		});
		expect(sim.requests[0].headers.authorization).toBe(auth().authorization);
	});
});

describe('faults', () => {
	test('HTTP error faults: a plain one creates nothing, acceptThenFail creates the job', async () => {
		const sim = getSim();
		sim.fault('create', { status: 429, headers: { 'retry-after': '1' }, times: 2 });
		for (let i = 0; i < 2; i++) {
			const response = await create({ prompt: 'x' });
			expect(response.status).toBe(429);
			expect(response.headers.get('retry-after')).toBe('1');
			expectEnvelope(await response.json());
		}
		sim.fault('create', { status: 502, acceptThenFail: true });
		expect((await create({ prompt: 'x' })).status).toBe(502);
		expect((await create({ prompt: 'x' })).status).toBe(200);
		expect(sim.createCount()).toBe(2);
		sim.fault('*', { status: 500, code: 'invalid_request' });
		const response = await fetch(`${sim.url}/v1/models`, { headers: auth() });
		const body = (await response.json()) as { error: { code: string } };
		expect(body.error.code).toBe('invalid_request');
	});

	test('resets: after the request (job made) or before accepting it (nothing made)', async () => {
		const sim = getSim();
		sim.fault('create', { kind: 'reset' });
		await expect(create({ prompt: 'x' })).rejects.toThrow();
		expect(sim.createCount()).toBe(1);
		sim.fault('create', { kind: 'reset', beforeAccept: true });
		await expect(create({ prompt: 'x' })).rejects.toThrow();
		expect(sim.createCount()).toBe(1);
		expect(sim.requests.map((r) => r.status)).toEqual([null, null]);
	});

	test('html, malformed JSON, moved and slow answers', async () => {
		const sim = getSim();
		const { id } = await createJob({ prompt: 'x' });
		sim.fault('retrieve', { kind: 'html' });
		const html = await retrieve(id);
		expect(html.headers.get('content-type')).toMatch(/^text\/html/);
		sim.fault('retrieve', { kind: 'malformed-json' });
		await expect((await retrieve(id)).json()).rejects.toThrow(/JSON/);
		sim.fault('retrieve', { kind: 'moved' });
		const moved = await fetch(`${sim.url}/v1/videos/${id}`, {
			headers: auth(),
			redirect: 'manual',
		});
		expect(moved.status).toBe(301);
		expect(moved.headers.get('location')).toBeTruthy();
		sim.fault('create', { kind: 'slow', delayMs: 2000 });
		const slow = fetch(`${sim.url}/v1/videos`, {
			method: 'POST',
			headers: auth(),
			body: form({ prompt: 'slow' }),
			signal: AbortSignal.timeout(100),
		});
		await expect(slow).rejects.toThrow();
		expect(sim.createCount()).toBe(2);
	});

	test('truncated downloads and redirects to a second origin', async () => {
		const sim = getSim();
		sim.configure({ jobDurationMs: 0 });
		const { id } = await createJob({ prompt: 'x' });
		sim.fault('content', { kind: 'truncate', bytes: 1000 });
		const truncated = await content(id);
		expect(truncated.headers.get('content-length')).toBe('100000');
		await expect(truncated.arrayBuffer()).rejects.toThrow();

		sim.fault('content', { kind: 'redirect' });
		const redirected = await content(id);
		expect(redirected.url.startsWith(sim.fileOrigin)).toBe(true);
		expect(new URL(sim.fileOrigin).origin).not.toBe(new URL(sim.url).origin);
		expect(sha256(Buffer.from(await redirected.arrayBuffer()))).toBe(sim.videoSha256(id));
		expect(sim.redirectRequests).toHaveLength(1);
		// fetch drops Authorization on a cross-origin redirect; the simulator lets tests check that.
		expect(sim.redirectRequests[0].headers.authorization).toBeUndefined();
	});
});

describe('stats', () => {
	test('maxInFlight, maxConcurrentJobs and reset()', async () => {
		const sim = getSim();
		sim.configure({ jobDurationMs: 200 });
		sim.fault('models', { kind: 'slow', delayMs: 100, times: 3 });
		await Promise.all([1, 2, 3].map(() => fetch(`${sim.url}/v1/models`, { headers: auth() })));
		expect(sim.maxInFlight).toBe(3);
		await Promise.all([1, 2].map(() => createJob({ prompt: 'overlap' })));
		expect(sim.maxConcurrentJobs()).toBe(2);
		sim.resetStats();
		expect(sim.maxInFlight).toBe(0);
		sim.reset();
		expect(sim.jobs.size + sim.requests.length + sim.createCount()).toBe(0);
		expect(sim.maxConcurrentJobs()).toBe(0);
	});
});
