/**
 * Row a of issue 22 the way the issue measured it: in a real n8n 2.8.4 (`n8n execute`, the e2e
 * suite's install), 10,000 items from a Code node into Comet Video (Create, wait, no download,
 * default options) against 5 s jobs on an instant simulator; beside the same items through n8n's
 * NoOp node, and through two of n8n's own HTTP Request nodes (default options) that send the
 * requests row a sends: a multipart create per item with the same prompt expression, then a GET
 * of each item's job. That is what n8n's own nodes need for the same traffic, without Comet
 * Video's waiting, limits or checks. The `a-n8n` row of `npm run bench`.
 *
 * Memory is the n8n process's own peak RSS (VmHWM of /proc/<pid>/status, read every 20 ms until
 * it exits; its task runner, which runs the Code node, is another process). Time is the measured
 * node's execution time in n8n's run data (for the HTTP pair, both nodes'). The workflows run
 * in interleaved rounds; the simulator is one child process (scripts/bench/sim-server.ts) for
 * all of them, its request counts read as differences.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { IRunData, ITaskData } from 'n8n-workflow';

import { NODE_TYPE } from '../../tools/constants';
import {
	ensureN8n,
	freePort,
	importIntoN8n,
	parseExecuteOutput,
} from '../../tools/n8n/install-n8n';
import { installPackage, packDirectory } from '../../tools/n8n/package-install';
import { signalGroup, startProcess } from '../../tools/process';
import { CREDENTIAL_NAME, simulatorCredential } from '../../tools/simulator-access';
import { markdownTable, median, processMemory } from './lib';
import { startSimulatorServer, type SimulatorServer } from './sim-server';

export const N8N_ROW_ID = 'a-n8n';

const N8N_VERSION = '2.8.4';
const ITEMS = 10_000;
const JOB_SECONDS = 5;
const SAMPLE_EVERY_MS = 20;
const CREDENTIAL_ID = 'rowAn8nCredent01';

type Case = 'noOp' | 'comet' | 'http';
const CASE_LABELS: Record<Case, string> = {
	noOp: "n8n's NoOp",
	comet: 'Comet Video (Create, wait)',
	http: "n8n's HTTP Request × 2 (row a's creates, then a GET of each job)",
};
/** The nodes whose execution time is the case's time. */
const TIMED_NODES: Record<Case, string[]> = {
	noOp: ['NoOp'],
	comet: ['Comet Video'],
	http: ['HTTP Request', 'HTTP Request 2'],
};

interface Run {
	peakRssMB: number;
	/** Seconds of the timed nodes; undefined when the execution failed. */
	nodeSeconds?: number;
	itemsOut: number;
	itemsFailed: number;
	requests: number;
	error?: string;
}

export interface N8nRowResult {
	label: string;
	runs: Record<string, Run[]>;
}

function workflow(id: string, nodes: Array<{ name: string } & Record<string, unknown>>) {
	const all = [
		{
			name: 'Manual Trigger',
			type: 'n8n-nodes-base.manualTrigger',
			typeVersion: 1,
			parameters: {},
		},
		{
			name: 'Items',
			type: 'n8n-nodes-base.code',
			typeVersion: 2,
			parameters: {
				jsCode: `return Array.from({ length: ${ITEMS} }, (_, i) => ({ json: { i } }));`,
			},
		},
		...nodes,
	].map((node: { name: string } & Record<string, unknown>, i) => ({
		id: `00000000-0000-4000-8000-0000000${String(i).padStart(5, '0')}`,
		position: [i * 220, 0],
		...node,
	}));
	const connections: Record<string, unknown> = {};
	for (let i = 0; i + 1 < all.length; i++) {
		connections[all[i].name] = {
			main: [[{ node: all[i + 1].name, type: 'main', index: 0 }]],
		};
	}
	return { id, name: `row a in n8n: ${id}`, active: false, settings: {}, nodes: all, connections };
}

const WORKFLOW_IDS: Record<Case, string> = {
	noOp: 'rowAn8nNoOp00001',
	comet: 'rowAn8nComet0001',
	http: 'rowAn8nHttp00001',
};

/** The prompt every item sends, from its index. */
const PROMPT = 'A paper boat drifting down a rainy street, take {{ $json.i }}';

