/*
 * `npm run dev`: a real n8n editor with this package installed, next to the
 * CometAPI simulator, for trying the node by hand (details: tools/n8n/README.md).
 *
 *   npm run dev                 build, then run until Ctrl-C; edits reload in the running n8n
 *   npm run dev -- --check      build, start, verify, stop (used to test this script)
 *   npm run dev -- --check-reload
 *                               build, start in a temporary user folder on free ports, edit the
 *                               node's description, time until the running n8n serves it, restore
 *
 * The user folder .cache/dev-user/ keeps n8n's database across runs; the fresh build is
 * reinstalled into it on every start, and the first start imports the simulator's credential
 * and the examples/ workflows. Hot reload: scripts/dev-reload.ts.
 *
 * Env: DEV_PORT (n8n, default 5678), DEV_SIM_PORT (simulator, default 5690),
 * DEV_JOB_MS (simulated job duration, default 20000), DEV_N8N_VERSION (default 2.8.4),
 * DEV_NODE (Node major for that version).
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { NODE_TYPE, PKG, REPO_ROOT as REPO, TOOL_TYPE } from '../tools/constants';
import { readJson } from '../tools/files';
import {
	ensureN8n,
	importIntoN8n,
	startN8n,
	type N8nInstall,
	type RunningN8n,
} from '../tools/n8n/install-n8n';
import { installPackage, packPackage } from '../tools/n8n/package-install';
import { seconds } from '../tools/process';
import { startSimulator, type Simulator } from '../tools/simulator';
import { simulatorCredential } from '../tools/simulator-access';
import { measureReload, NODE_SOURCE, startHotReload, type HotReload } from './dev-reload';

const CHECK = process.argv.includes('--check');
const CHECK_RELOAD = process.argv.includes('--check-reload');
// The reload check creates n8n's owner account through the API, so it needs an n8n of its own.
const USER_FOLDER = CHECK_RELOAD
	? fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-dev-reload-check-'))
	: path.join(REPO, '.cache', 'dev-user');
const FILES_DIR = path.join(USER_FOLDER, 'files');
const SETUP_MARKER = path.join(USER_FOLDER, '.dev-setup.json');
const EXAMPLES_DIR = path.join(REPO, 'examples');
const CRED_ID = 'devCredComet0001';
// 0: any free port.
const N8N_PORT = CHECK_RELOAD ? 0 : Number(process.env.DEV_PORT || 5678);
const SIM_PORT = CHECK_RELOAD ? 0 : Number(process.env.DEV_SIM_PORT || 5690);
const JOB_MS = Number(process.env.DEV_JOB_MS || 20000);
const N8N_ENV = {
	N8N_COMMUNITY_PACKAGES_ALLOW_TOOL_USAGE: 'true',
	N8N_RESTRICT_FILE_ACCESS_TO: FILES_DIR,
	N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem',
	// n8n watches its node packages only in development mode with this switch on.
	NODE_ENV: 'development',
	N8N_DEV_RELOAD: 'true',
};

function say(msg: string): void {
	process.stdout.write(`[dev] ${msg}\n`);
}

const IMPORT_OPTIONS = { userFolder: USER_FOLDER, env: N8N_ENV, timeoutMs: 180000 };

/* Credential for the simulator and the examples, once (later edits by the user are kept). */
async function firstSetup(install: N8nInstall, sim: Simulator): Promise<void> {
	if (fs.existsSync(SETUP_MARKER)) return;
	const examples = fs
		.readdirSync(EXAMPLES_DIR)
		.filter((f) => f.endsWith('.json'))
		.sort();
	await importIntoN8n(
		install,
		'import:credentials',
		[simulatorCredential(CRED_ID, sim)],
		IMPORT_OPTIONS,
	);
	await importIntoN8n(
		install,
		'import:workflow',
		examples.map((f) => readJson(path.join(EXAMPLES_DIR, f))),
		IMPORT_OPTIONS,
	);
	const marker = {
		at: new Date().toISOString(),
		credentialId: CRED_ID,
		simulator: sim.url,
		examples,
	};
	fs.writeFileSync(SETUP_MARKER, `${JSON.stringify(marker, null, 2)}\n`);
	say(
		`first start: created credential "CometAPI" (simulator) and imported ${examples.length} example workflow(s)`,
	);
}

/** Packs the fresh build and installs it where n8n's community-nodes screen would; returns its folder. */
async function installBuiltPackage(install: N8nInstall): Promise<string> {
	const packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-dev-pack-'));
	try {
		const { tgz } = await packPackage(packDir);
		const installedDir = await installPackage(install, USER_FOLDER, tgz);
		say(`installed ${PKG.name}@${PKG.version} into ${path.relative(REPO, installedDir)}`);
		return installedDir;
	} finally {
		fs.rmSync(packDir, { recursive: true, force: true });
	}
}

async function startDevSimulator(): Promise<Simulator> {
	try {
		return await startSimulator({ port: SIM_PORT, jobDurationMs: JOB_MS, quiet: false });
	} catch (e) {
		const error = e as NodeJS.ErrnoException;
		throw new Error(
			`cannot start the simulator on 127.0.0.1:${SIM_PORT} (${error.code || error.message}); set DEV_SIM_PORT`,
		);
	}
}

/** startN8n buffers n8n's output; this shows it as it comes. */
function streamLogs(n8n: RunningN8n): NodeJS.Timeout {
	let shown = 0;
	const pump = setInterval(() => {
		const logs = n8n.logs();
		process.stdout.write(logs.slice(shown));
		shown = logs.length;
	}, 500);
	return pump.unref();
}

