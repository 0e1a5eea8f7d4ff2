/**
 * What a 1 GiB download costs inside a real n8n execution, for Comet Video's Download and for
 * n8n's own OpenAI node (Video → Generate, which downloads the finished video), side by side in
 * the same n8n 2.8.4 (the e2e suite's install), with a plain Node copy of the same file as the
 * floor. Every download runs in its own `n8n execute` (CLI, filesystem binary mode), against
 * the simulator in this process; each node also downloads a 300 KiB file, its baseline. The
 * `memory` row of `npm run bench` (scripts/bench.ts: --memory-runs, --memory-mib).
 *
 * Memory is the n8n process's own (not its task runner's), read from /proc/<pid>/status (Linux)
 * every few milliseconds:
 * - peak: VmHWM, the kernel's exact peak RSS over the execution; "extra" is a 1 GiB run's peak
 *   minus the median peak of the same node's 300 KiB runs, the figure issue 10 compared.
 * - rise: the peak from the moment the simulator sees the download request (VmHWM is reset
 *   there through /proc/<pid>/clear_refs) minus the RSS at that moment: what the download
 *   itself adds, whatever the execution did before. n8n's start leaves the process at one of
 *   two RSS levels about 16 MB apart, at random and for either node, so "extra" moves by that
 *   much from run to run; "rise" does not depend on it.
 * Time: from the simulator seeing the download request to the node's end (n8n's run data), or
 * for the plain copy to the file being closed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { IRunData } from 'n8n-workflow';

import { NODE_TYPE } from '../../tools/constants';
import {
	ensureN8n,
	freePort,
	importIntoN8n,
	parseExecuteOutput,
	type N8nInstall,
} from '../../tools/n8n/install-n8n';
import { installPackage, packPackage } from '../../tools/n8n/package-install';
import { signalGroup, startProcess } from '../../tools/process';
import { startSimulator, type Simulator } from '../../tools/simulator';
import { createJob, CREDENTIAL_NAME, simulatorCredential } from '../../tools/simulator-access';
import { markdownTable, median, MiB, processMemory } from './lib';

const CASES = ['comet', 'openai', 'plain'] as const;
type CaseName = (typeof CASES)[number];
type Size = 'big' | 'small';

const N8N_VERSION = '2.8.4';
const SMALL_BYTES = 300 * 1024;
/** Prompts that tell the simulator's plan which file a job gets. */
const PROMPTS: Record<Size, string> = {
	big: 'memory benchmark: the big file',
	small: 'memory benchmark: the small file',
};
const SAMPLE_EVERY_MS = 5;
const CASE_LABELS: Record<CaseName, string> = {
	comet: 'Comet Video (Download)',
	openai: "n8n's OpenAI node (Video)",
	plain: 'plain copy (Node pipeline)',
};
const COMET_NODE = 'Comet Video';
const COMET_CREDENTIAL_ID = 'memBenchCredCmt1';
const OPENAI_NODE = 'OpenAI';

interface Options {
	runs: number;
	bigBytes: number;
}

/** A process's memory around its download. */
interface Memory {
	peakBytes: number;
	/** The peak before the download began (n8n's start, the workflow's earlier steps). */
	peakBeforeBytes: number;
	/** RSS when the simulator saw the download request. */
	startBytes: number;
	riseBytes: number;
}

interface Run extends Memory {
	downloadMs: number;
}

function workflowId(name: CaseName, size: Size): string {
	// n8n 2.x wants 16-character ids.
	return `memBench${name}${size}`.padEnd(16, '0').slice(0, 16);
}

function workflow(name: CaseName, size: Size, node: Record<string, unknown>) {
	return {
		id: workflowId(name, size),
		name: `download memory: ${name} ${size}`,
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			{
				id: '00000000-0000-4000-8000-00000000a001',
				name: 'Manual Trigger',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{ id: '00000000-0000-4000-8000-00000000a002', position: [240, 0], ...node },
		],
		connections: {
			'Manual Trigger': { main: [[{ node: node.name, type: 'main', index: 0 }]] },
		},
	};
}

