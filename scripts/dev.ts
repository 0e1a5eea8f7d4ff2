/*
 * `npm run dev`: a real n8n editor with this package installed, next to the
 * CometAPI simulator, for trying the node by hand.
 *
 *   npm run dev                 build, then run until Ctrl-C; edits reload in the running n8n
 *   npm run dev -- --check      build, start, verify, stop (used to test this script)
 *   npm run dev -- --check-reload
 *                               build, start in a temporary user folder on free ports, edit the
 *                               node's description, time until the running n8n serves it, restore
 *
 * - n8n 2.8.4 on Node 20, installed on first use into .cache/n8n/2.8.4
 *   (about 3 minutes once; see tools/n8n/install-n8n.ts).
 * - User folder .cache/dev-user/ (database, credentials, workflows and the
 *   installed package survive restarts). The freshly built package is packed
 *   and reinstalled into .cache/dev-user/.n8n/nodes on every start.
 * - On first start a credential "CometAPI" pointing at the simulator is
 *   created and the workflows of examples/ are imported (they use that
 *   credential by name).
 * - n8n runs with its hot reload on (N8N_DEV_RELOAD, development mode) and
 *   `tsc --watch` feeds each successful compile into the installed package
 *   (scripts/dev-reload.ts): a saved edit shows in the editor without a
 *   restart. A change to package.json still needs one.
 *
 * Env: DEV_PORT (n8n, default 5678), DEV_SIM_PORT (simulator, default 5690),
 * DEV_JOB_MS (simulated job duration, default 20000), DEV_N8N_VERSION,
 * DEV_NODE (Node major for that version).
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { readJson } from '../tools/files';
import {
	ensureN8n,
	runN8n,
	startN8n,
	type N8nInstall,
	type RunningN8n,
} from '../tools/n8n/install-n8n';
import { NODE_TYPE, PKG, REPO_ROOT as REPO, TOOL_TYPE } from '../tools/constants';
import { installPackage, packPackage } from '../tools/n8n/package-install';
import { tail } from '../tools/process';
import { simulatorCredential } from '../tools/simulator-access';
import { startSimulator, type Simulator } from '../tools/simulator';
import { createOwnerSession, measureReload, startHotReload, type HotReload } from './dev-reload';

const CHECK = process.argv.includes('--check');
const CHECK_RELOAD = process.argv.includes('--check-reload');
// The reload check creates n8n's owner account through the API, so it needs an n8n of its own.
const USER_FOLDER = CHECK_RELOAD
	? fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-dev-reload-check-'))
	: path.join(REPO, '.cache', 'dev-user');
const SETUP_MARKER = path.join(USER_FOLDER, '.dev-setup.json');
const CRED_ID = 'devCredComet0001';
// 0: any free port.
const N8N_PORT = CHECK_RELOAD ? 0 : Number(process.env.DEV_PORT || 5678);
const SIM_PORT = CHECK_RELOAD ? 0 : Number(process.env.DEV_SIM_PORT || 5690);
/** The source of the description string the reload check edits. */
const NODE_SOURCE = path.join(REPO, 'nodes', 'CometVideo', 'CometVideo.node.ts');

function say(msg: string): void {
	process.stdout.write(`[dev] ${msg}\n`);
}

function secs(ms: number): string {
	return `${(ms / 1000).toFixed(1)} s`;
}

async function must(
	install: N8nInstall,
	what: string,
	args: string[],
	env: Record<string, string>,
): Promise<void> {
	const r = await runN8n(install, args, { userFolder: USER_FOLDER, env, timeoutMs: 180000 });
	if (r.code !== 0)
		throw new Error(`n8n ${what} failed (exit ${r.code}):\n${tail(r.stdout + r.stderr, 30)}`);
}

/* Credential for the simulator and the examples, once (later edits by the user are kept). */
async function firstSetup(
	install: N8nInstall,
	sim: Simulator,
	env: Record<string, string>,
): Promise<string[] | false> {
	if (fs.existsSync(SETUP_MARKER)) return false;
	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-dev-'));
	try {
		const credFile = path.join(tmp, 'cred.json');
		fs.writeFileSync(credFile, JSON.stringify([simulatorCredential(CRED_ID, sim)]));
		await must(install, 'import:credentials', ['import:credentials', `--input=${credFile}`], env);
		const examplesDir = path.join(REPO, 'examples');
		const files = fs.existsSync(examplesDir)
			? fs
					.readdirSync(examplesDir)
					.filter((f) => f.endsWith('.json'))
					.sort()
			: [];
		if (files.length) {
			const wfFile = path.join(tmp, 'examples.json');
			fs.writeFileSync(
				wfFile,
				JSON.stringify(files.map((f) => readJson(path.join(examplesDir, f)))),
			);
			await must(install, 'import:workflow', ['import:workflow', `--input=${wfFile}`], env);
		}
		fs.writeFileSync(
			SETUP_MARKER,
			`${JSON.stringify({ at: new Date().toISOString(), credentialId: CRED_ID, simulator: sim.url, examples: files }, null, 2)}\n`,
		);
		return files;
	} finally {
		fs.rmSync(tmp, { recursive: true, force: true });
	}
}