function printBanner(n8n: RunningN8n, version: string, sim: Simulator, readyMs: number): void {
	const lines = [
		'',
		`n8n ${version} editor:  http://localhost:${n8n.port}   (ready in ${seconds(readyMs)})`,
		`  user folder: ${path.relative(REPO, USER_FOLDER)}  (first visit asks you to create the owner account)`,
		`  node: "Comet Video" (${NODE_TYPE}), also usable as an AI Agent tool`,
		`CometAPI simulator: ${sim.url}`,
		`  credential "CometAPI": API Key = ${sim.apiKey}   Base URL = ${sim.url}`,
		`  (already created on first start; jobs take ${seconds(JOB_MS)}; prompt markers: [fail] [error] [unknown] [never])`,
		'  The real API works too: make a credential with your CometAPI key and Base URL https://api.cometapi.com',
		`Read/Write Files from Disk may use ${path.relative(REPO, FILES_DIR)}/`,
		'Edit nodes/ or credentials/: tsc rebuilds on save and n8n reloads the node (the editor shows it without a restart).',
		'Ctrl-C to stop.',
	];
	for (const line of lines) say(line);
}

/** --check: the editor answers, knows the node and its tool variant, and the simulator answers. */
async function checkEditor(n8n: RunningN8n, sim: Simulator): Promise<boolean> {
	const res = await fetch(`http://localhost:${n8n.port}/`);
	const html = await res.text();
	const typesFile = path.join(USER_FOLDER, '.cache', 'n8n', 'public', 'types', 'nodes.json');
	const types = readJson<{ name: string }[]>(typesFile).map((t) => t.name);
	const models = await fetch(`${sim.url}/v1/models`, {
		headers: { authorization: `Bearer ${sim.apiKey}` },
	});
	say(
		`check: GET / -> ${res.status}; node types known: ${types.includes(NODE_TYPE)} / tool: ${types.includes(TOOL_TYPE)}; simulator /v1/models -> ${models.status}`,
	);
	return (
		res.status === 200 &&
		/<html/i.test(html) &&
		types.includes(NODE_TYPE) &&
		types.includes(TOOL_TYPE) &&
		models.status === 200
	);
}

/** --check-reload: times an edit of the node's description until the running n8n serves it. */
async function checkReload(n8n: RunningN8n, reload: HotReload): Promise<void> {
	await reload.ready;
	const timing = await measureReload(n8n.url);
	say(
		`check-reload: edit-to-reload ${timing.seconds.toFixed(1)} s: ${path.relative(REPO, NODE_SOURCE)} saved, n8n's /types/nodes.json served "${timing.edited}"`,
	);
	say(`check-reload: source restored, served again after ${timing.restoredSeconds.toFixed(1)} s`);
}

/** Runs until SIGINT/SIGTERM, or until n8n dies on its own. */
function runUntilStopped(n8n: RunningN8n, stop: (why: string) => Promise<void>): void {
	let stopping = false;
	const onSignal = (sig: NodeJS.Signals): void => {
		if (stopping) return;
		stopping = true;
		stop(sig).then(
			() => process.exit(0),
			() => process.exit(1),
		);
	};
	process.on('SIGINT', onSignal);
	process.on('SIGTERM', onSignal);
	const watch = setInterval(() => {
		try {
			process.kill(n8n.pid, 0);
		} catch {
			clearInterval(watch);
			say('n8n exited');
			stop('n8n exited').then(() => process.exit(1));
		}
	}, 2000);
}

async function main(): Promise<void> {
	const t0 = Date.now();
	const version = process.env.DEV_N8N_VERSION || '2.8.4';
	const node = Number(process.env.DEV_NODE || (version === '2.8.4' ? 20 : 24));
	say(
		`n8n ${version} on Node ${node} (first use installs it into .cache/n8n/${version}, about 3 minutes)`,
	);
	const install = await ensureN8n({ version, node });
	fs.mkdirSync(FILES_DIR, { recursive: true });
	// Its first compile runs while n8n starts.
	const reload = startHotReload(await installBuiltPackage(install), say);
	let sim: Simulator | undefined;
	let n8n: RunningN8n | undefined;
	let pump: NodeJS.Timeout | undefined;
	const stop = async (why: string): Promise<void> => {
		clearInterval(pump);
		say(`stopping (${why})`);
		await reload.stop();
		await n8n?.stop();
		await sim?.close();
	};
	try {
		sim = await startDevSimulator();
		await firstSetup(install, sim);
		const env = N8N_PORT ? { ...N8N_ENV, WEBHOOK_URL: `http://localhost:${N8N_PORT}/` } : N8N_ENV;
		n8n = await startN8n(install, { userFolder: USER_FOLDER, port: N8N_PORT, env });
		pump = streamLogs(n8n);
	} catch (error) {
		await stop('start failed');
		throw error;
	}
	printBanner(n8n, install.version, sim, Date.now() - t0);

	if (CHECK_RELOAD) {
		await checkReload(n8n, reload).finally(() => stop('--check-reload'));
		say('check passed');
	} else if (CHECK) {
		const ok = await checkEditor(n8n, sim);
		await stop('--check');
		say(ok ? 'check passed' : 'check FAILED');
		process.exitCode = ok ? 0 : 1;
	} else runUntilStopped(n8n, stop);
}

/** The reload check's temporary user folder goes, whatever the outcome. */
function removeCheckFolder(): void {
	if (CHECK_RELOAD) fs.rmSync(USER_FOLDER, { recursive: true, force: true });
}

main().then(removeCheckFolder, (e: Error) => {
	process.stderr.write(`[dev] ${e.stack || e}\n`);
	removeCheckFolder();
	process.exit(1);
});
