/**
 * Retrieve, Download and Remix, each in a real n8n workflow execution against the simulator.
 * Jobs to act on are made straight at the simulator (createJobDirect), so every request the
 * tests look at was sent by the node.
 */

import * as fs from 'node:fs';

import { sha256 } from '../../tools/files';
import { createJobDirect, requestsTo, runVideoNode, untilStatus } from '../support/helpers';
import { expectAuthorized, useSimulator } from '../support/simulator-run';

const getSim = useSimulator({ jobDurationMs: 200, videoBytes: 150 * 1024 });

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

describe('Retrieve', () => {
	test('without waiting: one request, the job object normalized', async () => {
		const sim = getSim();
		sim.configure({ jobDurationMs: 60_000 });
		const job = await createJobDirect(sim, { model: 'veo3.1-fast', prompt: 'Fog over a harbour' });
		const result = await runVideoNode(sim, { operation: 'retrieve', videoId: job.id });

		expect(result.status).toBe('success');
		expect(sim.requests.map((request) => [request.route, request.path])).toEqual([
			['retrieve', `/v1/videos/${job.id}`],
		]);
		expectAuthorized(sim);
		const [item] = result.items;
		expect(item.binary).toBeUndefined();
		expect(item.pairedItem).toEqual({ item: 0 });
		expect(item.json).toEqual({
			id: job.id,
			route: 'videos',
			status: expect.stringMatching(/^(queued|in_progress)$/),
			progress: expect.any(Number),
			model: 'veo_3_1-fast',
			size: '16x9',
			seconds: null,
			prompt: 'Fog over a harbour',
			videoUrl: null,
			createdAt: expect.stringMatching(ISO),
			completedAt: null,
			expiresAt: null,
			remixedFromVideoId: null,
		});
		// The legacy task_id duplicate is folded into id.
		expect(item.json).not.toHaveProperty('task_id');
	});

	test('the video id may come from an expression (the usual Create -> Retrieve mapping)', async () => {
		const sim = getSim();
		const job = await createJobDirect(sim);
		const result = await runVideoNode(
			sim,
			{ operation: 'retrieve', videoId: '={{ $json.id }}' },
			{
				items: [{ json: { id: job.id } }],
			},
		);
		expect(result.status).toBe('success');
		expect(result.items[0].json.id).toBe(job.id);
	});

	test('with waiting: polls until done, then downloads', async () => {
		const sim = getSim();
		sim.configure({ jobDurationMs: 2500 });
		const job = await createJobDirect(sim);
		const result = await runVideoNode(sim, {
			operation: 'retrieve',
			videoId: job.id,
			waitForCompletion: true,
			downloadWhenComplete: true,
		});

		expect(result.status).toBe('success');
		const [item] = result.items;
		expect(item.json.status).toBe('completed');
		const retrieves = requestsTo(sim, 'retrieve');
		expect(retrieves.length).toBeGreaterThanOrEqual(2);
		expect(retrieves.every((request) => request.path === `/v1/videos/${job.id}`)).toBe(true);
		expect(sim.requests.at(-1)?.route).toBe('content');
		expect(item.binary?.data).toMatchObject({ mimeType: 'video/mp4', fileName: `${job.id}.mp4` });
		expect(sha256(await result.readBinary(item.binary?.data))).toBe(sim.videoSha256(job.id));
		expectAuthorized(sim);
	});

	test('with waiting, on a job that is already done: no sleeping, one retrieve, one download', async () => {
		const sim = getSim();
		const job = await createJobDirect(sim);
		await untilStatus(sim, job.id, 'completed');
		const result = await runVideoNode(
			sim,
			{ operation: 'retrieve', videoId: job.id, waitForCompletion: true },
			{
				binaryMode: 'filesystem',
			},
		);

		expect(result.status).toBe('success');
		expect(sim.requests.map((request) => request.route)).toEqual(['retrieve', 'content']);
		// No sleep: the download follows the retrieve sooner than the 1 s a poll gap takes at least.
		const [retrieve, content] = sim.requests;
		expect(content.at - retrieve.at).toBeLessThan(600);
		expect(result.durationMs).toBeLessThan(3000);
		const onDisk = fs.readFileSync(result.binaryFilePath(result.items[0].binary?.data));
		expect(sha256(onDisk)).toBe(sim.videoSha256(job.id));
	});
});

