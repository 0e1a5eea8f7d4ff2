/**
 * Issue 20: safety as properties. Generated worlds (test/properties/world.ts) run through n8n-core's
 * real WorkflowExecute against a programmable API and link host; after each world the invariants
 * (money, ids, key, time, files, routing, status, delivery) are checked. A fixed number of worlds
 * from a fixed seed (PROPERTY_SEED, PROPERTY_WORLDS override); a failure prints the seed, the path,
 * the shrunk world and the one command that replays it. The known findings are explicit examples
 * (run together, a few at once, before their tests read the outcome); memory is a property of its
 * own. The long run: `npm run test:properties -- --worlds 3000`.
 */
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';

import { EXAMPLES } from './examples';
import { describeViolations, type Violation } from './invariants';
import { pollMemory } from './memory';
import { checkProperty, configFromEnv } from './property';
import { WorldPool } from './world-pool';

jest.setTimeout(15 * 60_000);

/** CI: 24 worlds of at most 5 items, four at once; shrinking a failure up to 60 s more. */
const config = configFromEnv({ worlds: 24, maxItems: 5, shrinkBudgetMs: 60_000 });

/**
 * Worlds run in worker threads: a world that blocks its event loop cannot hang jest. Started on
 * first use, so a jest run that only lists the tests (the inventory's) starts no thread to wait on.
 */
let started: WorldPool | undefined;
const pool = () => (started ??= new WorldPool(4));
afterAll(async () => {
	await started?.close();
});

describe('invariants', () => {
	test('generated worlds: no invariant broken', async () => {
		const outcome = await checkProperty(config, pool());
		if (outcome.failed) throw new Error(outcome.report);
	});

	test('memory: 5000 sleeps of one waiting item grow the heap by at most 64 kB', async () => {
		const memory = await pollMemory(5_000);
		expect(memory.grewBytes).toBeLessThanOrEqual(memory.boundBytes);
	});
});

describe('the known findings, as examples', () => {
	const examples = EXAMPLES.filter(
		(example) => !example.expensive || process.env.PROPERTY_EXPENSIVE === '1',
	);
	const outcomes = new Map<string, Violation[]>();
	beforeAll(async () => {
		if (process.env.PROPERTY_PATH) return;
		await Promise.all(
			examples.map(async (example) => {
				outcomes.set(example.name, (await pool().run(example.world)).violations);
			}),
		);
	});
	for (const example of examples) {
		test(`finding ${example.finding} (${example.breaks}): ${example.name}`, () => {
			expect(describeViolations(outcomes.get(example.name) ?? [])).toBe('');
		});
	}
});
