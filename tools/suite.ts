/**
 * The runner of the suites that drive a real n8n (test/e2e, test/ui, test/queue): named cases,
 * one PASS/FAIL line each, `N passed, N failed` as the last line, `--only <case>` to run one alone.
 *
 *   await runSuite('test:e2e', cases, { group: 'n8n 2.8.4', context: () => startWhatCasesNeed() });
 *
 * A case is a function that throws to fail and may return a detail line. What cases need is
 * built by `context` once per group (e.g. one n8n version) and torn down by its `close`; a
 * context failing to build fails the group's cases without running them.
 */
import { seconds } from './process';

export type Case<C> = (context: C) => Promise<string | void>;

/** A named case: `name` is what `--only` matches, `title` what it proves. */
export interface NamedCase<C> {
	name: string;
	title: string;
	run: Case<C>;
}

export function defineCase<C>(name: string, title: string, run: Case<C>): NamedCase<C> {
	return { name, title, run };
}

/** Thrown by a case that cannot run here (e.g. an editor feature this n8n lacks): not a pass. */
export class Skip extends Error {}

export function assert(condition: unknown, message: string): asserts condition {
	if (!condition) throw new Error(message);
}

export function say(line: string): void {
	process.stdout.write(`${line}\n`);
}

function indent(text: string): string {
	return text.split('\n').join('\n      ');
}

/** `--only <names>` (or `--only=<names>`) from the command line, else every case. */
export function onlyCase(argv: string[] = process.argv.slice(2)): string | undefined {
	const at = argv.findIndex((arg) => arg === '--only' || arg.startsWith('--only='));
	if (at < 0) return undefined;
	return argv[at].includes('=') ? argv[at].split('=')[1] : argv[at + 1];
}

export interface Group<C> {
	/** Printed before each case, e.g. the n8n version. */
	label: string;
	/** What the cases share, built before the first case that runs. */
	context: () => Promise<C & { close?: () => Promise<void> }>;
}

export class Suite {
	passed = 0;
	failed = 0;
	skipped = 0;
	readonly started = Date.now();
	readonly only = onlyCase();

	constructor(readonly name: string) {}

	/** Runs one case, prints its line; returns whether it passed. */
	async run<C>(label: string, test: NamedCase<C>, context: C): Promise<boolean> {
		const started = Date.now();
		const prefix = `${label ? `[${label}] ` : ''}${test.name}: ${test.title}`;
		try {
			const detail = await test.run(context);
			this.passed++;
			say(
				`PASS  ${prefix} (${seconds(Date.now() - started)})${detail ? `\n      ${indent(detail)}` : ''}`,
			);
			return true;
		} catch (error) {
			const message = error instanceof Error ? error.message : String(error);
			if (error instanceof Skip) {
				this.skipped++;
				say(`SKIP  ${prefix}\n      ${indent(message)}`);
				return false;
			}
			this.failed++;
			say(`FAIL  ${prefix} (${seconds(Date.now() - started)})\n      ${indent(message)}`);
			return false;
		}
	}

	/**
	 * The cases `--only` selects (names separated by commas, in the suite's order); an unknown
	 * name is an error, not an empty green run.
	 */
	select<C>(cases: NamedCase<C>[]): NamedCase<C>[] {
		if (!this.only) return cases;
		const names = this.only.split(',').map((name) => name.trim());
		const unknown = names.filter((name) => !cases.some((test) => test.name === name));
		if (unknown.length)
			throw new Error(
				`no case "${unknown.join('", "')}"; cases: ${cases.map((test) => test.name).join(', ')}`,
			);
		return cases.filter((test) => names.includes(test.name));
	}

	/** Builds the group's context, runs the selected cases in order, closes the context. */
	async group<C>(group: Group<C>, cases: NamedCase<C>[]): Promise<void> {
		const chosen = this.select(cases);
		let context: (C & { close?: () => Promise<void> }) | undefined;
		try {
			context = await group.context();
		} catch (error) {
			const message = error instanceof Error ? error.message : String(error);
			for (const test of chosen) {
				this.failed++;
				say(`FAIL  [${group.label}] ${test.name}: not run, setup failed\n      ${indent(message)}`);
			}
			return;
		}
		try {
			for (const test of chosen) await this.run(group.label, test, context);
		} finally {
			await context.close?.();
		}
	}

	/** The closing line; the exit code is 1 unless something ran and nothing failed. */
	finish(): void {
		say(`${this.name} took ${seconds(Date.now() - this.started)}`);
		say(
			`${this.passed} passed, ${this.failed} failed${this.skipped ? `, ${this.skipped} skipped` : ''}`,
		);
		process.exitCode = this.failed || !this.passed ? 1 : 0;
	}
}

/** Runs `main` with a suite; a crash outside any case still ends with the closing line. */
export function runSuite(name: string, main: (suite: Suite) => Promise<void>): void {
	const suite = new Suite(name);
	main(suite)
		.catch((error: unknown) => {
			suite.failed++;
			process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
		})
		.finally(() => suite.finish());
}
