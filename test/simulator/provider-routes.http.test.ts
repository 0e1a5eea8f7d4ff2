/**
 * The video routes of their own (other-routes sheet §1-3): Grok, Kling and Runway. Create, poll in
 * both answer shapes, the file behind the link, the documented refusals, Runway's header and
 * task_not_exist window, Kling's callbacks, Grok's pending answer and ticks.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import { CATALOGUE, grokTicks, type Simulator } from '../../tools/simulator';
import { useSimulator } from '../support/helpers';
import {
	content,
	expectEnvelope,
	getJson,
	postJson,
	retrieve,
	sleep,
} from '../support/simulator-http';

const getSim = useSimulator({ jobDurationMs: 0, runwayNotYetMs: 0 });

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const GROK = '/grok/v1/videos/generations';
const RUNWAY = '/runwayml/v1/image_to_video';
const RUNWAY_VERSION = { 'x-runway-version': '2024-11-06' };
const IMAGE = 'https://images.example/frame.png';

async function created(response: Response): Promise<Json> {
	expect(response.status).toBe(200);
	return (await response.json()) as Json;
}

async function refused(response: Response): Promise<Json> {
	expect(response.status).toBe(400);
	const body = (await response.json()) as Json;
	expectEnvelope(body, { code: 'invalid_request' });
	return body.error;
}

/** The link's file is the job's video, fetched from the storage host without the key. */
async function expectVideoAt(sim: Simulator, link: string, id: string) {
	expect(link.startsWith(`${sim.fileOrigin}/results/`)).toBe(true);
	const file = await fetch(link);
	expect(file.status).toBe(200);
	expect(Buffer.from(await file.arrayBuffer()).equals(sim.videoBuffer(id))).toBe(true);
}

describe('Grok', () => {
	test('create answers only request_id; the poll is done with the link and ticks, in both shapes', async () => {
		const sim = getSim();
		const { request_id: id, ...rest } = await created(
			await postJson(sim, GROK, { prompt: 'a cat', aspect_ratio: '16:9' }),
		);
		expect(rest).toEqual({});
		const plain = await getJson<Json>(sim, `/grok/v1/videos/${id}`);
		expect(plain.status).toBe(200);
		expect(plain.body).toMatchObject({
			request_id: id,
			model: 'grok-imagine-video',
			status: 'done',
			progress: 100,
			// duration omitted: an 8 s generation at the default 480p, 500000000 ticks a second.
			video: { duration: 8, respect_moderation: true },
			usage: { cost_in_usd_ticks: 8 * 500_000_000 },
		});
		await expectVideoAt(sim, plain.body.video.url, id);
		const job = sim.jobs.get(id)!;
		expect(job.task).toMatchObject({ provider: 'xai', durationOmitted: true, seconds: 8 });

		sim.configure({ answerShape: 'wrapped' });
		const wrapped = (await getJson<Json>(sim, `/grok/v1/videos/${id}`)).body;
		expect(wrapped).toMatchObject({
			code: 'success',
			message: '',
			data: {
				task_id: id,
				action: 'VIDEO_GENERATION',
				status: 'SUCCESS',
				progress: '100%',
				submit_time: Math.floor(job.createdAt / 1000),
				data: { status: 'done', video: { url: expect.any(String) } },
			},
		});
		// The live example carried the video URL in fail_reason on success.
		expect(wrapped.data.fail_reason).toBe(wrapped.data.data.video.url);
	});

	test('ticks scale with seconds and resolution', async () => {
		const sim = getSim();
		expect(grokTicks({ seconds: 1, resolution: '480p' })).toBe(500_000_000);
		const body = { prompt: 'p', duration: 3, resolution: '720p', model: 'grok-imagine-video-1.5' };
		const { request_id: id } = await created(await postJson(sim, GROK, body));
		const done = (await getJson<Json>(sim, `/grok/v1/videos/${id}`)).body;
		expect(done.model).toBe('grok-imagine-video-1.5');
		expect(done.video.duration).toBe(3);
		expect(done.usage.cost_in_usd_ticks).toBe(3 * 1_000_000_000);
		expect(grokTicks({ seconds: 3, resolution: '1080p' })).toBeGreaterThan(3 * 1_000_000_000);
	});

	test('pending: only request_id first, then queued, then processing', async () => {
		const sim = getSim();
		sim.configure({ jobDurationMs: 10_000 });
		const { request_id: id } = await created(await postJson(sim, GROK, { prompt: 'p' }));
		const poll = async () => (await getJson<Json>(sim, `/grok/v1/videos/${id}`)).body;
		expect(await poll()).toEqual({ request_id: id });
		const job = sim.jobs.get(id)!;
		job.createdAt -= 700; // past half of the 1 s queued phase
		expect(await poll()).toMatchObject({ status: 'queued', progress: 0 });
		job.createdAt -= 2000;
		const running = await poll();
		expect(running).toMatchObject({ status: 'processing' });
		expect(running).not.toHaveProperty('video');
	});

	test('a failed job answers xAI own failed shape with HTTP 200', async () => {
		const sim = getSim();
		const { request_id: id } = await created(await postJson(sim, GROK, { prompt: 'p [fail]' }));
		const { status, body } = await getJson<Json>(sim, `/grok/v1/videos/${id}`);
		expect(status).toBe(200);
		expect(body).toEqual({
			request_id: id,
			status: 'failed',
			video: { duration: 0, respect_moderation: true },
			model: '',
			progress: 100,
			error: { code: 'internal_error', message: expect.any(String) },
		});
	});

	test('values outside the documented ones are 400s in the envelope; images by URL or data URI', async () => {
		const sim = getSim();
		for (const bad of [
			{},
			{ prompt: '' },
			{ prompt: 'p', duration: 0 },
			{ prompt: 'p', duration: 16 },
			{ prompt: 'p', duration: 2.5 },
			{ prompt: 'p', resolution: '4k' },
			{ prompt: 'p', aspect_ratio: '5:4' },
			{ prompt: 'p', image: { url: 'ftp://x/y.png' } },
			{ prompt: 'p', image: 'https://x/y.png' },
		])
			await refused(await postJson(sim, GROK, bad));
		for (const url of [IMAGE, 'data:image/png;base64,iVBORw0KGgo='])
			await created(await postJson(sim, GROK, { prompt: 'p', duration: 15, image: { url } }));
		expect(sim.createCount()).toBe(2);
		expect([...sim.jobs.values()].map((job) => job.task?.imageForms.image)).toEqual([
			'url',
			'data-uri',
		]);
	});
});