function cometWorkflow(size: Size, videoId: string) {
	return workflow('comet', size, {
		name: COMET_NODE,
		type: NODE_TYPE,
		typeVersion: 1,
		parameters: { operation: 'download', videoId, variant: 'video', binaryPropertyName: 'data' },
		credentials: { cometVideoApi: { id: COMET_CREDENTIAL_ID, name: CREDENTIAL_NAME } },
	});
}

/** n8n's OpenAI node creates a Sora job, polls it, and downloads its content. */
function openAiWorkflow(size: Size) {
	return workflow('openai', size, {
		name: OPENAI_NODE,
		type: '@n8n/n8n-nodes-langchain.openAi',
		typeVersion: 2.1,
		parameters: {
			resource: 'video',
			operation: 'generate',
			modelId: { __rl: true, mode: 'id', value: 'sora-2' },
			prompt: PROMPTS[size],
			seconds: 4,
			size: '1280x720',
			options: {},
		},
		credentials: { openAiApi: { id: 'memBenchCredOai1', name: 'OpenAI (simulator)' } },
	});
}

/**
 * Runs a command to its end while sampling its memory; when the simulator receives a content
 * request, notes the RSS and restarts the kernel's peak there.
 */
async function measured(
	command: string,
	args: string[],
	options: { env: NodeJS.ProcessEnv; cwd: string },
	sim: Simulator,
): Promise<{
	stdout: string;
	stderr: string;
	code: number | null;
	downloadStartedAt: number;
	memory: Memory;
}> {
	const requestsBefore = sim.requests.length;
	const child = startProcess(command, args, options);
	const { pid } = child;
	let peakBeforeDownload = 0;
	let peakSinceDownload = 0;
	let rssAtDownload = 0;
	let downloadStartedAt = 0;
	const sample = () => {
		const memory = processMemory(pid);
		if (!memory) return;
		if (!downloadStartedAt) {
			peakBeforeDownload = memory.hwm;
			const request = sim.requests.slice(requestsBefore).find((r) => r.route === 'content');
			if (!request) return;
			downloadStartedAt = request.at;
			rssAtDownload = memory.rss;
			fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
		} else peakSinceDownload = memory.hwm;
	};
	const timer = setInterval(sample, SAMPLE_EVERY_MS);
	const code = await child.finished;
	clearInterval(timer);
	// n8n's task runner lives in the same process group.
	signalGroup(pid, 'SIGKILL');
	const [stdout, stderr] = [child.stdout.join(''), child.stderr.join('')];
	if (!downloadStartedAt) {
		throw new Error(
			`${path.basename(args[1] ?? command)} never requested the file:\n${stdout}\n${stderr}`,
		);
	}
	return {
		stdout,
		stderr,
		code,
		downloadStartedAt,
		memory: {
			peakBytes: Math.max(peakBeforeDownload, peakSinceDownload),
			peakBeforeBytes: peakBeforeDownload,
			startBytes: rssAtDownload,
			riseBytes: Math.max(0, peakSinceDownload - rssAtDownload),
		},
	};
}

interface Bench {
	install: N8nInstall;
	userFolder: string;
	sim: Simulator;
	jobs: Record<Size, string>;
	bytes: Record<Size, number>;
}

