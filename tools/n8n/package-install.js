'use strict';

/*
 * Packs this package and installs the tarball into an n8n user folder the
 * way n8n's community-nodes screen does: an npm install into
 * <N8N_USER_FOLDER>/.n8n/nodes, a folder with its own package.json, with
 * n8n's own npm flags (n8n 2.8.4 `community-packages.service`:
 * --bin-links=false --install-strategy=shallow --ignore-scripts=true
 * --package-lock=false). The peer dependency n8n-workflow is not installed
 * (n8n strips peer deps too): n8n provides it at runtime.
 *
 * Used by run.js (the e2e suite) and scripts/dev.js.
 */

const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');

const REPO = path.resolve(__dirname, '..', '..');
const PKG = require(path.join(REPO, 'package.json'));

function exec(cmd, args, opts = {}) {
	return new Promise((resolve) => {
		const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d) => (stdout += d));
		child.stderr.on('data', (d) => (stderr += d));
		child.on('error', (e) => (stderr += String(e)));
		child.on('close', (code) => resolve({ code, stdout, stderr }));
	});
}

function readJson(file) {
	return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** `npm pack` of the built package into destDir; returns { tgz, size, files }. */
async function packPackage(destDir) {
	const main = path.join(REPO, 'dist', 'nodes', 'CometVideo', 'CometVideo.node.js');
	if (!fs.existsSync(main))
		throw new Error('dist/ is missing: run `npm run build` (or `npm run test:e2e`)');
	const r = await exec('npm', ['pack', '--json', '--pack-destination', destDir], { cwd: REPO });
	if (r.code !== 0) throw new Error(`npm pack failed:\n${r.stderr}`);
	const info = JSON.parse(r.stdout.slice(r.stdout.indexOf('[')));
	const tgz = path.join(destDir, info[0].filename);
	if (!fs.existsSync(tgz)) throw new Error(`npm pack did not produce ${tgz}`);
	const files = info[0].files.map((f) => f.path);
	for (const want of [...PKG.n8n.nodes, ...PKG.n8n.credentials]) {
		if (!files.includes(want)) throw new Error(`packed tarball lacks ${want}`);
	}
	return { tgz, size: info[0].size, files: files.length };
}

function npmCliFor(nodeBin) {
	return [
		path.join(path.dirname(nodeBin), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
		path.join(
			path.dirname(process.execPath),
			'..',
			'lib',
			'node_modules',
			'npm',
			'bin',
			'npm-cli.js',
		),
		'/usr/lib/node_modules/npm/bin/npm-cli.js',
	].find((p) => fs.existsSync(p));
}

/**
 * Installs the tarball into <userFolder>/.n8n/nodes (replacing an earlier
 * install of this package). `install` is an ensureN8n() result: npm runs
 * under that install's Node. Returns the package directory.
 */
async function installPackage(install, userFolder, tgz) {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	fs.mkdirSync(nodesDir, { recursive: true });
	const manifest = path.join(nodesDir, 'package.json');
	if (!fs.existsSync(manifest)) {
		fs.writeFileSync(
			manifest,
			`${JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2)}\n`,
		);
	}
	const pkgDir = path.join(nodesDir, 'node_modules', PKG.name);
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
	const npmCli = npmCliFor(install.nodeBin);
	const r = npmCli
		? await exec(install.nodeBin, [npmCli, ...args], { cwd: nodesDir, env })
		: await exec('npm', args, { cwd: nodesDir, env });
	if (r.code !== 0) throw new Error(`npm install of ${tgz} failed:\n${r.stdout}\n${r.stderr}`);
	const installed = readJson(path.join(pkgDir, 'package.json'));
	if (installed.version !== PKG.version)
		throw new Error(`installed version ${installed.version} != ${PKG.version}`);
	if (fs.existsSync(path.join(nodesDir, 'node_modules', 'n8n-workflow'))) {
		throw new Error('npm installed the n8n-workflow peer into the nodes folder');
	}
	const deps = readJson(manifest).dependencies || {};
	if (!deps[PKG.name])
		throw new Error(`nodes/package.json does not list ${PKG.name}: ${JSON.stringify(deps)}`);
	return pkgDir;
}

module.exports = { packPackage, installPackage, PKG, REPO };
