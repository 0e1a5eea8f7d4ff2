/**
 * The long run of the invariant harness (issue 20): thousands of worlds, every violation counted.
 *
 *   npm run test:properties -- --worlds 3000 [--seed N] [--max-items 50] [--parallel 4]
 *                              [--examples] [--memory-sleeps 100000] [--json FILE]
 *
 * World k of a seed is the k-th world fast-check generates from it, so each broken world replays
 * alone in jest: PROPERTY_SEED=<seed> PROPERTY_PATH=<k> [PROPERTY_MAX_ITEMS=<m>] npx jest
 * test/properties -t 'generated worlds'. Prints worlds per family and per setting, violations per
 * invariant (worlds and count) with example replays, the known findings' examples, the memory
 * property, and the time taken.
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';

import fc from 'fast-check';

import { EXAMPLES } from './examples';
import { INVARIANTS, type Invariant, type Violation } from './invariants';
import { pollMemory } from './memory';
import { DEFAULT_SEED } from './property';
import { settingLabels, worldArb, type World } from './world';
import { WorldPool } from './world-pool';

const { values } = parseArgs({
	options: {
		worlds: { type: 'string', default: '300' },
		seed: { type: 'string', default: String(DEFAULT_SEED) },
		'max-items': { type: 'string', default: '50' },
		parallel: { type: 'string', default: '4' },
		examples: { type: 'boolean', default: false },
		'memory-sleeps': { type: 'string', default: '100000' },
		from: { type: 'string', default: '0' },
		json: { type: 'string' },
	},
});

const worlds = Number(values.worlds);
const seed = Number(values.seed);
const maxItems = Number(values['max-items']);
const parallel = Math.max(1, Number(values.parallel));

interface WorldFigure {
	index: number;
	labels: string[];
	violations: Violation[];
	durationMs: number;
}

function replay(index: number): string {
	const items = maxItems === 5 ? '' : ` PROPERTY_MAX_ITEMS=${maxItems}`;
	return `PROPERTY_SEED=${seed} PROPERTY_PATH=${index}${items} npx jest test/properties -t 'generated worlds'`;
}

function table(rows: Array<[string, ...Array<string | number>]>): string {
	const widths = rows[0].map((_, column) =>
		Math.max(...rows.map((row) => String(row[column]).length)),
	);
	return rows
		.map((row) => row.map((cell, column) => String(cell).padEnd(widths[column])).join('  '))
		.join('\n');
}

async function main(): Promise<void> {
	const startedAt = Date.now();
	const generated: World[] = fc.sample(worldArb({ maxItems }), { seed, numRuns: worlds });
	const figures: WorldFigure[] = [];
	const pool = new WorldPool(parallel);
	let next = Number(values.from);
	let failingSoFar = 0;
	const worker = async () => {
		while (next < generated.length) {
			const index = next++;
			const world = generated[index];
			const began = Date.now();
			if (process.env.PROPERTY_TRACE) console.log(`  start world ${index}`);
			const { violations } = await pool.run(world);
			figures.push({
				index,
				labels: settingLabels(world),
				violations,
				durationMs: Date.now() - began,
			});
			if (violations.length > 0) failingSoFar += 1;
			if (figures.length % 25 === 0 || figures.length === generated.length) {
				const seconds = Math.round((Date.now() - startedAt) / 1000);
				console.log(
					`  ${figures.length}/${generated.length} worlds, ${failingSoFar} broke an invariant, ${seconds} s`,
				);
			}
		}
	};
	console.log(
		`Invariant harness: ${worlds} worlds, seed ${seed}, up to ${maxItems} items, ${parallel} at once`,
	);
	await Promise.all(Array.from({ length: parallel }, worker));
	figures.sort((a, b) => a.index - b.index);

	// Worlds per family and per setting, and how many of them broke something.
	const perLabel = new Map<string, { worlds: number; broke: number }>();
	for (const figure of figures) {
		for (const label of figure.labels) {
			const entry = perLabel.get(label) ?? { worlds: 0, broke: 0 };
			entry.worlds += 1;
			if (figure.violations.length > 0) entry.broke += 1;
			perLabel.set(label, entry);
		}
	}
	const labelRows: Array<[string, ...Array<string | number>]> = [['setting', 'worlds', 'broke']];
	for (const label of [...perLabel.keys()].sort()) {
		const entry = perLabel.get(label) as { worlds: number; broke: number };
		labelRows.push([label, entry.worlds, entry.broke]);
	}

	// Violations per invariant.
	const perInvariant = new Map<Invariant, { worlds: number; count: number; examples: string[] }>();
	for (const invariant of [...INVARIANTS, 'memory' as const]) {
		perInvariant.set(invariant, { worlds: 0, count: 0, examples: [] });
	}
	for (const figure of figures) {
		const seen = new Set<Invariant>();
		for (const violation of figure.violations) {
			const entry = perInvariant.get(violation.invariant) as {
				worlds: number;
				count: number;
				examples: string[];
			};
			entry.count += 1;
			if (!seen.has(violation.invariant)) {
				seen.add(violation.invariant);
				entry.worlds += 1;
				if (entry.examples.length < 3)
					entry.examples.push(`world ${figure.index}: ${violation.detail.slice(0, 200)}`);
			}
		}
	}

	// The memory property.
	const memory = await pollMemory(Number(values['memory-sleeps']));
	if (!memory.ok) {
		const entry = perInvariant.get('memory') as {
			worlds: number;
			count: number;
			examples: string[];
		};
		entry.count += 1;
		entry.examples.push(
			`${memory.sleeps} sleeps of one waiting item: heap +${memory.grewBytes} bytes (${memory.perSleepBytes} per sleep; bound ${memory.boundBytes})`,
		);
	}

	// The known findings.
	const exampleRows: Array<[string, ...Array<string | number>]> = [
		['finding', 'example', 'breaks', 'caught'],
	];
	if (values.examples) {
		for (const example of EXAMPLES) {
			const { violations } = await pool.run(example.world);
			const broken = [...new Set(violations.map((violation) => violation.invariant))];
			exampleRows.push([
				example.finding,
				example.name,
				example.breaks,
				broken.includes(example.breaks)
					? `yes (${broken.join(', ')})`
					: `no (${broken.join(', ') || 'clean'})`,
			]);
		}
	}

	const seconds = (Date.now() - startedAt) / 1000;
	const invariantRows: Array<[string, ...Array<string | number>]> = [
		['invariant', 'worlds', 'violations'],
	];
	for (const [invariant, entry] of perInvariant)
		invariantRows.push([invariant, entry.worlds, entry.count]);
	const broke = figures.filter((figure) => figure.violations.length > 0).length;
	const slowest = [...figures].sort((a, b) => b.durationMs - a.durationMs)[0];

	console.log(
		`\n${figures.length} worlds in ${seconds.toFixed(1)} s (seed ${seed}); ${broke} broke at least one invariant`,
	);
	console.log(`slowest world: ${slowest?.index} (${slowest?.durationMs} ms)\n`);
	console.log(table(labelRows));
	console.log(`\n${table(invariantRows)}\n`);
	for (const [invariant, entry] of perInvariant) {
		if (entry.examples.length === 0) continue;
		console.log(`${invariant}:`);
		for (const example of entry.examples) {
			const index = /^world (\d+):/.exec(example)?.[1];
			console.log(`  ${example}`);
			if (index !== undefined) console.log(`    replay: ${replay(Number(index))}`);
		}
	}
	if (values.examples) console.log(`\n${table(exampleRows)}`);
	if (values.json) {
		fs.writeFileSync(
			values.json,
			JSON.stringify(
				{
					seed,
					worlds: figures.length,
					seconds,
					perLabel: Object.fromEntries(perLabel),
					perInvariant: Object.fromEntries(perInvariant),
					memory,
					figures,
					examples: exampleRows,
				},
				null,
				1,
			),
		);
	}
	process.exit(0);
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
