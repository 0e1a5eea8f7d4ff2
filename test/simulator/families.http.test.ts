/**
 * The simulator speaks every family of the shared /v1/videos route as the fact sheet gives it:
 * fields, allowed values and defaults per model, the documented refusals, the answer's shape.
 */
import { MODEL_RULES, type VideoView } from '../../tools/simulator';
import { useSimulator } from '../support/helpers';
import {
	create,
	createJob,
	expectEnvelope,
	retrieve,
	waitFor,
	type Fields,
} from '../support/simulator-http';

const getSim = useSimulator({ jobDurationMs: 0 });
const png = Buffer.from('png bytes');

async function refusal(fields: Fields, files?: { bytes: Buffer; type?: string }[]) {
	const response = await create(getSim(), fields, files);
	expect(response.status).toBe(400);
	return ((await response.json()) as { error: { code: string; message: string } }).error;
}

test('one create per model of every family is accepted, with the family id and answer shape', async () => {
	const sim = getSim();
	for (const model of Object.keys(MODEL_RULES)) {
		const created = await createJob(sim, { model, prompt: `one ${model}` });
		const rules = MODEL_RULES[model];
		expect(created.id.startsWith(rules.idPrefix)).toBe(true);
		expect(created).toMatchObject({ object: 'video', status: 'queued', progress: 0 });
		const done = await waitFor(sim, created.id);
		expect(done.status).toBe('completed');
		if (rules.shape === 'task') {
			// The newer families' task object: an id alias, no OpenAI size/seconds/prompt.
			expect(done).toMatchObject({ task_id: created.id, model, progress: 100 });
			expect(done).not.toHaveProperty('size');
			expect(done).not.toHaveProperty('prompt');
			expect(done).not.toHaveProperty('error');
		} else {
			expect(done).toHaveProperty('size');
			expect(done).toMatchObject({ error: null, prompt: `one ${model}` });
		}
	}
	expect(sim.createCount()).toBe(Object.keys(MODEL_RULES).length);
	expect(new Set(sim.creates.map((c) => c.model))).toEqual(
		new Set([
			...['veo3.1-fast', 'veo3.1', 'veo3.1-pro', 'veo3-fast', 'veo3', 'veo3-pro'],
			...['sora-2', 'sora-2-pro'],
			...['doubao-seedance-2-0', 'doubao-seedance-2-0-fast'],
			...['doubao-seedance-1-5-pro', 'doubao-seedance-1-0-pro'],
			...['wan2.6', 'wan2.7', 'viduq3', 'viduq3-turbo', 'happyhorse-1.0', 'omni-fast'],
		]),
	);
});

test('Seedance: seconds outside the model range are a 400 InvalidParameter about the duration', async () => {
	const sim = getSim();
	const ranges: [string, number, number][] = [
		['doubao-seedance-2-0', 4, 15],
		['doubao-seedance-2-0-fast', 4, 15],
		['doubao-seedance-1-5-pro', 4, 12],
		['doubao-seedance-1-0-pro', 2, 10],
	];
	for (const [model, min, max] of ranges) {
		for (const seconds of [min, max])
			await createJob(sim, { model, prompt: 'p', seconds: `${seconds}` });
		for (const seconds of [`${min - 1}`, `${max + 1}`, '5.5']) {
			const error = await refusal({ model, prompt: 'p', seconds });
			expect(error.code).toBe('InvalidParameter');
			expect(error.message).toMatch(/duration/);
		}
	}
	expect(sim.createCount()).toBe(8);
});

test('Seedance sizes: ratio presets or the model table WxH; 1.0 has its own table', async () => {
	const sim = getSim();
	for (const size of ['16:9', '21:9', '1280x720', '2206x946'])
		await createJob(sim, { model: 'doubao-seedance-2-0', prompt: 'p', size });
	await createJob(sim, { model: 'doubao-seedance-1-0-pro', prompt: 'p', size: '1248x704' });
	expect(
		(await refusal({ model: 'doubao-seedance-1-0-pro', prompt: 'p', size: '1280x720' })).code,
	).toBe('InvalidParameter');
	expect((await refusal({ model: 'doubao-seedance-2-0', prompt: 'p', size: '720p' })).code).toBe(
		'InvalidParameter',
	);
	// Old pages' resolution: 1080p on 1.5 / 1.0 only.
	await createJob(sim, { model: 'doubao-seedance-1-5-pro', prompt: 'p', resolution: '1080p' });
	await refusal({ model: 'doubao-seedance-2-0', prompt: 'p', resolution: '1080p' });
});

test('Seedance references: 2.0 takes several image files in order, 1.x refuses with the r2v message', async () => {
	const sim = getSim();
	const images = ['subject', 'secondary', 'style'].map((name) => ({
		bytes: Buffer.from(name),
		fileName: `${name}.png`,
	}));
	const job = await createJob(
		sim,
		{ model: 'doubao-seedance-2-0', prompt: '[Image 1] in [Image 3]' },
		images,
	);
	expect(sim.creates.find((c) => c.id === job.id)?.files.map((f) => f.fileName)).toEqual([
		'subject.png',
		'secondary.png',
		'style.png',
	]);
	expect(
		(
			await refusal({ model: 'doubao-seedance-2-0', prompt: 'p' }, [
				{ bytes: png, type: 'image/gif' },
			])
		).message,
	).toMatch(/image\/jpeg, image\/png, image\/webp/);
	for (const [model, name] of [
		['doubao-seedance-1-5-pro', 'seedance-1-5-pro'],
		['doubao-seedance-1-0-pro', 'seedance-1-0-pro'],
	]) {
		const error = await refusal({ model, prompt: 'p' }, [{ bytes: png }]);
		// The documented message; its code is not given, so the simulator leaves it empty.
		expect(error.code).toBe('');
		expect(error.message).toMatch(
			new RegExp(`^the specified task_type r2v does not support model ${name} `),
		);
	}
	expect(sim.createCount()).toBe(1);
});

