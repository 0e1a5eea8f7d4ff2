/**
 * Create: every input pattern, what reaches CometAPI (fields, files in order, auth), and what
 * comes back (job JSON, MP4 binary) in both binary data modes. Every test runs a real n8n
 * workflow execution over HTTP against the simulator.
 */

import * as fs from 'node:fs';

import { sha256 } from '../../tools/files';
import type { Simulator } from '../../tools/simulator';
import {
	createParams,
	requestsTo,
	runVideoNode,
	type VideoItem,
	type VideoResult,
} from '../support/helpers';
import {
	binaryEntry,
	expectAuthorized,
	jpegBytes,
	pngBytes,
	useSimulator,
} from '../support/simulator-run';

const getSim = useSimulator({ jobDurationMs: 400, videoBytes: 200 * 1024 });

/** The item carries the job's MP4 in `property`, byte for byte what the simulator served. */
async function expectVideo(
	sim: Simulator,
	result: VideoResult,
	item: VideoItem,
	property = 'data',
) {
	const { id } = item.json;
	const binary = item.binary?.[property];
	expect(binary).toBeDefined();
	expect(binary?.mimeType).toBe('video/mp4');
	expect(binary?.fileName).toBe(`${id}.mp4`);
	const bytes = await result.readBinary(binary);
	expect(bytes.length).toBe(sim.videoBuffer(id).length);
	expect(sha256(bytes)).toBe(sim.videoSha256(id));
	return bytes;
}

describe('Create: text to video', () => {
	test('Veo, text only: sends model and prompt, waits, downloads the MP4', async () => {
		const sim = getSim();
		const result = await runVideoNode(
			sim,
			createParams({ model: 'veo3-fast', prompt: 'A red kite over dunes' }),
		);

		expect(result.status).toBe('success');
		expect(result.items).toHaveLength(1);
		const [item] = result.items;
		expect(item.json).toMatchObject({
			status: 'completed',
			progress: 100,
			prompt: 'A red kite over dunes',
		});
		expect(item.json).not.toHaveProperty('error');
		expect(item.json.id).toMatch(/^task_/);
		// The simulator answers with the backend model id, not the alias; the node passes it on.
		expect(item.json.model).toBe('veo_3-fast');
		expect(item.pairedItem).toEqual({ item: 0 });
		await expectVideo(sim, result, item);

		const [create] = requestsTo(sim, 'create');
		expect(create.fields).toEqual({ model: 'veo3-fast', prompt: 'A red kite over dunes' });
		expect(create.files).toEqual([]);
		expect(sim.createCount()).toBe(1);
		expect(requestsTo(sim, 'retrieve').length).toBeGreaterThanOrEqual(1);
		const contents = requestsTo(sim, 'content');
		expect(contents).toHaveLength(1);
		expect(contents[0].path).toBe(`/v1/videos/${item.json.id}/content`);
		expect(contents[0].query.variant).toBe('video');
		expectAuthorized(sim);
	});

	test('Sora, text only: size and seconds are sent and echoed', async () => {
		const sim = getSim();
		const result = await runVideoNode(
			sim,
			createParams({ model: 'sora-2', prompt: 'A cat surfing', size: '1280x720', seconds: '8' }),
		);

		expect(result.status).toBe('success');
		const [item] = result.items;
		expect(item.json.id).toMatch(/^video_/);
		expect(item.json).toMatchObject({
			status: 'completed',
			model: 'sora-2',
			size: '1280x720',
			seconds: '8',
		});
		await expectVideo(sim, result, item);
		expect(requestsTo(sim, 'create')[0].fields).toEqual({
			model: 'sora-2',
			prompt: 'A cat surfing',
			size: '1280x720',
			seconds: '8',
		});
		expectAuthorized(sim);
	});
});

