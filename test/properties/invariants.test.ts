/**
 * Issue 20: safety as properties. Generated worlds (test/properties/world.ts) run through n8n-core's
 * real WorkflowExecute against a programmable API and link host; after each world the invariants
 * (money, ids, key, time, files, routing, status, delivery) are checked. A fixed number of worlds
 * from a fixed seed (PROPERTY_SEED, PROPERTY_WORLDS override); a failure prints the seed, the path,
 * the shrunk world and the one command that replays it. The known findings are explicit examples;
 * memory is a property of its own. The long run: `npm run test:properties -- --worlds 3000`.
 */
import { describe, expect, jest, test } from '@jest/globals';

import { EXAMPLES } from './examples';
import { checkWorld, describeViolations } from './invariants';
import { pollMemory } from './memory';
import { checkProperty, configFromEnv } from './property';
import { runWorld } from './run-world';

jest.setTimeout(15 * 60_000);

/** CI: 24 worlds of at most 5 items, about a minute on two cores; shrinking up to 60 s more. */
const config = configFromEnv({ worlds: 24, maxItems: 5, shrinkBudgetMs: 60_000 });

describe('invariants', () => {
	test('generated worlds: no invariant broken', async () => {
		const outcome = await checkProperty(config);
		if (outcome.failed) console.error(outcome.report);
		expect(outcome.failed ? outcome.report : 'ok').toBe('ok');
	});

	const examples = EXAMPLES.filter(
		(example) => !example.expensive || process.env.PROPERTY_EXPENSIVE === '1',
	);
	for (const example of examples) {
		test(`finding ${example.finding}: ${example.name}`, async () => {
			const violations = checkWorld(await runWorld(example.world));
			expect(describeViolations(violations)).toBe('');
		});
	}

	test('memory: 30000 sleeps of one waiting item grow the heap by at most 64 kB', async () => {
		const memory = await pollMemory(30_000);
		expect(memory.grewBytes).toBeLessThanOrEqual(memory.boundBytes);
	});
});
