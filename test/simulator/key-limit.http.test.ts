/**
 * The simulator playing a key's limit (keyConcurrencyLimit): beyond N requests being served for
 * the key, 429 in CometAPI's error envelope; latencyMs holds back every answer, refusals
 * included; the refusals are counted. The benchmark's row (c) and the adaptive budget's tests
 * rely on it.
 */
import { useSimulator } from '../support/helpers';
import * as H from '../support/simulator-http';
import { expectEnvelope } from '../support/simulator-http';

const getSim = useSimulator({ jobDurationMs: 100 });

interface Answer {
	status: number;
	ms: number;
	body: unknown;
}

async function call(path: string, init: RequestInit = {}): Promise<Answer> {
	const started = Date.now();
	const response = await fetch(`${getSim().url}${path}`, init);
	const text = await response.text();
	let body: unknown = text;
	try {
		body = JSON.parse(text);
	} catch {
		// not JSON: kept as text
	}
	return { status: response.status, ms: Date.now() - started, body };
}

const listModels = (key = getSim().apiKey) =>
	call('/v1/models', { headers: { authorization: `Bearer ${key}` } });

const statusesOf = (answers: Answer[]) => answers.map((a) => a.status).sort();

test('beyond N being served for the key: 429 in the error envelope, each one counted', async () => {
	const sim = getSim();
	sim.configure({ keyConcurrencyLimit: 2, latencyMs: 200 });
	const answers = await Promise.all(Array.from({ length: 5 }, () => listModels()));
	expect(statusesOf(answers)).toEqual([200, 200, 429, 429, 429]);
	for (const refusal of answers.filter((a) => a.status === 429))
		expectEnvelope(refusal.body, { code: 'rate_limit_exceeded' });
	expect(sim.rateLimited(sim.apiKey)).toBe(3);
	expect(sim.rateLimited()).toBe(3);
	expect(sim.requests.map((r) => r.status).sort()).toEqual([200, 200, 429, 429, 429]);
	// The refusals were on the wire too: all five were in flight at once.
	expect(sim.maxInFlightForKey(sim.apiKey)).toBe(5);
});

test('latencyMs holds back every answer: 200s, 429s, 401s and fault stand-ins', async () => {
	const sim = getSim();
	sim.configure({ keyConcurrencyLimit: 1, latencyMs: 250 });
	sim.fault('retrieve', { kind: 'status', status: 503 });
	const answers = await Promise.all([
		listModels(),
		listModels(),
		listModels('sk-wrong-key'),
		// Served after the first list ends, so the fault's stand-in answers it.
		H.sleep(300).then(() => call('/v1/videos/video_x', { headers: H.auth(sim) })),
	]);
	expect(statusesOf(answers.slice(0, 2))).toEqual([200, 429]);
	expect(answers.slice(2).map((a) => a.status)).toEqual([401, 503]);
	for (const answer of answers) expect(answer.ms).toBeGreaterThanOrEqual(240);
});

test('a refused request takes no place: once the served ones end, the key is served again', async () => {
	const sim = getSim();
	sim.configure({ keyConcurrencyLimit: 1, latencyMs: 150 });
	const first = listModels();
	await H.sleep(30);
	// Refused while the first is served; refusals held back by the latency don't block later ones.
	const refused = await Promise.all([listModels(), listModels()]);
	expect(statusesOf(refused)).toEqual([429, 429]);
	expect((await first).status).toBe(200);
	expect((await listModels()).status).toBe(200);
	expect(sim.rateLimited()).toBe(2);
});

test('a refused create makes no job and leaves queued faults for the next served request', async () => {
	const sim = getSim();
	sim.configure({ keyConcurrencyLimit: 1, latencyMs: 150 });
	sim.fault('create', { kind: 'status', status: 500 });
	const held = listModels();
	await H.sleep(30);
	const refused = await H.create(sim, { model: 'veo3.1-fast', prompt: 'refused' });
	expect(refused.status).toBe(429);
	expectEnvelope(await refused.json(), { code: 'rate_limit_exceeded' });
	expect(sim.createCount()).toBe(0);
	await held;
	// The queued 500 is still there: it answers the next create that is served.
	expect((await H.create(sim, { model: 'veo3.1-fast', prompt: 'served' })).status).toBe(500);
	const made = await H.create(sim, { model: 'veo3.1-fast', prompt: 'made' });
	expect(made.status).toBe(200);
	expect(sim.createCount()).toBe(1);
});

test('requests without the key are not limited: the public catalogue, signed links', async () => {
	const sim = getSim();
	sim.configure({ linkHost: 'api' });
	const job = await H.createJob(sim, { model: 'veo3.1-fast', prompt: 'link' });
	const done = await H.waitFor(sim, job.id);
	sim.configure({ keyConcurrencyLimit: 1, latencyMs: 200 });
	const link = String(done.video_url);
	const answers = await Promise.all([
		listModels(),
		call('/api/models'),
		call(link.slice(sim.url.length)),
		listModels(),
	]);
	expect(statusesOf([answers[0], answers[3]])).toEqual([200, 429]);
	expect([answers[1].status, answers[2].status]).toEqual([200, 200]);
	expect(sim.rateLimited()).toBe(1);
});

test('sampleInFlight: in flight now and the most since the previous sample', async () => {
	const sim = getSim();
	sim.configure({ latencyMs: 200 });
	expect(sim.sampleInFlight(sim.apiKey)).toEqual({ now: 0, peak: 0 });
	const three = Promise.all([listModels(), listModels(), listModels()]);
	await H.sleep(100);
	expect(sim.sampleInFlight(sim.apiKey)).toEqual({ now: 3, peak: 3 });
	expect(sim.inFlightForKey(sim.apiKey)).toBe(3);
	await three;
	expect(sim.sampleInFlight(sim.apiKey)).toEqual({ now: 0, peak: 3 });
	expect(sim.sampleInFlight(sim.apiKey)).toEqual({ now: 0, peak: 0 });
});

test('no limit by default; reset restores it and clears the count; bad values refused', async () => {
	const sim = getSim();
	sim.configure({ latencyMs: 100 });
	const answers = await Promise.all(Array.from({ length: 20 }, () => listModels()));
	expect(answers.every((a) => a.status === 200)).toBe(true);
	sim.configure({ keyConcurrencyLimit: 1 });
	await Promise.all([listModels(), listModels()]);
	expect(sim.rateLimited()).toBe(1);
	sim.reset();
	expect(sim.rateLimited()).toBe(0);
	const again = await Promise.all(Array.from({ length: 3 }, () => listModels()));
	expect(again.every((a) => a.status === 200)).toBe(true);
	for (const bad of [0, -1, 1.5, '3'])
		expect(() => sim.configure({ keyConcurrencyLimit: bad as number })).toThrow(
			/keyConcurrencyLimit/,
		);
	expect(() => sim.configure({ keyConcurrencyLimit: undefined })).not.toThrow();
});