describe('Create: reference images', () => {
	test('Veo, one image from a binary field: sent as an input_reference file', async () => {
		const sim = getSim();
		const image = pngBytes();
		const result = await runVideoNode(
			sim,
			createParams({
				model: 'veo3.1-fast',
				referenceImages: 'binary',
				imageBinaryProperties: 'data',
			}),
			{ items: [{ json: {}, binary: { data: binaryEntry(image, 'image/png', 'first.png') } }] },
		);

		expect(result.status).toBe('success');
		const [create] = requestsTo(sim, 'create');
		expect(create.files).toEqual([
			{
				fieldName: 'input_reference',
				fileName: 'first.png',
				mimeType: 'image/png',
				size: image.length,
				sha256: sha256(image),
			},
		]);
		// Veo 3.1's form sends its defaults.
		expect(create.fields).toEqual({
			model: 'veo3.1-fast',
			prompt: 'A paper boat drifting down a rainy street',
			size: '1280x720',
			seconds: '4',
		});
		await expectVideo(sim, result, result.items[0]);
	});

	test('Veo, two images: sent in the order the field names them (first frame, last frame)', async () => {
		const sim = getSim();
		const first = pngBytes();
		const last = jpegBytes();
		const binary = {
			last: binaryEntry(last, 'image/jpeg', 'last.jpg'),
			first: binaryEntry(first, 'image/png', 'first.png'),
		};
		const result = await runVideoNode(
			sim,
			createParams({
				referenceImages: 'binary',
				imageBinaryProperties: 'first, last',
				waitForCompletion: false,
			}),
			{ items: [{ json: {}, binary }] },
		);
		expect(result.status).toBe('success');
		expect(
			requestsTo(sim, 'create')[0].files.map((file) => [file.fileName, file.mimeType, file.sha256]),
		).toEqual([
			['first.png', 'image/png', sha256(first)],
			['last.jpg', 'image/jpeg', sha256(last)],
		]);

		// Swapping the names swaps the frames: the order follows the parameter, not the item.
		sim.reset();
		const swapped = await runVideoNode(
			sim,
			createParams({
				referenceImages: 'binary',
				imageBinaryProperties: 'last,first',
				waitForCompletion: false,
			}),
			{ items: [{ json: {}, binary }] },
		);
		expect(swapped.status).toBe('success');
		expect(requestsTo(sim, 'create')[0].files.map((file) => file.sha256)).toEqual([
			sha256(last),
			sha256(first),
		]);
	});

	test('an image whose MIME type says nothing useful is recognised by its bytes', async () => {
		const sim = getSim();
		const image = pngBytes();
		const result = await runVideoNode(
			sim,
			createParams({
				referenceImages: 'binary',
				imageBinaryProperties: 'data',
				waitForCompletion: false,
			}),
			{
				items: [
					{
						json: {},
						binary: { data: binaryEntry(image, 'application/octet-stream', 'upload.bin') },
					},
				],
			},
		);
		expect(result.status).toBe('success');
		expect(requestsTo(sim, 'create')[0].files[0]).toMatchObject({
			mimeType: 'image/png',
			sha256: sha256(image),
		});
	});
});

