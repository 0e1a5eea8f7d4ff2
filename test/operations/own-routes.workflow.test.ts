/**
 * The families on routes of their own (xAI Grok Imagine, Kling, Runway), each in a real n8n
 * workflow execution against the simulator: created on its route with its names and types,
 * polled there in either answer shape, its link read where the route keeps it and the file
 * stored; Retrieve and Download downstream find the job by its id and route.
 */
import { sha256 } from '../../tools/files';
import { createParams, downloadParams, retrieveParams, runVideoNode } from '../support/helpers';
import { expectAuthorized, useSimulator } from '../support/simulator-run';

const getSim = useSimulator({ jobDurationMs: 300 });

const byId = (value: string) => ({ __rl: true, mode: 'id', value });
const IMAGE_URL = 'https://images.example/first.png';
const PNG = {
	base64: Buffer.from('\x89PNG\r\n\x1a\n0000').toString('base64'),
	mimeType: 'image/png',
	fileName: 'first.png',
};

type Row = [
	model: string,
	overrides: Record<string, unknown>,
	route: string,
	createPath: string,
	sent: Record<string, unknown>,
];
const ROWS: Row[] = [
	[
		'grok-imagine-video-1.5',
		{ seconds: '3', resolution: '720p' },
		'grok',
		'/grok/v1/videos/generations',
		{ model: 'grok-imagine-video-1.5', duration: 3, resolution: '720p', aspect_ratio: '16:9' },
	],
	[
		'kling-v2-6',
		{ mode: 'pro', negativePrompt: 'blur' },
		'kling-text2video',
		'/kling/v1/videos/text2video',
		{
			model_name: 'kling-v2-6',
			duration: '5',
			aspect_ratio: '16:9',
			mode: 'pro',
			negative_prompt: 'blur',
		},
	],
	[
		'kling-v2-master',
		{ referenceImages: 'urls', imageUrls: `${IMAGE_URL}, https://images.example/last.png` },
		'kling-image2video',
		'/kling/v1/videos/image2video',
		{
			model_name: 'kling-v2-master',
			image: IMAGE_URL,
			image_tail: 'https://images.example/last.png',
		},
	],
	[
		'kling-video-o1',
		{ seconds: '7', aspectRatio: '9:16' },
		'kling-omni-video',
		'/kling/v1/videos/omni-video',
		{ model_name: 'kling-video-o1', duration: '7', aspect_ratio: '9:16', mode: 'std' },
	],
	[
		'gen4_turbo',
		{ referenceImages: 'urls', imageUrls: IMAGE_URL },
		'runway',
		'/runwayml/v1/image_to_video',
		{ model: 'gen4_turbo', promptImage: IMAGE_URL, ratio: '1280:720', duration: 5 },
	],
];

describe.each(['plain', 'wrapped'] as const)('answers in the %s shape', (answerShape) => {
	test.each(ROWS)(
		'%s: created on its route, waited for, stored',
		async (model, overrides, route, createPath, sent) => {
			const sim = getSim();
			sim.configure({ answerShape });
			const result = await runVideoNode(sim, createParams({ model: byId(model), ...overrides }));

			expect(result.status).toBe('success');
			expectAuthorized(sim);
			const [create, ...polls] = sim.requests;
			expect([create.method, create.path]).toEqual(['POST', createPath]);
			// Runway names the prompt promptText.
			const promptField = route === 'runway' ? 'promptText' : 'prompt';
			expect(create.fields).toMatchObject({
				[promptField]: 'A paper boat drifting down a rainy street',
				...sent,
			});
			if (route === 'runway') expect(create.headers['x-runway-version']).toBe('2024-11-06');
			const [item] = result.items;
			expect(item.json).toMatchObject({ id: expect.any(String), route, status: 'completed' });
			expect(polls.every((poll) => poll.method === 'GET' && poll.path.endsWith(item.json.id))).toBe(
				true,
			);
			// The file came from the job's link on the storage host, without the key.
			expect(sim.storageRequests).toHaveLength(1);
			expect(sim.storageRequests[0].headers.authorization).toBeUndefined();
			const stored = await result.readBinary(item.binary?.data);
			expect(stored.length).toBeGreaterThan(0);
			expect(sim.videoSha256(item.json.id)).toBe(sha256(stored));
		},
	);
});

test('Grok reports its real cost; an image from a binary field goes as a data URI', async () => {
	const sim = getSim();
	const result = await runVideoNode(
		sim,
		createParams({
			model: byId('grok-imagine-video'),
			seconds: '2',
			referenceImages: 'binary',
			imageBinaryProperties: 'frame',
		}),
		{ items: [{ json: {}, binary: { frame: PNG } }] },
	);
	expect(result.status).toBe('success');
	const image = sim.requests[0].fields.image as { url: string };
	expect(image.url).toMatch(/^data:image\/png;base64,/);
	// 2 s at 480p: 2 × $0.05.
	expect(result.items[0].json).toMatchObject({ costUsd: 0.1, estimatedCostUsd: null });
});

