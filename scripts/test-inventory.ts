/*
 * The Inventory section of test/README.md, generated from jest's own listing: `npm run inventory`
 * (builds first) writes it, `--check` only compares and exits 1 when the README's copy is stale.
 *
 * Where the jest tests come from:
 * - `--results <file>`: the JSON a full jest run wrote (`jest --json --outputFile=<file>`); CI
 *   passes the one its test stage wrote, so jest runs once. Every test file jest would run
 *   (`jest --listTests`) must be in it, and none may have failed to load.
 * - otherwise: jest run with a name pattern no test matches, so every file is loaded and every
 *   test listed but none runs (nor its hooks): about 10 s.
 *
 * Grouping: by what the tests protect (the folder under test/), then by layer (the file name's
 * `<name>.<layer>.test.ts`), one line per test (its full title) and its file. The suites in real
 * n8n are listed from their own definitions: `defineCase('name', 'what it proves', ...)` in
 * test/e2e/run.ts and test/queue/run.ts (read as text, so nothing starts), the steps of
 * test/ui/steps.ts (their names, from `walk`).
 *
 *   node --require tsx/cjs scripts/test-inventory.ts [--check] [--results <jest.json>]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import * as prettier from 'prettier';

import { REPO_ROOT } from '../tools/constants';
import { runProcess, tail } from '../tools/process';
import { walk, type WalkContext } from '../test/ui/steps';

const README = path.join(REPO_ROOT, 'test', 'README.md');
const TEST_DIR = path.join(REPO_ROOT, 'test');
const JEST = path.join(REPO_ROOT, 'node_modules', '.bin', 'jest');
const START = '<!-- inventory:start -->';
const END = '<!-- inventory:end -->';

/** What each folder protects, in the order the inventory lists them; any other folder follows. */
const FOLDERS: Record<string, string> = {
	money:
		'never pays twice or by surprise: the retry decision, a create sent once, Retry On Fail, prices and estimates, the cost cap, Dry Run, the balance',
	key: 'the API key goes only to the API and shows nowhere: redaction, the Base URL rule, the credential, redirects',
	time: 'every wait ends: deadlines, cancelling, the poll schedule, retries and back-off, the request limiter, concurrency',
	files:
		'the file passed on is the whole file: delivery routes, integrity, size limits, the binary store',
	ids: 'no job is lost: job ids kept in outputs and errors, the other jobs named',
	input: 'what is sent is what was meant: prepare, the model families, validation, the Model list',
	answers:
		"the server's answers read right, and odd ones reported clearly: statuses, malformed, HTML and redirect answers, bounded error bodies",
	operations: 'each operation does its job, end to end',
	properties: 'invariants checked over generated inputs',
	harness: 'the n8n-core harness itself',
	simulator: 'the CometAPI simulator itself',
};

/** What each layer runs, in the order the inventory lists them; any other layer follows. */
const LAYERS: Record<string, string> = {
	unit: 'pure decisions: no HTTP, no engine',
	http: 'real HTTP, no workflow engine',
	workflow: "workflow executions in n8n-core's engine over real HTTP",
};

/** The suites in real n8n: their folders and what they run. */
const SUITES = [
	{ name: 'e2e', what: 'real n8n CLI, per n8n version' },
	{ name: 'ui', what: 'the real n8n editor in headless Chromium' },
	{ name: 'queue', what: 'real n8n in queue mode' },
];

interface JestResults {
	testResults: {
		name: string;
		testExecError?: { message?: string };
		failureMessage?: string | null;
		assertionResults: { fullName: string }[];
	}[];
}

/** A case of a suite in real n8n. */
interface Case {
	name: string;
	title: string;
	file: string;
}

interface Listed {
	/** Relative to the repository, with forward slashes. */
	file: string;
	titles: string[];
}

function relative(file: string): string {
	return path.relative(REPO_ROOT, file).split(path.sep).join('/');
}

async function jest(args: string[]): Promise<string> {
	const result = await runProcess(JEST, args, { cwd: REPO_ROOT, timeoutMs: 10 * 60_000 });
	if (result.code !== 0)
		throw new Error(`jest ${args.join(' ')} exited ${result.code}:\n${tail(result.stderr)}`);
	return result.stdout;
}