describe('Create: wait, download, binary output', () => {
	test('Wait off: returns the queued job at once, without polling', async () => {
		const sim = getSim();
		sim.configure({ jobDurationMs: 60_000 });
		const result = await runVideoNode(sim, createParams({ waitForCompletion: false }));

		expect(result.status).toBe('success');
		const [item] = result.items;
		expect(item.json).toMatchObject({ status: 'queued', progress: 0, videoUrl: null });
		expect(item.json).not.toHaveProperty('error');
		expect(item.json.id).toMatch(/^task_/);
		expect(item.binary).toBeUndefined();
		expect(sim.requests.map((request) => request.route)).toEqual(['create']);
		expect(result.durationMs).toBeLessThan(3000);
	});

	test('Wait on, download off: completed job, no binary, no content request', async () => {
		const sim = getSim();
		const result = await runVideoNode(sim, createParams({ downloadWhenComplete: false }));
		expect(result.status).toBe('success');
		const [item] = result.items;
		expect(item.json.status).toBe('completed');
		expect(item.json.videoUrl).toContain(`/v1/videos/${item.json.id}/content`);
		expect(item.binary).toBeUndefined();
		expect(requestsTo(sim, 'content')).toHaveLength(0);
		expect(requestsTo(sim, 'retrieve').length).toBeGreaterThanOrEqual(1);
	});

	test('the output binary field name is configurable', async () => {
		const sim = getSim();
		const result = await runVideoNode(sim, createParams({ binaryPropertyName: 'clip' }));
		expect(result.status).toBe('success');
		const [item] = result.items;
		expect(Object.keys(item.binary ?? {})).toEqual(['clip']);
		await expectVideo(sim, result, item, 'clip');
	});

	test('filesystem binary mode: the MP4 lands on disk with the served bytes', async () => {
		const sim = getSim();
		const result = await runVideoNode(sim, createParams({ model: 'sora-2' }), {
			binaryMode: 'filesystem',
		});
		expect(result.status).toBe('success');
		const [item] = result.items;
		const path = result.binaryFilePath(item.binary?.data);
		expect(path).toBeTruthy();
		const onDisk = fs.readFileSync(path);
		expect(sha256(onDisk)).toBe(sim.videoSha256(item.json.id));
		// Stored as a reference, not inline base64.
		expect(item.binary?.data.id).toMatch(/^filesystem/);
		await expectVideo(sim, result, item);
	});

	test('Veo, two reference images, wait, download: MP4 bytes equal what the simulator served and both images arrived in order', async () => {
		const sim = getSim();
		sim.configure({ jobDurationMs: 800, videoBytes: 1024 * 1024 + 123 });
		const first = pngBytes(4000);
		const last = pngBytes(5000);
		const result = await runVideoNode(
			sim,
			createParams({
				model: 'veo3-fast',
				prompt: 'The boat sails from the first frame to the last',
				referenceImages: 'binary',
				imageBinaryProperties: 'first,last',
				binaryPropertyName: 'video',
			}),
			{
				binaryMode: 'filesystem',
				items: [
					{
						json: { scene: 1 },
						binary: {
							first: binaryEntry(first, 'image/png', 'first.png'),
							last: binaryEntry(last, 'image/png', 'last.png'),
						},
					},
				],
			},
		);

		expect(result.status).toBe('success');
		// Both images arrived, in order, byte for byte.
		const [create] = requestsTo(sim, 'create');
		expect(create.fields).toEqual({
			model: 'veo3-fast',
			prompt: 'The boat sails from the first frame to the last',
		});
		expect(create.files).toEqual([
			{
				fieldName: 'input_reference',
				fileName: 'first.png',
				mimeType: 'image/png',
				size: first.length,
				sha256: sha256(first),
			},
			{
				fieldName: 'input_reference',
				fileName: 'last.png',
				mimeType: 'image/png',
				size: last.length,
				sha256: sha256(last),
			},
		]);
		expect(sim.createCount()).toBe(1);

		// The job completed and its MP4 is on disk, exactly what the simulator served.
		const [item] = result.items;
		expect(item.json).toMatchObject({ status: 'completed', progress: 100 });
		expect(item.json.id).toBe(sim.creates[0].id);
		expect(item.binary?.video).toMatchObject({
			mimeType: 'video/mp4',
			fileName: `${item.json.id}.mp4`,
		});
		const onDisk = fs.readFileSync(result.binaryFilePath(item.binary?.video));
		expect(onDisk.length).toBe(1024 * 1024 + 123);
		expect(onDisk.subarray(4, 8).toString('latin1')).toBe('ftyp');
		expect(sha256(onDisk)).toBe(sim.videoSha256(item.json.id));

		// Create, polls, one download; every request with the key.
		const routes = sim.requests.map((request) => request.route);
		expect(routes[0]).toBe('create');
		expect(routes.at(-1)).toBe('content');
		expect(routes.filter((route) => route === 'content')).toHaveLength(1);
		expectAuthorized(sim);
	});
});
