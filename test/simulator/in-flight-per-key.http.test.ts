/**
 * The simulator's per-key in-flight count and its answer latency, which the queue-mode suite
 * relies on to prove a key's request budget (test/queue).
 */
import { type Simulator, startSimulator } from '../../tools/simulator';

let sim: Simulator;

beforeAll(async () => {
	sim = await startSimulator();
});

afterEach(() => sim.reset());

afterAll(() => sim.close());

function listModels(key: string): Promise<number> {
	return fetch(`${sim.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } }).then(
		async (response) => {
			await response.arrayBuffer();
			return response.status;
		},
	);
}

test('latencyMs holds every answer back; the most in flight is counted per key', async () => {
	sim.configure({ latencyMs: 150 });
	const started = Date.now();
	const statuses = await Promise.all([
		listModels(sim.apiKey),
		listModels(sim.apiKey),
		listModels(sim.apiKey),
		listModels('sk-another-key'),
	]);
	expect(Date.now() - started).toBeGreaterThanOrEqual(150);
	expect(statuses).toEqual([200, 200, 200, 401]);
	expect(sim.maxInFlightForKey(sim.apiKey)).toBe(3);
	expect(sim.maxInFlightForKey('sk-another-key')).toBe(1);
	expect(sim.maxInFlightForKey('sk-never-used')).toBe(0);
	expect(sim.maxInFlight).toBe(4);
});

test('resetStats starts the per-key maximum again from what is in flight now', async () => {
	await Promise.all([listModels(sim.apiKey), listModels(sim.apiKey)]);
	sim.resetStats();
	expect(sim.maxInFlightForKey(sim.apiKey)).toBe(0);
	await listModels(sim.apiKey);
	expect(sim.maxInFlightForKey(sim.apiKey)).toBe(1);
});
