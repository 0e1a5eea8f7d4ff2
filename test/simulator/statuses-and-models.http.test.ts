/**
 * Status spellings of older pages and other routes, and the two model lists: the key's mixed
 * `/v1/models` and the public `/api/models` catalogue.
 */
import { CATALOGUE, MODEL_RULES, modelRecord } from '../../tools/simulator';
import { useSimulator } from '../support/helpers';
import { auth, createJob, retrieveView, waitFor } from '../support/simulator-http';

const getSim = useSimulator({ jobDurationMs: 0 });

describe('status words', () => {
	test('legacy spelling: SUBMITTED on create, then SUCCESS, FAILED, ERROR', async () => {
		const sim = getSim();
		sim.configure({ statusWords: 'legacy' });
		const created = await createJob(sim, { model: 'doubao-seedance-2-0', prompt: 'p' });
		expect(created.status).toBe('SUBMITTED');
		expect((await waitFor(sim, created.id, ['SUCCESS'])).status).toBe('SUCCESS');
		const failed = await createJob(sim, { model: 'doubao-seedance-2-0', prompt: 'p [fail]' });
		expect((await waitFor(sim, failed.id, ['FAILED'])).status).toBe('FAILED');
		const errored = await createJob(sim, { model: 'doubao-seedance-2-0', prompt: 'p [error]' });
		expect((await waitFor(sim, errored.id, ['ERROR'])).status).toBe('ERROR');
	});

	test('in progress, and other routes words', async () => {
		const sim = getSim();
		sim.configure({ statusWords: 'legacy', plan: () => ({ outcome: 'never', durationMs: 10 }) });
		const running = await createJob(sim, { model: 'veo3.1-fast', prompt: 'p' });
		await new Promise((resolve) => setTimeout(resolve, 20));
		expect((await retrieveView(sim, running.id)).status).toBe('IN_PROGRESS');
		for (const [statusWords, word] of [
			['runway', 'RUNNING'],
			['kling', 'processing'],
			['xai', 'processing'],
			['current', 'in_progress'],
		] as const) {
			sim.configure({ statusWords });
			expect((await retrieveView(sim, running.id)).status).toBe(word);
		}
		sim.configure({ plan: undefined });
		for (const [statusWords, word] of [
			['runway', 'SUCCEEDED'],
			['kling', 'succeed'],
			['xai', 'done'],
		] as const) {
			sim.configure({ statusWords });
			const job = await createJob(sim, { model: 'wan2.6', prompt: 'p' });
			expect((await waitFor(sim, job.id, [word])).status).toBe(word);
		}
	});

	test('a map spells any status; bad settings are refused', async () => {
		const sim = getSim();
		sim.configure({ statusWords: { queued: 'PENDING', completed: 'DONE', failed: 'CANCELLED' } });
		const job = await createJob(sim, { model: 'viduq3', prompt: 'p [fail]' });
		expect(job.status).toBe('PENDING');
		expect((await waitFor(sim, job.id, ['CANCELLED'])).status).toBe('CANCELLED');
		expect(() => sim.configure({ statusWords: 'shouting' as never })).toThrow(/statusWords/);
		expect(() => sim.configure({ statusWords: { completed: '' } })).toThrow(/statusWords/);
	});
});

describe('model lists', () => {
	test('/v1/models: OpenAI list shape, chat, image and every family video id mixed', async () => {
		const sim = getSim();
		const response = await fetch(`${sim.url}/v1/models`, { headers: auth(sim) });
		const body = (await response.json()) as {
			object: string;
			data: { id: string; object: string; owned_by: string }[];
		};
		expect(body.object).toBe('list');
		const ids = body.data.map((model) => model.id);
		expect(ids).toEqual(expect.arrayContaining(Object.keys(MODEL_RULES)));
		expect(ids).toEqual(
			expect.arrayContaining(['gpt-5', 'gpt-image-1', 'doubao-seedream-4-0', 'grok-imagine-video']),
		);
		expect(body.data.every((model) => model.object === 'model' && model.owned_by)).toBe(true);
		expect((await fetch(`${sim.url}/v1/models`)).status).toBe(401);
	});

	test('/api/models: public, records with model_type, pages from 1', async () => {
		const sim = getSim();
		const response = await fetch(`${sim.url}/api/models`);
		expect(response.status).toBe(200);
		const body = (await response.json()) as {
			success: boolean;
			page: number;
			total: number;
			data: { id: string; model_type: string; api_doc_url: string }[];
		};
		expect(body).toMatchObject({ success: true, page: 0, total: CATALOGUE.length });
		expect(body.data).toHaveLength(CATALOGUE.length);
		const byId = new Map(body.data.map((record) => [record.id, record]));
		expect(byId.get('doubao-seedance-2-0')).toMatchObject({
			model_type: 'video',
			provider: 'bytedance',
			features: ['text-to-video'],
			api_doc_url: 'https://apidoc.cometapi.com/api/video/seedance/create',
			pricing: { currency: 'USD' },
		});
		expect(byId.get('gpt-5')?.model_type).toBe('text');
		expect(byId.get('doubao-seedream-4-0')?.model_type).toBe('image');

		const page = (await (await fetch(`${sim.url}/api/models?page=2&page_size=5`)).json()) as {
			data: { id: string }[];
		};
		expect(page).toMatchObject({ page: 2, page_size: 5, total: CATALOGUE.length });
		expect(page.data.map((record) => record.id)).toEqual(
			CATALOGUE.slice(5, 10).map((record) => record.id),
		);
		expect(sim.requests.map((request) => request.route)).toEqual([
			'public-models',
			'public-models',
		]);
	});

	test('catalogue and retiredModels change both lists; public-models takes faults', async () => {
		const sim = getSim();
		sim.configure({
			catalogue: [...CATALOGUE, modelRecord('wan3.0', 'video', 'alibaba', '/api/video/wan/create')],
			retiredModels: ['sora-2', 'sora-2-pro'],
		});
		const listed = (await (await fetch(`${sim.url}/v1/models`, { headers: auth(sim) })).json()) as {
			data: { id: string }[];
		};
		const ids = listed.data.map((model) => model.id);
		expect(ids).toContain('wan3.0');
		expect(ids).not.toContain('sora-2');
		const publicIds = (
			(await (await fetch(`${sim.url}/api/models`)).json()) as {
				data: { id: string }[];
			}
		).data.map((record) => record.id);
		expect(publicIds).toEqual(ids);
		sim.fault('public-models', { status: 503 });
		expect((await fetch(`${sim.url}/api/models`)).status).toBe(503);
	});
});
