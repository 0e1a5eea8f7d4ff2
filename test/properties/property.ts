/**
 * The property: for every generated world, no invariant is violated. Shared by the jest suite (a
 * fixed number of worlds from a fixed seed, shrinking on failure within a time budget) and the
 * long run (test/properties/run.ts: thousands of worlds, every violation counted).
 */
import fc from 'fast-check';

import { checkWorld, describeViolations, type Violation } from './invariants';
import { runWorld } from './run-world';
import { worldArb, type World } from './world';

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

/** Runs the property over `config.worlds` worlds (or replays `config.path`), shrinking a failure. */
export async function checkProperty(config: PropertyConfig): Promise<PropertyOutcome> {
	const found = new Map<string, Violation[]>();
	let worldsRun = 0;
	let firstFailureAt: number | undefined;
	const property = fc.asyncProperty(worldArb({ maxItems: config.maxItems }), async (world) => {
		// Past the shrink budget: stop spending time on smaller candidates (the best so far stands).
		if (firstFailureAt !== undefined && Date.now() - firstFailureAt > config.shrinkBudgetMs)
			return true;
		worldsRun += 1;
		const violations = checkWorld(await runWorld(world));
		if (violations.length > 0) {
			found.set(JSON.stringify(world), violations);
			firstFailureAt ??= Date.now();
		}
		return violations.length === 0;
	});
	const details = await fc.check(property, {
		seed: config.seed,
		numRuns: config.path ? 1 : config.worlds,
		path: config.path,
		endOnFailure: config.shrinkBudgetMs <= 0,
	});
	if (!details.failed || !details.counterexample) {
		return {
			failed: false,
			worldsRun,
			seed: config.seed,
			violations: [],
			report: `${worldsRun} worlds, seed ${config.seed}: no invariant broken`,
		};
	}
	const [world] = details.counterexample;
	const violations = found.get(JSON.stringify(world)) ?? [];
	const path = details.counterexamplePath ?? undefined;
	const report = [
		`An invariant broke (${worldsRun} worlds run, seed ${config.seed}, path ${path}).`,
		'Violations of the shrunk world:',
		describeViolations(violations),
		'The shrunk world:',
		JSON.stringify(world, null, 1),
		'Replay it with:',
		`  ${replayCommand(config.seed, path, config.maxItems)}`,
	].join('\n');
	return { failed: true, worldsRun, seed: config.seed, path, world, violations, report };
}