test("Runway's fresh task that the route does not know yet is waited for, not failed", async () => {
	const sim = getSim();
	sim.configure({ runwayNotYetMs: 1500, jobDurationMs: 2000 });
	const result = await runVideoNode(
		sim,
		createParams({ model: byId('gen3a_turbo'), referenceImages: 'urls', imageUrls: IMAGE_URL }),
	);
	expect(result.status).toBe('success');
	expect(sim.requests.some((request) => request.status === 400)).toBe(true);
	expect(result.items[0].json).toMatchObject({ route: 'runway', status: 'completed' });
});

test('Retrieve and Download downstream: the id and the route Create output are enough', async () => {
	const sim = getSim();
	const created = await runVideoNode(
		sim,
		createParams({ model: byId('kling-v2-6'), waitForCompletion: false }),
	);
	const { id, route } = created.items[0].json;
	expect(route).toBe('kling-text2video');
	const mapped = { videoId: '={{ $json.id }}', jobRoute: '={{ $json.route }}' };
	const retrieved = await runVideoNode(
		sim,
		retrieveParams('', { ...mapped, waitForCompletion: true, downloadWhenComplete: false }),
		{ items: [{ json: { id, route } }] },
	);
	expect(retrieved.status).toBe('success');
	expect(retrieved.items[0].json).toMatchObject({ id, route, status: 'completed' });
	const downloaded = await runVideoNode(sim, downloadParams('', mapped), {
		items: [{ json: { id, route } }],
	});
	expect(downloaded.status).toBe('success');
	expect(downloaded.items[0].json).toMatchObject({ id, route, mimeType: 'video/mp4' });
});

test('a bare /v1/videos id still works alone (Job Route defaults to the shared route)', async () => {
	const sim = getSim();
	const created = await runVideoNode(sim, createParams({ waitForCompletion: false }));
	const result = await runVideoNode(sim, retrieveParams(created.items[0].json.id));
	expect(result.items[0].json).toMatchObject({ route: 'videos' });
});

test('Download From: Content Route for a job with no content route is refused before any request', async () => {
	const sim = getSim();
	const result = await runVideoNode(
		sim,
		downloadParams('123', { jobRoute: 'kling-text2video', options: { downloadFrom: 'content' } }),
	);
	expect(result.status).toBe('error');
	expect(result.error?.message).toMatch(
		/Download From: jobs of Kling Text to Video have no content route/,
	);
	expect(sim.requests).toHaveLength(0);
});

test('Kling: the callback URL goes with the create, and the provider calls it', async () => {
	const sim = getSim();
	const http = await import('node:http');
	const calls: unknown[] = [];
	const receiver = http.createServer((req, res) => {
		let body = '';
		req.on('data', (chunk) => (body += chunk));
		req.on('end', () => {
			calls.push(JSON.parse(body));
			res.end('ok');
		});
	});
	await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
	const { port } = receiver.address() as { port: number };
	try {
		const callbackUrl = `http://127.0.0.1:${port}/hook`;
		const result = await runVideoNode(
			sim,
			createParams({ model: byId('kling-v2-6'), callbackUrl, downloadWhenComplete: false }),
		);
		expect(result.status).toBe('success');
		expect(sim.requests[0].fields.callback_url).toBe(callbackUrl);
		await sim.callbacksSettled();
		expect(calls).toContainEqual(
			expect.objectContaining({ task_status: 'succeed', task_id: result.items[0].json.id }),
		);
	} finally {
		receiver.close();
	}
});

test('Additional Fields reach the body after the checked ones; one holding the key is refused before any request', async () => {
	const sim = getSim();
	const extra = (value: string) => ({
		additionalFields: { field: [{ name: 'cfg_scale', value }] },
	});
	const sent = await runVideoNode(
		sim,
		createParams({ model: byId('kling-v2-6'), waitForCompletion: false, ...extra('0.3') }),
	);
	expect(sent.status).toBe('success');
	expect(sim.requests[0].fields.cfg_scale).toBe(0.3);

	sim.reset();
	const refused = await runVideoNode(
		sim,
		createParams({
			model: byId('kling-v2-6'),
			waitForCompletion: false,
			...extra(`"x ${sim.apiKey}"`),
		}),
	);
	expect(refused.status).toBe('error');
	expect(refused.error?.message).toMatch(/Additional Fields \("cfg_scale"\): holds the API key/);
	expect(sim.requests).toHaveLength(0);
	expect(JSON.stringify(refused.error)).not.toContain(sim.apiKey);
});
