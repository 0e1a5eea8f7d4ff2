/**
 * What every end-to-end case gets for one n8n version (`e2eContext`): the install, a user folder
 * with this package and the chat stand-in installed, the credentials and all workflows imported,
 * `execute` for `n8n execute`, `server()` for a started n8n, and checks on what n8n stored.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { IBinaryData, INode, INodeExecutionData, IWorkflowBase } from 'n8n-workflow';

import { REPO_ROOT, type PackageManifest } from '../../tools/constants';
import { readJson, sha256 } from '../../tools/files';
import {
	ensureN8n,
	parseExecuteOutput,
	runN8n,
	startN8n,
	type ExecuteOutput,
	type N8nInstall,
	type RunningN8n,
} from '../../tools/n8n/install-n8n';
import { installPackage } from '../../tools/n8n/package-install';
import { tail, type ProcessResult } from '../../tools/process';
import { simulatorCredential } from '../../tools/simulator-access';
import type { Simulator } from '../../tools/simulator';
import { assert, say } from '../../tools/suite';

/** Workflow JSON as `n8n import:workflow` takes it and `export:workflow` gives it back. */
export type Workflow = Pick<IWorkflowBase, 'id' | 'name' | 'nodes' | 'connections'>;

export const CRED_ID = 'e2eCredComet0001';
export const CHAT_FIXTURE_DIR = path.join(__dirname, 'fixtures', 'n8n-nodes-cometapi-chat-fixture');
const CHAT_FIXTURE = readJson<PackageManifest>(path.join(CHAT_FIXTURE_DIR, 'package.json'));
const WORKFLOW_DIR = path.join(__dirname, 'workflows');

// Example copies get fixed ids so `execute --id` and `publish:workflow` can find them.
export const EXAMPLE_IDS = {
	schedule: 'e2eExSchedule001',
	webhook: 'e2eExWebhook0001',
	pollAndDeliver: 'e2eExPollDeliv01',
	aiAgentTool: 'e2eExAiAgent0001',
	klingCallbackWait: 'e2eExKlingCb0001',
};
const EXAMPLE_FILES: Record<string, string> = {
	[EXAMPLE_IDS.schedule]: 'schedule-prompts-to-storage.json',
	[EXAMPLE_IDS.webhook]: 'webhook-create-job.json',
	[EXAMPLE_IDS.pollAndDeliver]: 'poll-and-deliver.json',
	[EXAMPLE_IDS.aiAgentTool]: 'ai-agent-tool.json',
	[EXAMPLE_IDS.klingCallbackWait]: 'kling-callback-wait.json',
};

/*
 * Storage and messaging nodes of the examples, replaced in the test copy by a "Read/Write Files
 * from Disk" node writing the same binary field. The value names the parameter holding the field.
 */
const SWAP_TO_DISK: Record<string, string> = {
	'n8n-nodes-base.awsS3': 'binaryPropertyName',
	'n8n-nodes-base.s3': 'binaryPropertyName',
	'n8n-nodes-base.googleDrive': 'inputDataFieldName',
	'n8n-nodes-base.dropbox': 'binaryPropertyName',
	'n8n-nodes-base.slack': 'binaryPropertyName',
	'n8n-nodes-base.telegram': 'binaryPropertyName',
	'n8n-nodes-base.discord': 'binaryPropertyName',
};

export interface E2eContext {
	version: string;
	install: N8nInstall;
	userFolder: string;
	/** Where the examples' storage stand-ins write (the only folder n8n may write to). */
	outDir: string;
	sim: Simulator;
	chatHost: Simulator;
	/** The workflows imported, by id. */
	workflows: Map<string, Workflow>;
	/** `n8n execute --id=<id> --rawOutput`; `env` reaches the workflow as $env. */
	execute(id: string, env?: Record<string, string>): Promise<ProcessResult>;
	/** `n8n execute` that must exit 0; its run data. */
	executeOk(id: string, env?: Record<string, string>): Promise<ExecuteOutput>;
	/** Any n8n command that must exit 0. */
	n8n(args: string[]): Promise<ProcessResult>;
	/** `n8n start`, started at the first call; stopped by close. */
	server(): Promise<RunningN8n>;
	/** n8n has started once (n8n 2.41 activates published sub-workflows only then) and is stopped. */
	activated(): Promise<void>;
	close(): Promise<void>;
}