async function runN8nCase(bench: Bench, name: 'comet' | 'openai', size: Size): Promise<Run> {
	const { install, userFolder, sim } = bench;
	const env = {
		...process.env,
		...install.env,
		N8N_USER_FOLDER: userFolder,
		N8N_RUNNERS_BROKER_PORT: String(await freePort()),
	};
	const result = await measured(
		install.nodeBin,
		[install.n8nBin, 'execute', `--id=${workflowId(name, size)}`, '--rawOutput'],
		{ env, cwd: userFolder },
		sim,
	);
	try {
		const nodeName = name === 'comet' ? COMET_NODE : OPENAI_NODE;
		const runData: IRunData = parseExecuteOutput(result.stdout).data.resultData.runData;
		const task = runData[nodeName]?.[0];
		if (result.code !== 0 || !task || task.error) {
			throw new Error(
				`n8n execute failed (exit ${result.code}): ${task?.error?.message ?? result.stderr.slice(-2000)}`,
			);
		}
		const stored = task.data?.main[0]?.[0]?.binary?.data?.bytes;
		if (stored !== bench.bytes[size]) {
			throw new Error(`${nodeName} stored ${stored} bytes, not ${bench.bytes[size]}`);
		}
		const downloadMs = task.startTime + task.executionTime - result.downloadStartedAt;
		return { ...result.memory, downloadMs };
	} finally {
		// 1 GiB per run: the binary data store is emptied after each execution.
		fs.rmSync(path.join(userFolder, '.n8n', 'storage'), { recursive: true, force: true });
	}
}

/**
 * The floor: Node's http client piped into a file, in a process of its own. It waits a moment
 * before asking, so the sampler has seen its RSS before the download.
 */
const PLAIN_COPY = `
const fs = require('node:fs');
const http = require('node:http');
const { pipeline } = require('node:stream/promises');
const [url, key, file] = process.argv.slice(1);
setTimeout(() => {
	http.get(url, { headers: { authorization: 'Bearer ' + key } }, async (response) => {
		await pipeline(response, fs.createWriteStream(file));
		process.stdout.write(JSON.stringify({ endedAt: Date.now(), bytes: fs.statSync(file).size }));
	});
}, 300);
`;

async function runPlainCopy(bench: Bench, size: Size): Promise<Run> {
	const file = path.join(bench.userFolder, 'plain-copy.mp4');
	const url = `${bench.sim.url}/v1/videos/${bench.jobs[size]}/content?variant=video`;
	try {
		const result = await measured(
			process.execPath,
			['-e', PLAIN_COPY, url, bench.sim.apiKey, file],
			{ env: process.env, cwd: bench.userFolder },
			bench.sim,
		);
		const { endedAt, bytes } = JSON.parse(result.stdout) as { endedAt: number; bytes: number };
		if (bytes !== bench.bytes[size]) throw new Error(`plain copy wrote ${bytes} bytes`);
		return { ...result.memory, downloadMs: endedAt - result.downloadStartedAt };
	} finally {
		fs.rmSync(file, { force: true });
	}
}

async function runCase(bench: Bench, name: CaseName, size: Size): Promise<Run> {
	return name === 'plain' ? await runPlainCopy(bench, size) : await runN8nCase(bench, name, size);
}

async function setUp(options: Options): Promise<Bench & { close: () => Promise<void> }> {
	const install = await ensureN8n({ version: N8N_VERSION, node: 20 });
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-download-memory-'));
	const bytes: Record<Size, number> = { big: options.bigBytes, small: SMALL_BYTES };
	const sim = await startSimulator({
		jobDurationMs: 0,
		plan: (create: { prompt: string }) => ({
			videoBytes: create.prompt === PROMPTS.big ? bytes.big : bytes.small,
		}),
	});
	const close = async () => {
		await sim.close();
		fs.rmSync(userFolder, { recursive: true, force: true });
	};
	try {
		const { tgz } = await packPackage(userFolder);
		await installPackage(install, userFolder, tgz);
		const jobs: Record<Size, string> = {
			big: (await createJob(sim, { prompt: PROMPTS.big })).id,
			small: (await createJob(sim, { prompt: PROMPTS.small })).id,
		};
		const credentials = [
			simulatorCredential(COMET_CREDENTIAL_ID, sim),
			{
				id: 'memBenchCredOai1',
				name: 'OpenAI (simulator)',
				type: 'openAiApi',
				data: { apiKey: sim.apiKey, url: `${sim.url}/v1` },
			},
		];
		const workflows = (['big', 'small'] as const).flatMap((size) => [
			cometWorkflow(size, jobs[size]),
			openAiWorkflow(size),
		]);
		await importIntoN8n(install, 'import:credentials', credentials, { userFolder });
		await importIntoN8n(install, 'import:workflow', workflows, { userFolder });
		return { install, userFolder, sim, jobs, bytes, close };
	} catch (error) {
		await close();
		throw error;
	}
}

