/*
 * Packs this package and installs the tarball into an n8n user folder the
 * way n8n's community-nodes screen does: an npm install into
 * <N8N_USER_FOLDER>/.n8n/nodes, a folder with its own package.json, with
 * n8n's own npm flags (n8n 2.8.4 `community-packages.service`:
 * --bin-links=false --install-strategy=shallow --ignore-scripts=true
 * --package-lock=false). The peer dependency n8n-workflow is not installed
 * (n8n strips peer deps too): n8n provides it at runtime.
 *
 * Used by test/e2e/run.ts (the e2e suite) and scripts/dev.ts.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';

import { PKG, REPO_ROOT, type PackageManifest } from '../constants';
import { readJson } from '../files';
import { runProcess } from '../process';
import { npmCliPath, type N8nInstall } from './install-n8n';

/** `npm pack` of the package in packageDir into destDir; returns { tgz, size, files }. */
export async function packDirectory(
	packageDir: string,
	destDir: string,
): Promise<{ tgz: string; size: number; files: number }> {
	const manifest = readJson<PackageManifest>(path.join(packageDir, 'package.json'));
	const r = await runProcess('npm', ['pack', '--json', '--pack-destination', destDir], {
		cwd: packageDir,
	});
	if (r.code !== 0) throw new Error(`npm pack failed:\n${r.stderr}`);
	const info = JSON.parse(r.stdout.slice(r.stdout.indexOf('['))) as {
		filename: string;
		size: number;
		files: { path: string }[];
	}[];
	const tgz = path.join(destDir, info[0].filename);
	if (!fs.existsSync(tgz)) throw new Error(`npm pack did not produce ${tgz}`);
	const files = info[0].files.map((f) => f.path);
	for (const want of [...manifest.n8n.nodes, ...(manifest.n8n.credentials ?? [])]) {
		if (!files.includes(want)) throw new Error(`packed tarball lacks ${want}`);
	}
	return { tgz, size: info[0].size, files: files.length };
}

/** `npm pack` of this repository's built package into destDir. */
export async function packPackage(
	destDir: string,
): Promise<{ tgz: string; size: number; files: number }> {
	const main = path.join(REPO_ROOT, 'dist', 'nodes', 'CometVideo', 'CometVideo.node.js');
	if (!fs.existsSync(main))
		throw new Error('dist/ is missing: run `npm run build` (or `npm run test:e2e`)');
	return await packDirectory(REPO_ROOT, destDir);
}

/**
 * Installs the tarball of package `pkg` (this repository's unless
 * told) into <userFolder>/.n8n/nodes, replacing an earlier install of it.
 * `install` is an ensureN8n() result: npm runs under that install's Node.
 * Returns the package directory.
 */
export async function installPackage(
	install: N8nInstall,
	userFolder: string,
	tgz: string,
	pkg: Pick<PackageManifest, 'name' | 'version'> = PKG,
): Promise<string> {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	fs.mkdirSync(nodesDir, { recursive: true });
	const manifest = path.join(nodesDir, 'package.json');
	if (!fs.existsSync(manifest)) {
		fs.writeFileSync(
			manifest,
			`${JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2)}\n`,
		);
	}
	const pkgDir = path.join(nodesDir, 'node_modules', pkg.name);
	fs.rmSync(pkgDir, { recursive: true, force: true });
	const args = [
		'install',
		tgz,
		'--audit=false',
		'--fund=false',
		'--bin-links=false',
		'--install-strategy=shallow',
		'--ignore-scripts=true',
		'--package-lock=false',
		'--legacy-peer-deps',
		'--loglevel=warn',
	];
	const env = {
		...process.env,
		PATH: `${path.dirname(install.nodeBin)}${path.delimiter}${process.env.PATH}`,
	};
	const r = await runProcess(install.nodeBin, [npmCliPath(install.nodeBin), ...args], {
		cwd: nodesDir,
		env,
	});
	if (r.code !== 0) throw new Error(`npm install of ${tgz} failed:\n${r.stdout}\n${r.stderr}`);
	const installed = readJson<PackageManifest>(path.join(pkgDir, 'package.json'));
	if (installed.version !== pkg.version)
		throw new Error(`installed version ${installed.version} != ${pkg.version}`);
	if (fs.existsSync(path.join(nodesDir, 'node_modules', 'n8n-workflow'))) {
		throw new Error('npm installed the n8n-workflow peer into the nodes folder');
	}
	const deps = readJson<{ dependencies?: Record<string, string> }>(manifest).dependencies || {};
	if (!deps[pkg.name])
		throw new Error(`nodes/package.json does not list ${pkg.name}: ${JSON.stringify(deps)}`);
	return pkgDir;
}