/*
 * Test copy of an example: a fixed id; Schedule Trigger -> Manual Trigger (`n8n execute` only
 * starts from a Manual Trigger); storage and messaging nodes -> disk writes into outDir (same
 * name, position, disabled flag and connections); Wait nodes shortened to 1 s.
 */
function exampleCopy(id: string, outDir: string): Workflow {
	const wf = readJson<Workflow>(path.join(REPO_ROOT, 'examples', EXAMPLE_FILES[id]));
	const swap = (n: INode): INode => {
		if (n.type === 'n8n-nodes-base.scheduleTrigger')
			return { ...n, type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, parameters: {} };
		if (SWAP_TO_DISK[n.type]) {
			const field = String(n.parameters?.[SWAP_TO_DISK[n.type]] || 'data');
			const slug = n.name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
			return {
				id: n.id,
				name: n.name,
				type: 'n8n-nodes-base.readWriteFile',
				typeVersion: 1,
				position: n.position,
				parameters: {
					operation: 'write',
					fileName: `=${outDir}/${slug}--{{ $json.id }}.mp4`,
					dataPropertyName: field,
					options: {},
				},
				...(n.disabled ? { disabled: true } : {}),
			};
		}
		if (n.type === 'n8n-nodes-base.wait' && Number(n.parameters?.amount) > 1)
			return { ...n, parameters: { ...n.parameters, amount: 1 } };
		return n;
	};
	return { ...wf, id, nodes: wf.nodes.map(swap) };
}

/** The test workflows and the example copies, the poll-and-deliver caller pointed at its id. */
function allWorkflows(outDir: string): Workflow[] {
	const tests = fs
		.readdirSync(WORKFLOW_DIR)
		.filter((f) => f.endsWith('.json'))
		.sort()
		.map((f) => readJson<Workflow>(path.join(WORKFLOW_DIR, f)));
	const all = [...tests, ...Object.keys(EXAMPLE_FILES).map((id) => exampleCopy(id, outDir))];
	for (const n of all.flatMap((w) => w.nodes)) {
		const workflowId = n.parameters?.workflowId as { value?: string } | undefined;
		if (workflowId?.value === '__POLL_AND_DELIVER_ID__')
			workflowId.value = EXAMPLE_IDS.pollAndDeliver;
	}
	return all;
}