const mb = (bytes: number) => bytes / 1e6;
const fixed = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const signed = (value: number) => (value >= 0 ? `+${fixed(value)}` : fixed(value));

function report(options: Options, results: Record<CaseName, Record<Size, Run[]>>): string {
	const runHeaders = Array.from({ length: options.runs }, (_, i) => `run ${i + 1}`);
	const table = (
		title: string,
		size: Size,
		figure: (run: Run, name: CaseName) => number,
		format: (value: number) => string = (value) => fixed(value),
	) => {
		const rows = CASES.map((name) => {
			const values = results[name][size].map((run) => figure(run, name));
			return [CASE_LABELS[name], ...values.map(format), format(median(values))];
		});
		return `${title}\n\n${markdownTable(['download', ...runHeaders, 'median'], rows)}\n`;
	};
	const smallPeak = (name: CaseName) => median(results[name].small.map((run) => run.peakBytes));
	const big = `${Math.round(options.bigBytes / MiB)} MiB`;
	return [
		table(
			`Extra peak memory of a ${big} download, MB: its peak RSS minus the median peak of the same download of 300 KiB`,
			'big',
			(run, name) => mb(run.peakBytes - smallPeak(name)),
			signed,
		),
		table(
			`Rise during the ${big} download, MB: peak RSS from the request on, minus the RSS when it was made`,
			'big',
			(run) => mb(run.riseBytes),
			signed,
		),
		table(`Peak RSS with ${big}, MB`, 'big', (run) => mb(run.peakBytes)),
		table(`RSS when the ${big} download was requested, MB`, 'big', (run) => mb(run.startBytes)),
		table('Peak RSS with 300 KiB, MB', 'small', (run) => mb(run.peakBytes)),
		table(
			`Download time of ${big}, s: from the request to the node's end (plain copy: to the file's close)`,
			'big',
			(run) => run.downloadMs / 1000,
			(value) => fixed(value, 1),
		),
	].join('\n');
}

/** Every case, big and small downloads interleaved, `runs` rounds; the tables in Markdown. */
export async function runMemoryBench(
	{ runs, bigMiB }: { runs: number; bigMiB: number },
	log: (line: string) => void,
): Promise<string> {
	const options: Options = { runs, bigBytes: bigMiB * MiB };
	const bench = await setUp(options);
	try {
		const results = Object.fromEntries(
			CASES.map((name) => [name, { big: [] as Run[], small: [] as Run[] }]),
		) as Record<CaseName, Record<Size, Run[]>>;
		// One unmeasured execution first: n8n's first start in a fresh folder does extra work.
		await runCase(bench, 'comet', 'small');
		for (let round = 1; round <= options.runs; round += 1) {
			for (const size of ['big', 'small'] as const) {
				for (const name of CASES) {
					const run = await runCase(bench, name, size);
					results[name][size].push(run);
					log(
						`memory round ${round} ${name} ${size}: peak ${fixed(mb(run.peakBytes))} MB (before the download ${fixed(mb(run.peakBeforeBytes))} MB, at its start ${fixed(mb(run.startBytes))} MB), rise ${signed(mb(run.riseBytes))} MB, download ${fixed(run.downloadMs / 1000, 2)} s`,
					);
				}
			}
		}
		return `n8n ${N8N_VERSION} (CLI execute, filesystem binary mode), Node ${process.version}, ${options.runs} runs per case\n\n${report(options, results)}`;
	} finally {
		await bench.close();
	}
}
