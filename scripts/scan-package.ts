/*
 * n8n's community-package scanner, run here: `npm run scan` (builds first).
 *
 * n8n verifies a community package with @n8n/scan-community-package: a provenance check, then
 * its ESLint rule set over (1) the source checkout the provenance names (package.json, nodes/,
 * credentials/) and (2) the published tarball (compiled .js and package.json). Its CLI fetches
 * both from the npm registry and GitHub, which this machine cannot reach, so this script gives
 * the scanner's own analyzePackage() the working tree and the `npm pack` output instead, with
 * the file patterns the CLI uses for each. Every finding is printed (paths relative to the
 * repository or the tarball); the exit code is 1 when either check fails.
 */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { AnalysisResult } from '@n8n/scan-community-package/scanner/scanner.mjs';

import { REPO_ROOT as REPO } from '../tools/constants';
import { packPackage } from '../tools/n8n/package-install';
import { mustRun, seconds } from '../tools/process';

/** What the CLI lints in the downloaded tarball (scanner.mjs, analyzePackageByName). */
const TARBALL_FILE_PATTERNS = ['**/*.js', 'package.json'];

function say(line: string): void {
	process.stdout.write(`[scan] ${line}\n`);
}

/** `npm pack` of the built package, unpacked the way the scanner unpacks a download. */
async function packAndUnpack(workDir: string): Promise<string> {
	const { tgz, files } = await packPackage(workDir);
	const unpacked = path.join(workDir, 'package');
	fs.mkdirSync(unpacked);
	await mustRun('tar', ['-xzf', tgz, '-C', unpacked, '--strip-components=1']);
	say(`tarball: ${path.basename(tgz)}, ${files} files`);
	return unpacked;
}

async function check(
	name: string,
	analysis: Promise<AnalysisResult>,
	scannedDir: string,
	shownAs: string,
): Promise<boolean> {
	const started = Date.now();
	const result = await analysis;
	// analyzePackage passes with a message only when no file matched: then nothing was checked.
	const passed = result.passed && result.message === undefined;
	if (result.details) {
		process.stdout.write(`${result.details.split(`${scannedDir}${path.sep}`).join(shownAs)}\n`);
	}
	say(
		`${name} check: ${passed ? 'passed, 0 findings' : `FAILED (${result.message ?? 'no reason given'})`} in ${seconds(Date.now() - started)}`,
	);
	return passed;
}

async function main(): Promise<void> {
	const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-package-'));
	// The scanner makes a temporary folder when it loads and never removes it: keep it in ours.
	process.env.TMPDIR = workDir;
	try {
		const { analyzePackage, SOURCE_FILE_PATTERNS } =
			await import('@n8n/scan-community-package/scanner/scanner.mjs');
		say(`source check: ${SOURCE_FILE_PATTERNS.join(', ')} in ${REPO}`);
		const results = [await check('source', analyzePackage(REPO, SOURCE_FILE_PATTERNS), REPO, '')];
		const unpacked = await packAndUnpack(workDir);
		say(`tarball check: ${TARBALL_FILE_PATTERNS.join(', ')} in the unpacked tarball`);
		results.push(
			await check('tarball', analyzePackage(unpacked, TARBALL_FILE_PATTERNS), unpacked, 'package/'),
		);
		const failed = results.filter((passed) => !passed).length;
		say(failed === 0 ? 'all checks passed' : `${failed} check(s) failed`);
		process.exitCode = failed === 0 ? 0 : 1;
	} finally {
		fs.rmSync(workDir, { recursive: true, force: true });
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`[scan] ${error instanceof Error ? error.stack : String(error)}\n`);
	process.exit(1);
});
