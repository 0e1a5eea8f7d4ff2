/**
 * `npm run test:ui`: the package in a real n8n 2.8.4 editor, used in headless Chromium the way a
 * person uses it (the walk is in steps.ts): sign up, find the node in the nodes panel, create the
 * credential, set the parameters, run a step and watch the video, read an error, open every
 * operation, find the tool variant among an AI Agent's tools.
 *
 *   npm run test:ui            build, then this script
 *   UI_KEEP=1                  keep the n8n user folder and the browser profile (paths printed)
 *   UI_UPDATE_DOCS=1           also write the README's screenshots into docs/images/
 *
 * n8n comes from the e2e suite's cached install (tools/n8n, N8N_E2E_CACHE_DIR); the packed
 * package is installed into a fresh user folder as n8n's community-nodes screen does; the CometAPI
 * simulator runs in this process. The browser is Debian's chromium (installed with apt-get when
 * /usr/bin/chromium is missing: browser downloads cannot reach this network), driven by
 * puppeteer-core.
 *
 * Each step is a case of tools/suite, named by its number (`npm run test:ui -- --only 09`; the
 * steps before it then run first, unreported, since each builds on the last). It prints PASS,
 * FAIL or SKIP, what it saw, and the screenshots it saved under out/ui/; a failed step also saves
 * the page's console log there. The last line is `N passed, N failed`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import puppeteer, { type Browser } from 'puppeteer-core';

import { ensureN8n, startN8n } from '../../tools/n8n/install-n8n';
import { PKG, REPO_ROOT as REPO } from '../../tools/constants';
import { installPackage, packPackage } from '../../tools/n8n/package-install';
import { mustRun, runProcess, seconds } from '../../tools/process';
import { startSimulator } from '../../tools/simulator';
import { defineCase, runSuite, say, Skip, type Suite } from '../../tools/suite';
import { Editor } from './editor';
import { walk, type DocsShot, type Outcome } from './steps';

const CHROMIUM = '/usr/bin/chromium';
const OUT_DIR = path.join(REPO, 'out', 'ui');
const DOCS_DIR = path.join(REPO, 'docs', 'images');
const STEP_TIMEOUT_MS = 120000;
/** README screenshots are scaled down to keep each PNG at a few tens of kB. */
const DOCS_SCALE = 0.75;

interface ConsoleEntry {
	at: string;
	kind: string;
	text: string;
	url: string;
}

function slug(text: string) {
	return text
		.toLowerCase()
		.replace(/[^a-z0-9.]+/g, '-')
		.replace(/^-|-$/g, '');
}

async function ensureChromium() {
	if (fs.existsSync(CHROMIUM)) return;
	say(`${CHROMIUM} is missing: apt-get install chromium`);
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	const install = async () =>
		(await runProcess('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { env }))
			.code === 0;
	if (!(await install())) {
		await mustRun('apt-get', ['update'], { env });
		if (!(await install())) throw new Error('apt-get could not install chromium');
	}
}

async function launchBrowser(profileDir: string): Promise<Browser> {
	return puppeteer.launch({
		executablePath: CHROMIUM,
		headless: true,
		userDataDir: profileDir,
		defaultViewport: { width: 1440, height: 900 },
		// Without the background-networking switches Chromium's own calls to the outside are
		// refused on this closed network, and its connections to the loopback editor suffer.
		args: [
			'--headless',
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
			'--window-size=1440,900',
		],
	});
}

async function videoModelsOf(simulator: { url: string; apiKey: string }): Promise<string[]> {
	const response = await fetch(`${simulator.url}/v1/models`, {
		headers: { authorization: `Bearer ${simulator.apiKey}` },
	});
	const body = (await response.json()) as { data: Array<{ id: string }> };
	return body.data.map((model) => model.id).filter((id) => /^(sora|veo)/i.test(id));
}

/** The step's outcome, or a failure once `ms` have passed (the timer never outlives the step). */
async function withTimeout(run: Promise<Outcome>, ms: number): Promise<Outcome> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`step timed out after ${seconds(ms)}`)), ms);
	});
	try {
		return await Promise.race([run, timeout]);
	} finally {
		clearTimeout(timer);
	}
}

/** Undo actions for what main() started, run in reverse order however it ends. */
const cleanups: Array<() => Promise<unknown> | void> = [];

async function cleanUp() {
	for (const undo of cleanups.splice(0).reverse()) {
		try {
			await undo();
		} catch {
			// Best effort: the remaining resources still get their turn.
		}
	}
}