describe('Kling', () => {
	test('text2video: the create envelope, a 19-digit id, the poll with the link, in both shapes', async () => {
		const sim = getSim();
		const body = { model_name: 'kling-v2-6', prompt: 'p', duration: '5', mode: 'pro' };
		const answer = await created(await postJson(sim, '/kling/v1/videos/text2video', body));
		expect(answer).toEqual({
			code: 0,
			message: 'success',
			data: {
				task_id: expect.stringMatching(/^[1-9]\d{18}$/),
				task_status: 'submitted',
				task_info: {},
				created_at: expect.any(Number),
				updated_at: expect.any(Number),
			},
		});
		const id = answer.data.task_id as string;
		const plain = (await getJson<Json>(sim, `/kling/v1/videos/text2video/${id}`)).body;
		expect(plain).toMatchObject({
			code: 0,
			message: 'SUCCEED',
			request_id: expect.any(String),
			data: { task_id: id, task_status: 'succeed' },
		});
		const video = plain.data.task_result.videos[0];
		expect(video).toEqual({ id: expect.any(String), url: expect.any(String), duration: '5' });
		await expectVideoAt(sim, video.url, id);

		sim.configure({ answerShape: 'wrapped' });
		const wrapped = (await getJson<Json>(sim, `/kling/v1/videos/text2video/${id}`)).body;
		expect(wrapped).toMatchObject({
			code: 'success',
			data: { task_id: id, action: 'VIDEO_GENERATION', status: 'SUCCESS', fail_reason: '' },
		});
		expect(wrapped.data.data.task_result.videos[0].url).toBe(video.url);
		expect(sim.creates[0]).toMatchObject({
			model: 'kling-v2-6',
			endpoint: { provider: 'kling', action: 'text2video' },
		});
	});

	test('image2video and omni-video: their own rules and actions', async () => {
		const sim = getSim();
		const i2v = '/kling/v1/videos/image2video';
		await refused(await postJson(sim, i2v, { prompt: 'p' })); // image is required
		await refused(await postJson(sim, i2v, { image: 'not an image!' }));
		const base64 = (await created(await postJson(sim, i2v, { image: 'iVBORw0KGgo=' }))).data;
		const prefixed = await created(
			await postJson(sim, i2v, { image: 'data:image/png;base64,iVBO', image_tail: IMAGE }),
		);
		expect(sim.jobs.get(base64.task_id)!.task!.imageForms).toEqual({ image: 'base64' });
		expect(sim.jobs.get(prefixed.data.task_id)!.task!.imageForms).toEqual({
			image: 'data-uri',
			image_tail: 'url',
		});
		const wrapped = async (path: string) => {
			sim.configure({ answerShape: 'wrapped' });
			return (await getJson<Json>(sim, path)).body.data.action;
		};
		expect(await wrapped(`${i2v}/${base64.task_id}`)).toBe('IMAGE_TO_VIDEO');

		const omni = '/kling/v1/videos/omni-video';
		const long = 'x'.repeat(2500);
		const job = (await created(await postJson(sim, omni, { prompt: long, duration: 3 }))).data;
		await refused(await postJson(sim, omni, { prompt: 'x'.repeat(2501) }));
		await refused(await postJson(sim, omni, { prompt: 'p', duration: 11 }));
		await refused(await postJson(sim, omni, { prompt: 'p', aspect_ratio: '4:3' }));
		expect(sim.creates.at(-1)?.model).toBe('kling-video-o1');
		expect(await wrapped(`${omni}/${job.task_id}`)).toBe('OMNI_VIDEO');
		sim.configure({ answerShape: 'plain' });
		expect((await getJson<Json>(sim, `${omni}/${job.task_id}`)).body.message).toBe('success');
	});

	test('documented limits are 400s; a task polled on another action is unknown (404)', async () => {
		const sim = getSim();
		const t2v = '/kling/v1/videos/text2video';
		for (const bad of [
			{},
			{ prompt: 'x'.repeat(501) },
			{ prompt: 'p', negative_prompt: 'x'.repeat(201) },
			{ prompt: 'p', duration: 7 },
			{ prompt: 'p', duration: '15' },
			{ prompt: 'p', mode: 'turbo' },
			{ prompt: 'p', aspect_ratio: '21:9' },
			{ prompt: 'p', cfg_scale: 1.5 },
			{ prompt: 'p', callback_url: 'not a url' },
		])
			await refused(await postJson(sim, t2v, bad));
		const ok = { prompt: 'x'.repeat(500), duration: 10, aspect_ratio: '3:2', cfg_scale: 0.5 };
		const id = (await created(await postJson(sim, t2v, ok))).data.task_id;
		for (const path of [`/kling/v1/videos/image2video/${id}`, `/kling/v1/videos/effects/${id}`]) {
			const { status, body } = await getJson(sim, path);
			expect(status).toBe(404);
			expectEnvelope(body, { code: 'not_found' });
		}
	});

	test('a failed task reads failed with task_status_msg', async () => {
		const sim = getSim();
		const t2v = '/kling/v1/videos/text2video';
		const id = (await created(await postJson(sim, t2v, { prompt: 'p [fail]' }))).data.task_id;
		const { data } = (await getJson<Json>(sim, `${t2v}/${id}`)).body;
		expect(data).toMatchObject({ task_status: 'failed', task_status_msg: expect.any(String) });
		expect(data.task_result).toEqual({});
	});
});

