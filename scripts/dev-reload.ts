/*
 * The rebuild-and-reload half of `npm run dev`.
 *
 * n8n (started with N8N_DEV_RELOAD=true, outside production) watches every community package
 * folder it loaded; when a file there changes it drops the package's modules from Node's require
 * cache, loads the package again and rewrites /types/nodes.json, and the editor picks up the new
 * descriptions. n8n's node tooling (`n8n-node dev`) links the repository into n8n's custom
 * extensions folder, where nodes are renamed CUSTOM.<name> (the example workflows would lose
 * their node) and resolve n8n-workflow from this repository's node_modules (a second copy, not
 * n8n's). Here the package stays installed the way n8n installs it, in .n8n/nodes, and each
 * successful compile of `tsc --watch` is copied into that folder: only the files whose bytes
 * changed, each written beside its target and renamed over it, so n8n never loads half a file.
 * Icons and the codex file are copied on change as `gulp build:icons` does.
 *
 * measureReload() is the `--check-reload` measurement: it edits the node's description in the
 * source, polls the running n8n's /types/nodes.json until the new text is served, then puts the
 * source back (and waits for that reload too).
 */

import fs from 'node:fs';
import path from 'node:path';

import { NODE_TYPE, REPO_ROOT as REPO } from '../tools/constants';
import { startProcess } from '../tools/process';

const DIST = path.join(REPO, 'dist');
/** Non-TypeScript files the build copies into dist (gulpfile.js, build:icons). */
const ASSETS: Record<string, RegExp> = {
	nodes: /\.(svg|png|json)$/,
	credentials: /\.(svg|png)$/,
};
const POLL_MS = 100;
const RELOAD_TIMEOUT_MS = 120_000;
/** The source of the description string the reload check edits. */
export const NODE_SOURCE = path.join(REPO, 'nodes', 'CometVideo', 'CometVideo.node.ts');

export interface HotReload {
	/** Resolves after tsc's first compile has been copied into the installed package. */
	ready: Promise<void>;
	stop(): Promise<void>;
}

function filesUnder(dir: string): string[] {
	if (!fs.existsSync(dir)) return [];
	return fs
		.readdirSync(dir, { recursive: true, withFileTypes: true })
		.filter((entry) => entry.isFile())
		.map((entry) => path.join(entry.parentPath, entry.name));
}

/** Copies the files of dist/ whose bytes differ into the installed package; returns their count. */
function syncDist(packageDir: string): number {
	let copied = 0;
	for (const source of filesUnder(DIST)) {
		const target = path.join(packageDir, 'dist', path.relative(DIST, source));
		const bytes = fs.readFileSync(source);
		if (fs.existsSync(target) && bytes.equals(fs.readFileSync(target))) continue;
		fs.mkdirSync(path.dirname(target), { recursive: true });
		const partial = `${target}.${process.pid}.partial`;
		fs.writeFileSync(partial, bytes);
		fs.renameSync(partial, target);
		copied += 1;
	}
	return copied;
}

/**
 * Starts `tsc --watch` and the asset watchers; every successful compile and every changed icon
 * lands in packageDir (the package as installed in n8n's .n8n/nodes).
 */