/** Every test file jest would run, as jest's own configuration finds them. */
async function testFiles(): Promise<string[]> {
	return (JSON.parse(await jest(['--listTests', '--json'])) as string[]).map(relative).sort();
}

/** jest's listing of every test, without running any. */
async function listWithoutRunning(): Promise<JestResults> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'test-inventory-'));
	try {
		const file = path.join(dir, 'jest.json');
		await jest(['--json', `--outputFile=${file}`, '--testNamePattern=(?!)']);
		return JSON.parse(fs.readFileSync(file, 'utf8')) as JestResults;
	} finally {
		fs.rmSync(dir, { recursive: true, force: true });
	}
}

/** The tests of every file, files in path order, tests in the order jest lists them. */
async function listTests(resultsFile: string | undefined): Promise<Listed[]> {
	const results = resultsFile
		? (JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as JestResults)
		: await listWithoutRunning();
	const listed = results.testResults
		.map((result) => {
			const file = relative(result.name);
			if (result.testExecError || result.assertionResults.length === 0)
				throw new Error(
					`${file} did not load, so its tests are not listed:\n${tail(result.testExecError?.message ?? result.failureMessage ?? '(no tests)')}`,
				);
			return { file, titles: result.assertionResults.map((test) => test.fullName) };
		})
		.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
	if (resultsFile) {
		const have = new Set(listed.map((entry) => entry.file));
		const missing = (await testFiles()).filter((file) => !have.has(file));
		if (missing.length)
			throw new Error(
				`${resultsFile} lacks ${missing.join(', ')}: it is not a full run (or is older than these files)`,
			);
	}
	return listed;
}