describe('Kling callbacks', () => {
	let server: http.Server;
	let received: Json[];
	let failNext: number;
	let callbackUrl: string;

	beforeAll(async () => {
		server = http.createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (chunk) => chunks.push(chunk));
			req.on('end', () => {
				received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json);
				res.writeHead(failNext-- > 0 ? 500 : 200).end();
			});
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		callbackUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
	});
	beforeEach(() => {
		received = [];
		failNext = 0;
	});
	afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

	test('each status change is POSTed (processing, then succeed); a failed delivery is retried', async () => {
		const sim = getSim();
		sim.configure({ jobDurationMs: 300 });
		failNext = 1; // the first POST (processing) answers 500 once
		const body = { prompt: 'p', callback_url: callbackUrl, external_task_id: 'mine-1' };
		const started = Date.now();
		const answer = await created(await postJson(sim, '/kling/v1/videos/text2video', body));
		expect(Date.now() - started).toBeLessThan(250); // the answer did not wait for callbacks
		const id = answer.data.task_id;
		await sleep(350);
		await sim.callbacksSettled();
		expect(sim.callbacks.map(({ attempt, status }) => [attempt, status])).toEqual([
			[1, 500],
			[2, 200],
			[1, 200],
		]);
		expect(received.map((payload) => payload.task_status)).toEqual([
			'processing',
			'processing',
			'succeed',
		]);
		const last = received[2];
		expect(last).toMatchObject({
			task_id: id,
			task_status_msg: '',
			task_info: { external_task_id: 'mine-1' },
			created_at: answer.data.created_at,
			task_result: { videos: [{ url: expect.any(String), duration: '5' }] },
		});
		expect(last.updated_at).toBeGreaterThan(received[0].updated_at);
		expect(sim.callbacks[2]).toMatchObject({ url: callbackUrl, payload: last });
		await expectVideoAt(sim, last.task_result.videos[0].url, id);
	});

	test('an unreachable receiver is tried three times, each attempt recorded with its error', async () => {
		const sim = getSim();
		const dead = 'http://127.0.0.1:1/hook';
		const body = { prompt: 'p [fail]', callback_url: dead };
		await created(await postJson(sim, '/kling/v1/videos/text2video', body));
		await sim.callbacksSettled();
		expect(sim.callbacks).toHaveLength(3);
		for (const record of sim.callbacks) {
			expect(record).toMatchObject({ url: dead, status: null, error: expect.any(String) });
			expect(record.payload).toMatchObject({ task_status: 'failed' });
		}
	});
});