function workflows(sim: SimulatorServer) {
	const authorization = {
		sendHeaders: true,
		headerParameters: { parameters: [{ name: 'Authorization', value: `Bearer ${sim.apiKey}` }] },
	};
	// The requests Comet Video sends for row a, through n8n's own node: a multipart create per
	// item, then a GET of each item's job.
	const httpCreate = {
		name: 'HTTP Request',
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		parameters: {
			method: 'POST',
			url: `${sim.url}/v1/videos`,
			...authorization,
			sendBody: true,
			contentType: 'multipart-form-data',
			bodyParameters: {
				parameters: [
					{ parameterType: 'formData', name: 'model', value: 'veo3.1-fast' },
					{ parameterType: 'formData', name: 'prompt', value: `=${PROMPT}` },
				],
			},
			options: {},
		},
	};
	const httpPoll = {
		name: 'HTTP Request 2',
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		parameters: { url: `=${sim.url}/v1/videos/{{ $json.id }}`, ...authorization, options: {} },
	};
	return [
		workflow(WORKFLOW_IDS.noOp, [
			{ name: 'NoOp', type: 'n8n-nodes-base.noOp', typeVersion: 1, parameters: {} },
		]),
		workflow(WORKFLOW_IDS.comet, [
			{
				name: 'Comet Video',
				type: NODE_TYPE,
				typeVersion: 1,
				onError: 'continueRegularOutput',
				parameters: {
					operation: 'create',
					model: { __rl: true, mode: 'list', value: 'veo3.1-fast' },
					prompt: `=${PROMPT}`,
					waitForCompletion: true,
					downloadWhenComplete: false,
					options: {},
				},
				credentials: { cometVideoApi: { id: CREDENTIAL_ID, name: CREDENTIAL_NAME } },
			},
		]),
		workflow(WORKFLOW_IDS.http, [httpCreate, httpPoll]),
	];
}

interface Setup {
	userFolder: string;
	sim: SimulatorServer;
	install: Awaited<ReturnType<typeof ensureN8n>>;
}

async function setUp(packageDir: string): Promise<Setup & { close(): Promise<void> }> {
	const install = await ensureN8n({ version: N8N_VERSION, node: 20 });
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-row-a-'));
	const sim = await startSimulatorServer({ jobDurationMs: JOB_SECONDS * 1000, latencyMs: 0 });
	const close = async () => {
		await sim.close();
		fs.rmSync(userFolder, { recursive: true, force: true });
	};
	try {
		const { tgz } = await packDirectory(packageDir, userFolder);
		await installPackage(install, userFolder, tgz);
		await importIntoN8n(install, 'import:credentials', [simulatorCredential(CREDENTIAL_ID, sim)], {
			userFolder,
		});
		await importIntoN8n(install, 'import:workflow', workflows(sim), { userFolder });
		return { install, userFolder, sim, close };
	} catch (error) {
		await close();
		throw error;
	}
}

const requestCount = async (sim: SimulatorServer) =>
	Object.values((await sim.call('stats')).statuses).reduce((sum, n) => sum + n, 0);

async function runCase(setup: Setup, which: Case): Promise<Run> {
	const { install, userFolder, sim } = setup;
	const requestsBefore = await requestCount(sim);
	const env = {
		...process.env,
		...install.env,
		N8N_USER_FOLDER: userFolder,
		N8N_RUNNERS_BROKER_PORT: String(await freePort()),
	};
	// n8n's output goes to a file: n8n ends with process.exit(), which drops what a pipe has not
	// taken yet of 10,000 items' run data, while writes to a file are synchronous.
	const outputFile = path.join(userFolder, `execute-${which}.json`);
	const child = startProcess(
		'bash',
		[
			'-c',
			'out="$1"; shift; exec "$@" > "$out"',
			'n8n-execute',
			outputFile,
			install.nodeBin,
			install.n8nBin,
			'execute',
			`--id=${WORKFLOW_IDS[which]}`,
			'--rawOutput',
		],
		{ env, cwd: userFolder },
	);
	let peakRssMB = 0;
	const timer = setInterval(() => {
		peakRssMB = Math.max(peakRssMB, (processMemory(child.pid)?.hwm ?? 0) / 1e6);
	}, SAMPLE_EVERY_MS);
	const code = await child.finished;
	clearInterval(timer);
	// The task runner lives in the same process group.
	signalGroup(child.pid, 'SIGKILL');
	const requests = (await requestCount(sim)) - requestsBefore;
	const failedRun = (error: string): Run => ({
		peakRssMB,
		itemsOut: 0,
		itemsFailed: 0,
		requests,
		error,
	});
	let runData: IRunData;
	try {
		runData = parseExecuteOutput(fs.readFileSync(outputFile, 'utf8')).data.resultData.runData;
	} catch {
		const said = child.stderr.join('').trim().split('\n').slice(-1)[0] ?? '';
		return failedRun(`exit ${code}: ${said.slice(0, 120)}`);
	}
	const tasks = TIMED_NODES[which].map((name) => runData[name]?.[0]);
	const failed = tasks.find((task) => !task || task.error);
	if (code !== 0 || failed) return failedRun(`exit ${code}: ${failed?.error?.message ?? ''}`);
	const items = (tasks[tasks.length - 1] as ITaskData).data?.main[0] ?? [];
	return {
		peakRssMB,
		nodeSeconds: tasks.reduce((sum, task) => sum + (task as ITaskData).executionTime, 0) / 1000,
		itemsOut: items.length,
		itemsFailed: items.filter((item) => item.json.error != null).length,
		requests,
	};
}