/** Markdown for text as jest names it: what Markdown would take as markup, escaped. */
function text(title: string): string {
	return title.replace(/[\\*[<]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, (c) => `\\${c}`);
}

function plural(count: number, one: string, many = `${one}s`): string {
	return `${count} ${count === 1 ? one : many}`;
}

/** Known keys first in their order, then the others alphabetically. */
function ordered(keys: Iterable<string>, known: Record<string, string>): string[] {
	const order = Object.keys(known);
	const rank = (key: string) => (order.includes(key) ? order.indexOf(key) : order.length);
	return [...new Set(keys)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** `test/<folder>/…/<name>.<layer>.test.ts` gives folder and layer (`''` when the name has none). */
function placeOf(file: string): { folder: string; layer: string } {
	const [, folder = ''] = file.split('/');
	const layer = /\.([a-z]+)\.test\.ts$/.exec(file)?.[1] ?? '';
	return { folder, layer };
}

function jestSection(listed: Listed[]): string[] {
	const lines: string[] = [];
	const byFolder = new Map<string, Listed[]>();
	for (const entry of listed) {
		const { folder } = placeOf(entry.file);
		byFolder.set(folder, [...(byFolder.get(folder) ?? []), entry]);
	}
	const count = (entries: Listed[]) => entries.reduce((sum, entry) => sum + entry.titles.length, 0);
	const layers = ordered(
		listed.map((entry) => placeOf(entry.file).layer),
		LAYERS,
	);
	const folders = ordered(byFolder.keys(), FOLDERS);

	lines.push(
		`${plural(count(listed), 'jest test')} in ${plural(listed.length, 'file')}, by what they protect (the folder) and layer (the file name):`,
		'',
		`| folder | what it protects | ${layers.map((layer) => layer || '(no layer)').join(' | ')} | tests |`,
		`| --- | --- | ${layers.map(() => '---:').join(' | ')} | ---: |`,
	);
	for (const folder of folders) {
		const entries = byFolder.get(folder) ?? [];
		const cells = layers.map((layer) =>
			count(entries.filter((entry) => placeOf(entry.file).layer === layer)),
		);
		lines.push(
			`| \`test/${folder}/\` | ${FOLDERS[folder] ?? ''} | ${cells.map((n) => n || '').join(' | ')} | ${count(entries)} |`,
		);
	}
	for (const folder of folders) {
		const entries = byFolder.get(folder) ?? [];
		const what = FOLDERS[folder] ? ` (${FOLDERS[folder]})` : '';
		lines.push('', `### ${folder}${what}: ${plural(count(entries), 'test')}`);
		for (const layer of ordered(
			entries.map((entry) => placeOf(entry.file).layer),
			LAYERS,
		)) {
			const inLayer = entries.filter((entry) => placeOf(entry.file).layer === layer);
			const runs = LAYERS[layer] ? ` (${LAYERS[layer]})` : '';
			lines.push(
				'',
				`#### ${layer || 'no layer in the file name'}${runs}: ${plural(count(inLayer), 'test')}`,
				'',
			);
			for (const entry of inLayer)
				for (const title of entry.titles) lines.push(`- ${text(title)} — \`${entry.file}\``);
		}
	}
	return lines;
}

/** A string literal's text: '…', "…" or `…` (a template's `${…}` kept as written). */
function literal(source: string): string {
	const body = source.slice(1, -1);
	return source.startsWith('`') ? body : body.replace(/\\(.)/g, '$1');
}

/** The `defineCase(name, title, …)` calls in a suite's folder: files in path order, cases as written. */
function definedCases(suite: string): Case[] {
	const dir = path.join(TEST_DIR, suite);
	const string = String.raw`('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|\x60[^\x60]*\x60)`;
	const call = new RegExp(String.raw`defineCase(?:<[^>]*>)?\(\s*${string},\s*${string},`, 'g');
	return fs
		.readdirSync(dir)
		.filter((name) => name.endsWith('.ts'))
		.sort()
		.flatMap((name) =>
			[...fs.readFileSync(path.join(dir, name), 'utf8').matchAll(call)].map((match) => ({
				name: literal(match[1]),
				title: literal(match[2]),
				file: relative(path.join(dir, name)),
			})),
		);
}

/** The editor suite's steps: each runs as case NN. `walk` only builds them, it runs nothing. */
function uiSteps(): Case[] {
	const steps = walk({ editor: {} } as unknown as WalkContext);
	return steps.map((step, index) => ({
		name: String(index + 1).padStart(2, '0'),
		title: step.name,
		file: 'test/ui/steps.ts',
	}));
}

function suitesSection(): string[] {
	const lines: string[] = [];
	for (const suite of SUITES) {
		const cases = suite.name === 'ui' ? uiSteps() : definedCases(suite.name);
		if (cases.length === 0) throw new Error(`no cases found in test/${suite.name}`);
		lines.push('', `### ${suite.name} (${suite.what}): ${plural(cases.length, 'case')}`, '');
		for (const { name, title, file } of cases)
			lines.push(`- ${text(name)}: ${text(title)} — \`${file}\``);
	}
	return lines;
}

async function inventory(resultsFile: string | undefined): Promise<string> {
	return [
		START,
		'',
		"<!-- Generated by `npm run inventory` (scripts/test-inventory.ts) from jest's listing and the suites' case definitions; CI fails when it is stale. Edit the tests, not this. -->",
		'',
		...jestSection(await listTests(resultsFile)),
		'',
		'### The suites in real n8n',
		'',
		'Listed from their definitions: the `defineCase` calls in `test/e2e/` and `test/queue/`, the steps of `test/ui/steps.ts`.',
		...suitesSection(),
		'',
		END,
	].join('\n');
}

async function main(): Promise<void> {
	const args = process.argv.slice(2);
	const check = args.includes('--check');
	const at = args.indexOf('--results');
	const resultsFile = at >= 0 ? path.resolve(args[at + 1] ?? '') : undefined;

	const readme = fs.readFileSync(README, 'utf8');
	const start = readme.indexOf(START);
	const end = readme.indexOf(END);
	if (start < 0 || end < start) throw new Error(`${relative(README)} has no ${START} … ${END}`);
	const options = { ...(await prettier.resolveConfig(README)), filepath: README };
	const wanted = await prettier.format(
		readme.slice(0, start) + (await inventory(resultsFile)) + readme.slice(end + END.length),
		options,
	);

	if (readme === wanted) {
		console.log(`${relative(README)}: the inventory matches jest's listing`);
	} else if (check) {
		console.error(
			`${relative(README)}: the inventory differs from jest's listing; run \`npm run inventory\` and commit the result`,
		);
		process.exitCode = 1;
	} else {
		fs.writeFileSync(README, wanted);
		console.log(`${relative(README)}: inventory written`);
	}
}

main().catch((error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	process.exitCode = 1;
});