/** Starts n8n (this package installed), the simulator and Chromium; returns the page and its console log. */
async function startEditor() {
	fs.rmSync(OUT_DIR, { recursive: true, force: true });
	fs.mkdirSync(OUT_DIR, { recursive: true });
	await ensureChromium();
	const install = await ensureN8n({ version: '2.8.4', node: 20 });
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-ui-'));
	const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-ui-'));
	cleanups.push(() => {
		if (process.env.UI_KEEP === '1')
			say(`kept: n8n user folder ${userFolder}, browser profile ${profileDir}`);
		else
			for (const dir of [userFolder, profileDir]) fs.rmSync(dir, { recursive: true, force: true });
	});
	const packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-ui-pack-'));
	try {
		const { tgz } = await packPackage(packDir);
		await installPackage(install, userFolder, tgz);
	} finally {
		fs.rmSync(packDir, { recursive: true, force: true });
	}
	const simulator = await startSimulator({ jobDurationMs: 1500 });
	cleanups.push(() => simulator.close());
	const n8n = await startN8n(install, {
		userFolder,
		env: {
			N8N_COMMUNITY_PACKAGES_ALLOW_TOOL_USAGE: 'true',
			// The banner service is on the internet; its failed fetch would be a console error.
			N8N_DYNAMIC_BANNERS_ENABLED: 'false',
		},
	});
	cleanups.push(() => n8n.stop());
	say(
		`n8n ${install.version} at ${n8n.url} (ready in ${seconds(n8n.readyMs)}), ${PKG.name}@${PKG.version}, simulator at ${simulator.url}`,
	);
	const browser = await launchBrowser(profileDir);
	cleanups.push(() => browser.close());
	const page = await browser.newPage();
	const consoleLog: ConsoleEntry[] = [];
	const note = (kind: string, text: string, url = '') =>
		consoleLog.push({ at: new Date().toISOString(), kind, text, url });
	page.on('console', (message) => note(message.type(), message.text(), message.location().url));
	page.on('pageerror', (error) =>
		note('pageerror', error instanceof Error ? error.message : String(error)),
	);
	page.on('requestfailed', (request) =>
		note('requestfailed', request.failure()?.errorText ?? 'failed', request.url()),
	);
	/*
	 * The editor asks the npm registry about community packages; from this closed network that
	 * load fails. Such failed loads from other hosts are reported apart, not as the page's errors.
	 */
	const errorsSince = (mark: number) => {
		const errors = consoleLog
			.slice(mark)
			.filter((entry) => entry.kind === 'error' || entry.kind === 'pageerror');
		const isOffline = (entry: ConsoleEntry) =>
			/Failed to load resource/.test(entry.text) &&
			entry.url !== '' &&
			!entry.url.startsWith(n8n.url);
		const describe = (entry: ConsoleEntry) => `${entry.text}${entry.url ? ` (${entry.url})` : ''}`;
		return {
			own: errors.filter((entry) => !isOffline(entry)).map(describe),
			offline: errors.filter(isOffline).map(describe),
		};
	};
	const steps = walk({
		editor: new Editor(page, n8n.url),
		simulator,
		videoModels: await videoModelsOf(simulator),
		consoleMark: () => consoleLog.length,
		errorsSince,
	});
	return { page, consoleLog, steps };
}

type EditorRun = Awaited<ReturnType<typeof startEditor>>;

/** Screenshots for a step under out/ui/ (and, with UI_UPDATE_DOCS=1, the README's copies). */
function shooter(page: EditorRun['page'], base: string, shots: string[]) {
	return async (label: string, docs?: DocsShot) => {
		const file = `${base}--${slug(label)}.png` as const;
		await page.screenshot({ path: file });
		shots.push(path.relative(REPO, file));
		if (!docs || process.env.UI_UPDATE_DOCS !== '1') return;
		const element = await page.waitForSelector(docs.selector, { visible: true });
		const box = await element?.boundingBox();
		if (!box) throw new Error(`${docs.selector} has no box to photograph`);
		fs.mkdirSync(DOCS_DIR, { recursive: true });
		const docsFile = path.join(DOCS_DIR, `${docs.name}.png`) as `${string}.png`;
		const height = Math.min(box.height, docs.maxHeight ?? box.height);
		await page.screenshot({ path: docsFile, clip: { ...box, height, scale: DOCS_SCALE } });
		shots.push(`${path.relative(REPO, docsFile)} (README)`);
	};
}

/** One step as a case: its log lines, screenshots, and on failure the console log, as detail. */
function stepCase(run: EditorRun, index: number) {
	const step = run.steps[index];
	const number = String(index + 1).padStart(2, '0');
	const base = path.join(OUT_DIR, `${number}-${slug(step.name).slice(0, 50)}`);
	return defineCase(number, step.name, async () => {
		const lines: string[] = [];
		const shots: string[] = [];
		const shot = shooter(run.page, base, shots);
		const report = (detail: string) =>
			[...lines, `=> ${detail}`, ...shots.map((file) => `screenshot: ${file}`)].join('\n');
		try {
			const outcome = await withTimeout(
				step.run({ log: (line) => lines.push(line), shot }),
				STEP_TIMEOUT_MS,
			);
			if (!shots.length) await shot('end').catch(() => undefined);
			if (typeof outcome !== 'string') throw new Skip(report(outcome.skipped));
			return report(outcome);
		} catch (error) {
			if (error instanceof Skip) throw error;
			await shot('failed').catch(() => undefined);
			const logFile = `${base}--console.log`;
			const entries = run.consoleLog.map(
				(entry) => `${entry.at} ${entry.kind}: ${entry.text}${entry.url ? ` @ ${entry.url}` : ''}`,
			);
			fs.writeFileSync(logFile, `${entries.join('\n')}\n`);
			const message = error instanceof Error ? error.message : String(error);
			throw new Error(`${report(message)}\nconsole log: ${path.relative(REPO, logFile)}`);
		}
	});
}

async function walkEditor(suite: Suite): Promise<void> {
	const run = await startEditor();
	const cases = run.steps.map((_, index) => stepCase(run, index));
	const [chosen] = suite.only ? suite.select(cases) : [undefined];
	// With --only, the steps before it run first, unreported: each step builds on the last.
	const last = chosen ? cases.indexOf(chosen) : cases.length - 1;
	for (const test of cases.slice(0, last + 1)) {
		if (chosen && test !== chosen) await test.run(undefined).catch(() => undefined);
		else await suite.run('', test, undefined);
	}
}

runSuite('test:ui', async (suite) => {
	try {
		await walkEditor(suite);
	} finally {
		await cleanUp();
	}
});