/** `rounds` interleaved rounds of NoOp, Comet Video and the HTTP pair, for one build. */
export async function runN8nRow(packageDir: string, rounds: number): Promise<N8nRowResult> {
	const setup = await setUp(packageDir);
	const runs: Record<Case, Run[]> = { noOp: [], comet: [], http: [] };
	try {
		for (let round = 1; round <= rounds; round++) {
			for (const which of Object.keys(runs) as Case[]) {
				process.stderr.write(`row ${N8N_ROW_ID} (${packageDir}), round ${round}: ${which}…\n`);
				runs[which].push(await runCase(setup, which));
			}
		}
	} finally {
		await setup.close();
	}
	return { label: packageDir, runs };
}

const mb = (value: number) => value.toFixed(0);
const span = (values: number[], format: (v: number) => string) =>
	values.length === 0
		? '–'
		: Math.min(...values) === Math.max(...values)
			? format(values[0])
			: `${format(Math.min(...values))}–${format(Math.max(...values))}`;

export function n8nRowSection(results: N8nRowResult[]): string[] {
	const body: unknown[][] = [];
	for (const result of results) {
		const noOpPeak = median(result.runs.noOp.map((run) => run.peakRssMB));
		for (const [which, runs] of Object.entries(result.runs) as Array<[Case, Run[]]>) {
			const ok = runs.filter((run) => run.nodeSeconds !== undefined);
			const seconds = ok.map((run) => run.nodeSeconds as number);
			body.push([
				result.label,
				CASE_LABELS[which],
				`${ok.length} of ${runs.length}`,
				span(seconds, (v) => v.toFixed(1)),
				which === 'comet' ? span(seconds, (v) => `${(v / JOB_SECONDS).toFixed(1)}×`) : '',
				span(
					runs.map((run) => run.requests),
					String,
				),
				span(
					runs.map((run) => run.peakRssMB),
					mb,
				),
				which === 'noOp'
					? ''
					: span(
							runs.map((run) => run.peakRssMB - noOpPeak),
							(v) => `${v >= 0 ? '+' : ''}${mb(v)}`,
						),
				[...new Set(runs.map((run) => run.error).filter(Boolean))].join('; ') ||
					`${ok[0]?.itemsOut ?? 0} items out, ${ok.reduce((n, run) => n + run.itemsFailed, 0)} failed`,
			]);
		}
	}
	return [
		`### Row a in a real n8n ${N8N_VERSION}: ${ITEMS.toLocaleString('en')} items, ${JOB_SECONDS} s jobs, instant API, \`n8n execute\``,
		'',
		markdownTable(
			[
				'build',
				'workflow (Manual Trigger → Code → …)',
				'executions that succeeded',
				'node time (s)',
				'÷ job time',
				'requests',
				'peak RSS of n8n (MB)',
				'above NoOp (median)',
				'outcome',
			],
			body,
		),
		'',
		"- Each execution its own `n8n execute` process; peak RSS is the n8n process's VmHWM (its task runner, which runs the Code node, is another process). Node time: the node's `executionTime` in n8n's run data (the HTTP pair: both nodes). n8n's HTTP Request nodes send every item's request at once (their default): the first creates each item's job (multipart, the same model and prompt expression), the second GETs it once, whether or not it has finished. An execution whose output could not be read is shown with its exit code and last line.",
	];
}