/** Installs n8n `version` and sets up a user folder for it; the suite's per-version context. */
export async function e2eContext(
	{ version, node }: { version: string; node: number },
	sim: Simulator,
	chatHost: Simulator,
	tarballs: { ours: string; chatFixture: string },
): Promise<E2eContext> {
	const install = await ensureN8n({ version, node });
	say(
		`n8n ${install.version} (${install.cached ? 'cached' : 'fresh install'}) on ${install.nodeVersion}`,
	);
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), `n8n-e2e-${version}-`));
	const outDir = path.join(userFolder, 'out');
	fs.mkdirSync(outDir);
	const env = {
		N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem',
		N8N_RESTRICT_FILE_ACCESS_TO: outDir,
		N8N_COMMUNITY_PACKAGES_ALLOW_TOOL_USAGE: 'true',
	};
	const execute = (id: string, extra: Record<string, string> = {}) =>
		runN8n(install, ['execute', `--id=${id}`, '--rawOutput'], {
			userFolder,
			env: { ...env, ...extra },
			timeoutMs: 180_000,
		});
	const n8n = async (args: string[]) => {
		const r = await runN8n(install, args, { userFolder, env, timeoutMs: 180_000 });
		if (r.code !== 0)
			throw new Error(`n8n ${args[0]} exited ${r.code}:\n${tail(r.stdout + r.stderr, 30)}`);
		return r;
	};
	await installPackage(install, userFolder, tarballs.ours);
	await installPackage(install, userFolder, tarballs.chatFixture, CHAT_FIXTURE);
	const workflows = allWorkflows(outDir);
	const credFile = path.join(userFolder, 'cred.json');
	const chatCredential = {
		id: 'e2eCredCometChat',
		name: 'CometAPI',
		type: 'cometApi',
		data: { apiKey: chatHost.apiKey },
	};
	fs.writeFileSync(credFile, JSON.stringify([simulatorCredential(CRED_ID, sim), chatCredential]));
	const wfFile = path.join(userFolder, 'workflows.json');
	fs.writeFileSync(wfFile, JSON.stringify(workflows));
	await n8n(['import:credentials', `--input=${credFile}`]);
	await n8n(['import:workflow', `--input=${wfFile}`]);
	// n8n 2.x runs a sub-workflow's and a webhook's published version only.
	for (const id of [EXAMPLE_IDS.pollAndDeliver, EXAMPLE_IDS.webhook, EXAMPLE_IDS.klingCallbackWait])
		await n8n(['publish:workflow', `--id=${id}`]);

	let server: Promise<RunningN8n> | undefined;
	const startServer = () => (server ??= startN8n(install, { userFolder, env }));
	return {
		version,
		install,
		userFolder,
		outDir,
		sim,
		chatHost,
		workflows: new Map(workflows.map((w) => [w.id, w])),
		execute,
		async executeOk(id, extra) {
			const r = await execute(id, extra);
			assert(r.code === 0, `execute ${id} exited ${r.code}:\n${tail(r.stdout + r.stderr, 30)}`);
			return parseExecuteOutput(r.stdout);
		},
		n8n,
		server: startServer,
		async activated() {
			await (await startServer()).stop();
			server = undefined;
		},
		async close() {
			if (server) await (await server.catch(() => undefined))?.stop();
			if (process.env.E2E_KEEP) say(`kept ${userFolder}`);
			else fs.rmSync(userFolder, { recursive: true, force: true });
		},
	};
}

/** The items (json + binary meta) a node produced in its last run; none if it did not run. */
export function nodeItems(parsed: ExecuteOutput, nodeName: string): INodeExecutionData[] {
	const runs = parsed.data.resultData.runData[nodeName] ?? [];
	const last = runs[runs.length - 1];
	if (last?.error) throw new Error(`node "${nodeName}" failed: ${last.error.message}`);
	return last?.data?.main?.[0] ?? [];
}

/*
 * Where n8n's filesystem binary-data mode put a binary: its id is `filesystem-v2:<path>`,
 * relative to <N8N_USER_FOLDER>/.n8n/storage.
 */
function storedFile(userFolder: string, binary: IBinaryData): string {
	const m = /^filesystem(?:-v2)?:(.+)$/.exec(String(binary.id));
	assert(m, `binary id "${binary.id}" is not a filesystem binary-data id`);
	return path.join(userFolder, '.n8n', 'storage', m[1]);
}

/** The item's binary `field` is an MP4 n8n stored with the bytes the simulator served. */
export function checkStoredVideo(
	c: E2eContext,
	item: INodeExecutionData,
	field: string,
): { file: string; size: number } {
	const id = String(item.json.id ?? '');
	assert(id, `output has no job id: ${JSON.stringify(item.json)}`);
	const bin = item.binary?.[field];
	assert(bin, `no binary "${field}" (has: ${Object.keys(item.binary ?? {}).join(', ') || 'none'})`);
	assert(bin.mimeType === 'video/mp4', `mimeType ${bin.mimeType}, expected video/mp4`);
	const file = storedFile(c.userFolder, bin);
	assert(fs.existsSync(file), `n8n's stored file ${file} does not exist`);
	assert(
		sha256(fs.readFileSync(file)) === c.sim.videoSha256(id),
		`${file} differs from the served video`,
	);
	return { file: path.relative(c.userFolder, file), size: fs.statSync(file).size };
}

/** A file a storage stand-in wrote holds the video the simulator served for `id`. */
export function checkWrittenVideo(c: E2eContext, file: string, id: string): void {
	const full = path.join(c.outDir, file);
	assert(fs.existsSync(full), `the stand-in wrote no ${file}`);
	assert(
		sha256(fs.readFileSync(full)) === c.sim.videoSha256(id),
		`${file} differs from the served video`,
	);
}
