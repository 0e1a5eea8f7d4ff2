/**
 * The property: for every generated world, no invariant is violated. Shared by the jest suite (a
 * fixed number of worlds from a fixed seed, shrinking on failure within a time budget) and the
 * long run (test/properties/run.ts: thousands of worlds, every violation counted).
 */
import fc from 'fast-check';

import { describeViolations, type Violation } from './invariants';
import { worldArb, type World } from './world';
import type { WorldPool } from './world-pool';

export const DEFAULT_SEED = 20_2020;

export interface PropertyConfig {
	seed: number;
	worlds: number;
	/** A counterexample path to replay (fast-check's `path`). */
	path?: string;
	maxItems: number;
	/** How long shrinking may go on after the first failure. */
	shrinkBudgetMs: number;
}

export function configFromEnv(defaults: {
	worlds: number;
	maxItems: number;
	shrinkBudgetMs: number;
}): PropertyConfig {
	const seed = Number(process.env.PROPERTY_SEED ?? DEFAULT_SEED);
	const worlds = Number(process.env.PROPERTY_WORLDS ?? defaults.worlds);
	return {
		seed: Number.isFinite(seed) ? seed : DEFAULT_SEED,
		worlds: Number.isFinite(worlds) && worlds > 0 ? worlds : defaults.worlds,
		path: process.env.PROPERTY_PATH || undefined,
		maxItems: Number(process.env.PROPERTY_MAX_ITEMS ?? defaults.maxItems),
		shrinkBudgetMs: Number(process.env.PROPERTY_SHRINK_MS ?? defaults.shrinkBudgetMs),
	};
}

export interface PropertyOutcome {
	failed: boolean;
	worldsRun: number;
	seed: number;
	path?: string;
	world?: World;
	violations: Violation[];
	report: string;
}

/** The one command that replays a counterexample. */
export function replayCommand(seed: number, path: string | undefined, maxItems: number): string {
	const env = [`PROPERTY_SEED=${seed}`];
	if (path) env.push(`PROPERTY_PATH=${path}`);
	if (maxItems !== 5) env.push(`PROPERTY_MAX_ITEMS=${maxItems}`);
	return `${env.join(' ')} npx jest test/properties -t 'generated worlds'`;
}

/**
 * Runs the property over `config.worlds` worlds (in the pool's threads, several at once), or
 * replays `config.path`. The first broken world is then shrunk by fast-check from its path (one
 * world at a time, within the shrink budget); the report names the seed, the path of the shrunk
 * world, the world and the command that replays it.
 */
export async function checkProperty(
	config: PropertyConfig,
	pool: WorldPool,
): Promise<PropertyOutcome> {
	const arbitrary = worldArb({ maxItems: config.maxItems });
	let worldsRun = 0;
	let startPath = config.path;
	if (!startPath) {
		const worlds = fc.sample(arbitrary, { seed: config.seed, numRuns: config.worlds });
		const broken = await Promise.all(
			worlds.map(async (world) => {
				const { violations } = await pool.run(world);
				worldsRun += 1;
				return violations.length > 0;
			}),
		);
		const first = broken.indexOf(true);
		if (first === -1) {
			return {
				failed: false,
				worldsRun,
				seed: config.seed,
				violations: [],
				report: `${worldsRun} worlds, seed ${config.seed}: no invariant broken`,
			};
		}
		startPath = String(first);
	}
	const found = new Map<string, Violation[]>();
	let shrinkFrom: number | undefined;
	const property = fc.asyncProperty(arbitrary, async (world) => {
		// Past the shrink budget: stop spending time on smaller candidates (the best so far stands).
		if (shrinkFrom !== undefined && Date.now() - shrinkFrom > config.shrinkBudgetMs) return true;
		worldsRun += 1;
		const { violations } = await pool.run(world);
		if (violations.length > 0) {
			found.set(JSON.stringify(world), violations);
			shrinkFrom ??= Date.now();
		}
		return violations.length === 0;
	});
	const details = await fc.check(property, {
		seed: config.seed,
		path: startPath,
		endOnFailure: config.shrinkBudgetMs <= 0,
	});
	if (!details.failed || !details.counterexample) {
		return {
			failed: false,
			worldsRun,
			seed: config.seed,
			violations: [],
			report: `${worldsRun} worlds, seed ${config.seed}, path ${startPath}: no invariant broken (a world that broke before passes now: timing?)`,
		};
	}
	const [world] = details.counterexample;
	const violations = found.get(JSON.stringify(world)) ?? [];
	const path = details.counterexamplePath ?? startPath;
	const report = [
		`An invariant broke (${worldsRun} worlds run, seed ${config.seed}, first broken world ${startPath}, shrunk to path ${path}).`,
		'Violations of the shrunk world:',
		describeViolations(violations),
		'The shrunk world:',
		JSON.stringify(world, null, 1),
		'Replay it with:',
		`  ${replayCommand(config.seed, path, config.maxItems)}`,
	].join('\n');
	return { failed: true, worldsRun, seed: config.seed, path, world, violations, report };
}