describe('Runway', () => {
	test('create needs X-Runway-Version; the poll is SUCCEEDED with output, in both shapes', async () => {
		const sim = getSim();
		const body = { promptImage: IMAGE, model: 'gen4_turbo', promptText: 'p', ratio: '1280:720' };
		expect((await refused(await postJson(sim, RUNWAY, body))).message).toMatch(/X-Runway-Version/);
		expect(sim.createCount()).toBe(0);
		const { id, ...rest } = await created(await postJson(sim, RUNWAY, body, RUNWAY_VERSION));
		expect(rest).toEqual({});
		expect(id).toMatch(/^[0-9a-f-]{36}$/);
		const plain = (await getJson<Json>(sim, `/runwayml/v1/tasks/${id}`)).body;
		expect(plain).toEqual({
			id,
			status: 'SUCCEEDED',
			createdAt: new Date(sim.jobs.get(id)!.createdAt).toISOString(),
			progress: 1,
			output: [expect.any(String)],
		});
		await expectVideoAt(sim, plain.output[0], id);
		sim.configure({ answerShape: 'wrapped' });
		const wrapped = (await getJson<Json>(sim, `/runwayml/v1/tasks/${id}`)).body;
		expect(wrapped.data).toMatchObject({
			action: 'IMAGE_TO_VIDEO',
			status: 'SUCCESS',
			data: { status: 'SUCCEEDED' },
		});
	});

	test('a fresh task answers task_not_exist during runwayNotYetMs', async () => {
		const sim = getSim();
		sim.configure({ runwayNotYetMs: 300 });
		const { id } = await created(
			await postJson(sim, RUNWAY, { promptImage: IMAGE }, RUNWAY_VERSION),
		);
		const early = await getJson(sim, `/runwayml/v1/tasks/${id}`);
		expect(early.status).toBe(400);
		expectEnvelope(early.body, { code: 'task_not_exist', exactMessage: 'task_not_exist' });
		await sleep(320);
		expect((await getJson<Json>(sim, `/runwayml/v1/tasks/${id}`)).body.status).toBe('SUCCEEDED');
	});

	test('documented limits are 400s; first and last frames; a failure carries failure and failureCode', async () => {
		const sim = getSim();
		for (const bad of [
			{},
			{ promptImage: 'ftp://x' },
			{ promptImage: [{ uri: IMAGE, position: 'middle' }] },
			{ promptImage: IMAGE, promptText: 'x'.repeat(513) },
			{ promptImage: IMAGE, ratio: '1:1' },
			{ promptImage: IMAGE, duration: 11 },
			{ promptImage: IMAGE, seed: 1_000_000_000 },
			{ promptImage: IMAGE, watermark: 'yes' },
		])
			await refused(await postJson(sim, RUNWAY, bad, RUNWAY_VERSION));
		const frames = [
			{ uri: IMAGE, position: 'first' },
			{ uri: 'data:image/jpeg;base64,/9j/4AAQ', position: 'last' },
		];
		const body = {
			promptImage: frames,
			promptText: 'p [fail]',
			seed: 999_999_999,
			watermark: false,
		};
		const { id } = await created(await postJson(sim, RUNWAY, body, RUNWAY_VERSION));
		expect(sim.jobs.get(id)!.task!.imageForms).toEqual({
			'promptImage.first': 'url',
			'promptImage.last': 'data-uri',
		});
		const failed = (await getJson<Json>(sim, `/runwayml/v1/tasks/${id}`)).body;
		expect(failed).toMatchObject({ status: 'FAILED', failure: expect.any(String) });
		expect(failed.failureCode).toEqual(expect.any(String));
		expect(failed).not.toHaveProperty('output');
	});
});