async function main(): Promise<void> {
	const t0 = Date.now();
	const version = process.env.DEV_N8N_VERSION || '2.8.4';
	const node = Number(process.env.DEV_NODE || (version === '2.8.4' ? 20 : 24));
	say(
		`n8n ${version} on Node ${node} (first use installs it into .cache/n8n/${version}, about 3 minutes)`,
	);
	const install = await ensureN8n({ version, node });

	fs.mkdirSync(USER_FOLDER, { recursive: true });
	const filesDir = path.join(USER_FOLDER, 'files');
	fs.mkdirSync(filesDir, { recursive: true });
	const packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-dev-pack-'));
	let installedDir: string;
	try {
		const { tgz } = await packPackage(packDir);
		installedDir = await installPackage(install, USER_FOLDER, tgz);
		say(`installed ${PKG.name}@${PKG.version} into ${path.relative(REPO, installedDir)}`);
	} finally {
		fs.rmSync(packDir, { recursive: true, force: true });
	}
	// Its first compile runs while n8n starts.
	const reload: HotReload = startHotReload(installedDir, say);

	let sim: Simulator;
	try {
		sim = await startSimulator({
			port: SIM_PORT,
			jobDurationMs: Number(process.env.DEV_JOB_MS || 20000),
			quiet: false,
		});
	} catch (e) {
		await reload.stop();
		const error = e as NodeJS.ErrnoException;
		throw new Error(
			`cannot start the simulator on 127.0.0.1:${SIM_PORT} (${error.code || error.message}); set DEV_SIM_PORT`,
		);
	}

	const env = {
		N8N_COMMUNITY_PACKAGES_ALLOW_TOOL_USAGE: 'true',
		N8N_RESTRICT_FILE_ACCESS_TO: filesDir,
		N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem',
		// n8n watches its node packages only in development mode with this switch on.
		NODE_ENV: 'development',
		N8N_DEV_RELOAD: 'true',
	};
	const imported = await firstSetup(install, sim, env);
	if (imported)
		say(
			`first start: created credential "CometAPI" (simulator) and imported ${imported.length} example workflow(s)`,
		);

	let n8n: RunningN8n;
	try {
		n8n = await startN8n(install, {
			userFolder: USER_FOLDER,
			port: N8N_PORT,
			env: N8N_PORT ? { ...env, WEBHOOK_URL: `http://localhost:${N8N_PORT}/` } : env,
		});
	} catch (e) {
		await reload.stop();
		await sim.close();
		throw e;
	}
	// startN8n buffers n8n's output; show it as it comes.
	let shown = 0;
	const pump = setInterval(() => {
		const logs = n8n.logs();
		if (logs.length > shown) {
			process.stdout.write(logs.slice(shown));
			shown = logs.length;
		}
	}, 500);
	pump.unref();

	const editor = `http://localhost:${n8n.port}`;
	say('');
	say(`n8n ${install.version} editor:  ${editor}   (ready in ${secs(Date.now() - t0)})`);
	say(
		`  user folder: ${path.relative(REPO, USER_FOLDER)}  (first visit asks you to create the owner account)`,
	);
	say(`  node: "Comet Video" (${NODE_TYPE}), also usable as an AI Agent tool`);
	say(`CometAPI simulator: ${sim.url}`);
	say(`  credential "CometAPI": API Key = ${sim.apiKey}   Base URL = ${sim.url}`);
	say(
		`  (already created on first start; jobs take ${secs(Number(process.env.DEV_JOB_MS || 20000))}; prompt markers: [fail] [error] [unknown] [never])`,
	);
	say(
		'  The real API works too: make a credential with your CometAPI key and Base URL https://api.cometapi.com',
	);
	say(`Read/Write Files from Disk may use ${path.relative(REPO, filesDir)}/`);
	say(
		'Edit nodes/ or credentials/: tsc rebuilds on save and n8n reloads the node (the editor shows it without a restart).',
	);
	say('Ctrl-C to stop.');

	const stop = async (why: string): Promise<void> => {
		clearInterval(pump);
		say(`stopping (${why})`);
		await reload.stop();
		await n8n.stop();
		await sim.close();
	};

	if (CHECK_RELOAD) {
		try {
			await reload.ready;
			const cookie = await createOwnerSession(n8n.url);
			const timing = await measureReload(n8n.url, cookie, NODE_TYPE, NODE_SOURCE);
			say(
				`check-reload: edit-to-reload ${timing.seconds.toFixed(1)} s: ${path.relative(REPO, NODE_SOURCE)} saved, n8n's /types/nodes.json served "${timing.edited}"`,
			);
			say(
				`check-reload: source restored, served again after ${timing.restoredSeconds.toFixed(1)} s`,
			);
		} finally {
			await stop('--check-reload');
		}
		say('check passed');
		return;
	}

	if (CHECK) {
		// Verify the editor answers and knows the node, then stop.
		const res = await fetch(`${editor}/`);
		const html = await res.text();
		const typesFile = path.join(USER_FOLDER, '.cache', 'n8n', 'public', 'types', 'nodes.json');
		const types = readJson<{ name: string }[]>(typesFile).map((t) => t.name);
		const models = await fetch(`${sim.url}/v1/models`, {
			headers: { authorization: `Bearer ${sim.apiKey}` },
		});
		const ok =
			res.status === 200 &&
			/<html/i.test(html) &&
			types.includes(NODE_TYPE) &&
			types.includes(TOOL_TYPE) &&
			models.status === 200;
		say(
			`check: GET / -> ${res.status}; node types known: ${types.includes(NODE_TYPE)} / tool: ${types.includes(TOOL_TYPE)}; simulator /v1/models -> ${models.status}`,
		);
		await stop('--check');
		say(ok ? 'check passed' : 'check FAILED');
		process.exitCode = ok ? 0 : 1;
		return;
	}

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
	// Keep running; if n8n dies on its own, say so and leave.
	const watch = setInterval(() => {
		try {
			process.kill(n8n.pid, 0);
		} catch {
			clearInterval(watch);
			say('n8n exited');
			sim.close().then(() => process.exit(1));
		}
	}, 2000);
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