export function startHotReload(packageDir: string, say: (line: string) => void): HotReload {
	let changeSeenAt = Date.now();
	let markReady: () => void = () => undefined;
	const ready = new Promise<void>((resolve) => (markReady = resolve));
	let pending = '';
	const onStdout = (text: string) => {
		pending += text;
		const lines = pending.split('\n');
		pending = lines.pop() ?? '';
		for (const line of lines) {
			if (/File change detected/.test(line)) changeSeenAt = Date.now();
			const found = /Found (\d+) errors?\. Watching for file changes/.exec(line);
			if (!found) {
				if (/error TS\d+/.test(line)) say(`tsc: ${line.trim()}`);
				continue;
			}
			if (found[1] !== '0') {
				say(`tsc: ${found[1]} error(s); n8n keeps the last good build`);
				continue;
			}
			const copied = syncDist(packageDir);
			const took = ((Date.now() - changeSeenAt) / 1000).toFixed(1);
			say(
				copied === 0
					? `compiled in ${took} s; the package n8n runs is up to date`
					: `compiled in ${took} s; ${copied} changed file(s) copied into n8n, which reloads them`,
			);
			markReady();
		}
	};
	const tsc = startProcess(
		process.execPath,
		[require.resolve('typescript/bin/tsc'), '--watch', '--preserveWatchOutput', '-p', REPO],
		{
			cwd: REPO,
			onOutput: (text, stream) =>
				stream === 'stdout' ? onStdout(text) : say(`tsc: ${text.trim()}`),
		},
	);

	const watchers = Object.entries(ASSETS).map(([folder, pattern]) =>
		fs.watch(path.join(REPO, folder), { recursive: true }, (_event, name) => {
			if (!name || !pattern.test(name)) return;
			const source = path.join(REPO, folder, name);
			if (!fs.existsSync(source)) return;
			const built = path.join(DIST, folder, name);
			fs.mkdirSync(path.dirname(built), { recursive: true });
			fs.copyFileSync(source, built);
			say(`${folder}/${name} changed; ${syncDist(packageDir)} file(s) copied into n8n`);
		}),
	);

	const stop = async () => {
		for (const watcher of watchers) watcher.close();
		await tsc.stop();
	};
	return { ready, stop };
}

/** Logs into a running n8n as a fresh owner (an empty user folder); returns the session cookie. */
async function createOwnerSession(n8nUrl: string): Promise<string> {
	const response = await fetch(`${n8nUrl}/rest/owner/setup`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({
			email: 'reload-check@example.com',
			firstName: 'Reload',
			lastName: 'Check',
			password: `Reload-${Date.now()}`,
		}),
	});
	const cookie = response.headers.get('set-cookie')?.split(';')[0];
	if (!response.ok || !cookie)
		throw new Error(`n8n owner setup answered ${response.status}: ${await response.text()}`);
	return cookie;
}

/** The node's description as the running n8n serves it, or undefined while n8n rewrites the file. */
async function servedDescription(n8nUrl: string, cookie: string): Promise<string | undefined> {
	const response = await fetch(`${n8nUrl}/types/nodes.json`, { headers: { cookie } });
	const text = await response.text();
	if (!response.ok) throw new Error(`GET /types/nodes.json answered ${response.status}`);
	try {
		const types = JSON.parse(text) as Array<{ name: string; description: string }>;
		return types.find((type) => type.name === NODE_TYPE)?.description;
	} catch {
		return undefined;
	}
}

/** Seconds until n8n serves `wanted` as the node's description. */
async function waitForDescription(n8nUrl: string, cookie: string, wanted: string): Promise<number> {
	const started = Date.now();
	for (;;) {
		const description = await servedDescription(n8nUrl, cookie);
		if (description === wanted) return (Date.now() - started) / 1000;
		if (Date.now() - started > RELOAD_TIMEOUT_MS)
			throw new Error(`n8n still serves "${description}" after ${RELOAD_TIMEOUT_MS / 1000} s`);
		await new Promise((resolve) => setTimeout(resolve, POLL_MS));
	}
}

/**
 * Logs into a fresh n8n as its owner, edits the node's description in NODE_SOURCE, returns how
 * long the running n8n took to serve the edit, and restores the file whatever happens.
 */
export async function measureReload(
	n8nUrl: string,
): Promise<{ edited: string; seconds: number; restoredSeconds: number }> {
	const cookie = await createOwnerSession(n8nUrl);
	const original = await servedDescription(n8nUrl, cookie);
	if (!original) throw new Error(`n8n does not serve ${NODE_TYPE} in /types/nodes.json`);
	const source = fs.readFileSync(NODE_SOURCE, 'utf8');
	const literal = `'${original}'`;
	if (source.split(literal).length !== 2)
		throw new Error(`${path.relative(REPO, NODE_SOURCE)} does not hold ${literal} exactly once`);
	const edited = `${original} (edited ${new Date().toISOString()})`;
	let seconds: number;
	try {
		fs.writeFileSync(NODE_SOURCE, source.replace(literal, `'${edited}'`));
		seconds = await waitForDescription(n8nUrl, cookie, edited);
	} finally {
		fs.writeFileSync(NODE_SOURCE, source);
	}
	return { edited, seconds, restoredSeconds: await waitForDescription(n8nUrl, cookie, original) };
}