describe('shared behaviour', () => {
	test("answerShape 'alternate' switches per poll of a job", async () => {
		const sim = getSim();
		sim.configure({ answerShape: 'alternate' });
		const { request_id: id } = await created(await postJson(sim, GROK, { prompt: 'p' }));
		const shapes: string[] = [];
		for (let poll = 0; poll < 4; poll++) {
			const { body } = await getJson<Json>(sim, `/grok/v1/videos/${id}`);
			shapes.push(body.code === 'success' ? 'wrapped' : 'plain');
		}
		expect(shapes).toEqual(['plain', 'wrapped', 'plain', 'wrapped']);
		expect(() => sim.configure({ answerShape: 'nested' as never })).toThrow(/answerShape/);
	});

	test('the key, records, faults on create/retrieve and the /v1/videos routes', async () => {
		const sim = getSim();
		const noKey = await fetch(`${sim.url}${GROK}`, { method: 'POST', body: '{"prompt":"p"}' });
		expect(noKey.status).toBe(401);
		sim.fault('create', { status: 503 });
		expect((await postJson(sim, RUNWAY, { promptImage: IMAGE }, RUNWAY_VERSION)).status).toBe(503);
		expect(sim.createCount()).toBe(0);
		const { request_id: id } = await created(await postJson(sim, GROK, { prompt: 'p' }));
		sim.fault('retrieve', { status: 502 });
		expect((await getJson(sim, `/grok/v1/videos/${id}`)).status).toBe(502);
		expect((await getJson(sim, `/grok/v1/videos/${id}`)).status).toBe(200);
		const record = sim.requests.find((r) => r.route === 'create' && r.status === 200)!;
		expect(record).toMatchObject({ provider: 'xai', path: GROK, fields: { prompt: 'p' } });
		expect(record.headers['content-type']).toBe('application/json');
		// A provider job is not a /v1/videos job, and has no /content route.
		expect((await retrieve(sim, id)).status).toBe(404);
		expect((await content(sim, id)).status).toBe(404);
		sim.configure({ retiredModels: ['gen3a_turbo'] });
		const retired = await postJson(sim, RUNWAY, { promptImage: IMAGE }, RUNWAY_VERSION);
		expect(retired.status).toBe(404);
	});

	test('both model lists carry the Grok, Kling and Runway ids', () => {
		const ids = CATALOGUE.filter((record) => record.model_type === 'video').map((r) => r.id);
		expect(ids).toEqual(
			expect.arrayContaining([
				...['grok-imagine-video', 'grok-imagine-video-1.5'],
				...['kling-v2-6', 'kling-v2-master', 'kling-3.0-turbo', 'kling-v1-6', 'kling-video-o1'],
				...['gen3a_turbo', 'gen4_turbo', 'gen4.5'],
			]),
		);
		const providers = new Set(CATALOGUE.map((record) => record.provider));
		for (const provider of ['xai', 'kling', 'runway']) expect(providers.has(provider)).toBe(true);
	});
});