test('Wan, Vidu, HappyHorse: seconds and sizes per model', async () => {
	const sim = getSim();
	const accepted: Fields[] = [
		{ model: 'wan2.6', seconds: '10', size: '1088x832' },
		{ model: 'wan2.7', seconds: '2', size: '1440x1440' },
		{ model: 'viduq3', seconds: '1', size: '640x352' },
		{ model: 'viduq3-turbo', seconds: '16', size: '960x528' },
		{ model: 'happyhorse-1.0', seconds: '3', size: '1080x1920' },
	];
	const refused: Fields[] = [
		{ model: 'wan2.6', seconds: '7' },
		{ model: 'wan2.7', size: '1088x832' },
		{ model: 'wan2.7', seconds: '16' },
		{ model: 'viduq3', seconds: '17' },
		{ model: 'viduq3', size: '720x1280' },
		{ model: 'happyhorse-1.0', seconds: '2' },
		{ model: 'happyhorse-1.0', size: '1024x1792' },
	];
	for (const fields of accepted) await createJob(sim, { prompt: 'p', ...fields });
	for (const fields of refused) {
		const error = await refusal({ prompt: 'p', ...fields });
		expect(error.code).toBe('invalid_request');
		expect(error.message).toContain(String(fields.model));
	}
	expect(sim.createCount()).toBe(accepted.length);
});

test('Omni: aspect_ratio and resolution (not size); no error status, an erroring job reads failed', async () => {
	const sim = getSim();
	await createJob(sim, {
		model: 'omni-fast',
		prompt: 'p',
		aspect_ratio: '1:1',
		resolution: '1080p',
		seconds: '9',
	});
	await refusal({ model: 'omni-fast', prompt: 'p', aspect_ratio: '4:3' });
	await refusal({ model: 'omni-fast', prompt: 'p', resolution: '480p' });
	const errored = await createJob(sim, { model: 'omni-fast', prompt: 'p [error]' });
	expect(await waitFor(sim, errored.id)).toMatchObject({
		status: 'failed',
		error: { code: expect.any(String) },
	});
	const wan = await createJob(sim, { model: 'wan2.7', prompt: 'p [error]' });
	expect((await waitFor(sim, wan.id)).status).toBe('error');
});

test('Sora and Veo keep their rules; defaults are the fact sheet ones', async () => {
	const sim = getSim();
	expect(await createJob(sim, { model: 'sora-2', prompt: 'p' })).toMatchObject({
		size: '1280x720',
		seconds: '4',
	});
	await refusal({ model: 'sora-2', prompt: 'p', size: '1792x1024' });
	await createJob(sim, { model: 'sora-2-pro', prompt: 'p', size: '1792x1024', seconds: '20' });
	// Veo: the union of its page generations, e.g. the old orientation hint and a new WxH.
	for (const size of ['9x16', '3840x2160'])
		await createJob(sim, { model: 'veo3.1-fast', prompt: 'p', size });
	await refusal({ model: 'veo3.1-fast', prompt: 'p', seconds: '5' });
	await refusal({ model: 'veo3.1', prompt: 'p' }, [{ bytes: png }, { bytes: png }, { bytes: png }]);
});

test('an id of no known family is taken with whatever fields it carries', async () => {
	const sim = getSim();
	const job = await createJob(
		sim,
		{ model: 'kling-next', prompt: 'p', seconds: '99', anything: 'x' },
		[{ bytes: png, type: 'application/pdf' }],
	);
	expect(job.task_id).toBe(job.id);
	expect(sim.creates[0].fields).toMatchObject({ seconds: '99', anything: 'x' });
	// A Veo alias the table does not list still gets Veo's rules (aliases change over time).
	const alias = await createJob(sim, { model: 'veo3-pro-frames', prompt: 'p', size: '16x9' });
	expect(alias.model).toBe('veo_3-pro-frames');
});

test('knobs: retired models and the unknown-id answer', async () => {
	const sim = getSim();
	sim.configure({ retiredModels: ['sora-2', 'sora-2-pro'] });
	const retired = await create(sim, { model: 'sora-2', prompt: 'p' });
	expect(retired.status).toBe(404);
	expectEnvelope(await retired.json(), { code: 'model_not_found' });
	expect(sim.createCount()).toBe(0);

	const notFound = await retrieve(sim, 'task_unknown');
	expect(notFound.status).toBe(404);
	expectEnvelope(await notFound.json(), { code: 'not_found' });
	sim.configure({ unknownId: 'task_not_exist' });
	for (const path of ['task_unknown', 'task_unknown/content']) {
		const response = await fetch(`${sim.url}/v1/videos/${path}`, {
			headers: { authorization: `Bearer ${sim.apiKey}` },
		});
		expect(response.status).toBe(400);
		expectEnvelope(await response.json(), {
			code: 'task_not_exist',
			exactMessage: 'task_not_exist',
		});
	}
});

test('a task-shaped failed job carries its error object; one planned without it carries none', async () => {
	const sim = getSim();
	const failed: VideoView = await waitFor(
		sim,
		(await createJob(sim, { model: 'happyhorse-1.0', prompt: 'p [fail]' })).id,
	);
	expect(failed).toMatchObject({
		status: 'failed',
		error: { message: expect.stringMatching(/safety/) },
	});
	const silent = await waitFor(
		sim,
		(await createJob(sim, { model: 'viduq3', prompt: 'p [fail-noerror]' })).id,
	);
	expect(silent.status).toBe('failed');
	expect(silent).not.toHaveProperty('error');
});