describe('Download', () => {
	test('video: the MP4 as binary, with its id, name and type', async () => {
		const sim = getSim();
		const job = await createJobDirect(sim, { model: 'sora-2-pro', prompt: 'Waves at night' });
		await untilStatus(sim, job.id, 'completed');
		const result = await runVideoNode(sim, {
			operation: 'download',
			videoId: job.id,
			binaryPropertyName: 'movie',
		});

		expect(result.status).toBe('success');
		const [item] = result.items;
		expect(item.json).toMatchObject({
			id: job.id,
			variant: 'video',
			fileName: `${job.id}.mp4`,
			mimeType: 'video/mp4',
		});
		expect(Object.keys(item.binary ?? {})).toEqual(['movie']);
		expect(item.binary?.movie).toMatchObject({ mimeType: 'video/mp4', fileName: `${job.id}.mp4` });
		const bytes = await result.readBinary(item.binary?.movie);
		expect(bytes.length).toBe(150 * 1024);
		expect(sha256(bytes)).toBe(sim.videoSha256(job.id));
		// Automatic: the job first (its model picks the route), then its content route.
		expect(sim.requests.map((request) => request.route)).toEqual(['retrieve', 'content']);
		expect(sim.requests[1]).toMatchObject({
			route: 'content',
			path: `/v1/videos/${job.id}/content`,
			query: { variant: 'video' },
		});
		expectAuthorized(sim);
	});

	test.each([
		['thumbnail', 'image/webp', '-thumbnail.webp'],
		['spritesheet', 'image/jpeg', '-spritesheet.jpg'],
	] as const)('%s variant: asks for it and stores it as %s', async (variant, mimeType, suffix) => {
		const sim = getSim();
		const job = await createJobDirect(sim, { model: 'sora-2' });
		await untilStatus(sim, job.id, 'completed');
		const result = await runVideoNode(
			sim,
			{ operation: 'download', videoId: job.id, variant },
			{ binaryMode: 'filesystem' },
		);

		expect(result.status).toBe('success');
		const [item] = result.items;
		expect(sim.requests[0].query).toEqual({ variant });
		expect(item.json).toMatchObject({
			id: job.id,
			variant,
			mimeType,
			fileName: `${job.id}${suffix}`,
		});
		expect(item.binary?.data).toMatchObject({ mimeType, fileName: `${job.id}${suffix}` });
		const onDisk = fs.readFileSync(result.binaryFilePath(item.binary?.data));
		expect(sha256(onDisk)).toBe(sim.videoSha256(job.id, variant));
		expect(sha256(onDisk)).not.toBe(sim.videoSha256(job.id, 'video'));
	});
});

describe('Remix (Sora)', () => {
	test('without waiting: a new job, remixed from the source, prompt sent as JSON', async () => {
		const sim = getSim();
		const source = await createJobDirect(sim, { model: 'sora-2', prompt: 'A quiet street' });
		await untilStatus(sim, source.id, 'completed');
		const result = await runVideoNode(sim, {
			operation: 'remix',
			videoId: source.id,
			prompt: 'Make it night time',
			waitForCompletion: false,
		});

		expect(result.status).toBe('success');
		const [item] = result.items;
		expect(item.json.id).toMatch(/^video_/);
		expect(item.json.id).not.toBe(source.id);
		expect(item.json).toMatchObject({
			status: 'queued',
			remixedFromVideoId: source.id,
			model: 'sora-2',
		});
		expect(item.binary).toBeUndefined();
		expect(sim.requests).toHaveLength(1);
		expect(sim.requests[0]).toMatchObject({
			route: 'remix',
			path: `/v1/videos/${source.id}/remix`,
			fields: { prompt: 'Make it night time' },
		});
		expect(sim.requests[0].headers['content-type']).toMatch(/^application\/json/);
		expectAuthorized(sim);
		expect(sim.creates.at(-1)).toMatchObject({ id: item.json.id, remixedFromVideoId: source.id });
	});

	test('with wait and download: the remix MP4, not the source', async () => {
		const sim = getSim();
		const source = await createJobDirect(sim, { model: 'sora-2', prompt: 'A quiet street' });
		await untilStatus(sim, source.id, 'completed');
		const result = await runVideoNode(
			sim,
			{
				operation: 'remix',
				videoId: source.id,
				prompt: 'Add snow',
				waitForCompletion: true,
				downloadWhenComplete: true,
			},
			{ binaryMode: 'filesystem' },
		);

		expect(result.status).toBe('success');
		const [item] = result.items;
		expect(item.json).toMatchObject({
			status: 'completed',
			remixedFromVideoId: source.id,
			prompt: 'Add snow',
		});
		const onDisk = fs.readFileSync(result.binaryFilePath(item.binary?.data));
		expect(sha256(onDisk)).toBe(sim.videoSha256(item.json.id));
		expect(sha256(onDisk)).not.toBe(sim.videoSha256(source.id));
		expect(requestsTo(sim, 'content')[0].path).toBe(`/v1/videos/${item.json.id}/content`);
	});

	test('of a source that is not finished: CometAPI refuses, the error names the source', async () => {
		const sim = getSim();
		const source = await createJobDirect(sim, { model: 'sora-2', prompt: 'Slow one [never]' });
		const result = await runVideoNode(sim, {
			operation: 'remix',
			videoId: source.id,
			prompt: 'Change it',
			waitForCompletion: false,
		});
		expect(result.status).toBe('error');
		expect(result.error?.message).toContain(source.id);
		expect(result.error?.message).toMatch(/not completed/);
		expect(sim.createCount()).toBe(1); // only the source
	});
});
