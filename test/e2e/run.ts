/*
 * End-to-end suite: proves the packed node inside real n8n releases.
 *
 *   npm run test:e2e            (builds first)
 *   npx tsx test/e2e/run.ts     (uses the existing dist/)
 *
 * For each n8n version (default 2.8.4 on Node 20 and 2.41.1 on Node 24):
 *   1. ensure the cached install (.cache/n8n/<v>, see tools/n8n/install-n8n.ts);
 *   2. install the `npm pack` tarball of this package into
 *      $N8N_USER_FOLDER/.n8n/nodes the way n8n's community-nodes screen does,
 *      and beside it a stand-in for CometAPI's chat package (test/e2e/fixtures:
 *      its own `cometApi` credential type, API key only);
 *   3. import a CometAPI credential pointing at the simulator (started in this
 *      process on 127.0.0.1), a `cometApi` one of the same name for the chat
 *      stand-in (its host is a second simulator with another key) and all
 *      workflows (test/e2e/workflows/*.json and examples/*.json,
 *      storage/messaging nodes swapped for disk writes);
 *   4. run them with `n8n execute --id=ID --rawOutput` and check the run data,
 *      what the simulator received and the MP4 files n8n stored in its
 *      filesystem binary-data folder (sha256 against the simulator's);
 *   5. publish the webhook example, `n8n start`, call the webhook several times
 *      at once, then deliver one of those jobs with the poll-and-deliver example.
 *
 * Env:
 *   E2E_VERSIONS   comma list of versions, optionally version:nodeMajor
 *                  (default "2.8.4:20,2.41.1:24"); a version that cannot be
 *                  installed is reported as skipped, not passed.
 *   E2E_KEEP=1     keep the temporary N8N_USER_FOLDERs.
 *   E2E_VERBOSE=1  print n8n's output of every command.
 *
 * Output: a PASS/FAIL line per case, a per-stage timing table, and finally
 * `N passed, M failed` alone on a line. Exit code 1 on any failure.
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { IBinaryData, INode, INodeExecutionData, IWorkflowBase } from 'n8n-workflow';
import { request } from 'undici';

import { readJson, sha256 } from '../../tools/files';
import {
	ensureN8n,
	fmtMs as fmt,
	nodeOutput,
	parseExecuteOutput,
	runN8n,
	startN8n,
	tail,
	type ExecuteOutput,
	type N8nInstall,
	type RunningN8n,
} from '../../tools/n8n/install-n8n';
import {
	installPackage,
	packDirectory,
	packPackage,
	PKG,
	REPO,
	type PackageManifest,
} from '../../tools/n8n/package-install';
import { simulatorCredential } from '../../tools/n8n/credentials';
import { startSimulator, type Simulator } from '../../tools/simulator';

/** Workflow JSON as `n8n import:workflow` takes it and `export:workflow` gives it back. */
type Workflow = Pick<IWorkflowBase, 'id' | 'name' | 'nodes' | 'connections'>;

/** One entry of the credential types n8n lists in `.cache/n8n/public/types/credentials.json`. */
interface CredentialTypeEntry {
	name: string;
	properties: { name: string }[];
}

/** One entry of the node types n8n lists in `.cache/n8n/public/types/nodes.json`. */
interface NodeTypeEntry {
	name: string;
	outputs?: unknown;
}

const WORKFLOW_DIR = path.join(__dirname, 'workflows');
const EXAMPLES_DIR = path.join(REPO, 'examples');
const NODE_TYPE = `${PKG.name}.cometVideo`;
const TOOL_TYPE = `${PKG.name}.cometVideoTool`;
const CRED_ID = 'e2eCredComet0001';
/** Stands in for CometAPI's chat package: a `cometApi` credential type with only an API key. */
const CHAT_FIXTURE_DIR = path.join(__dirname, 'fixtures', 'n8n-nodes-cometapi-chat-fixture');
const CHAT_FIXTURE = readJson<PackageManifest>(path.join(CHAT_FIXTURE_DIR, 'package.json'));
const CHAT_CRED_ID = 'e2eCredCometChat';
const CHAT_HOST_KEY = 'sk-chat-fixture-key';
const DEFAULT_VERSIONS = '2.8.4:20,2.41.1:24';
const KNOWN_NODE: Record<string, number> = { '2.8.4': 20, '2.41.1': 24 };
const WEBHOOK_BURST = 4;

// Example copies get fixed ids so `execute --id` and `publish:workflow` can find them.
const EXAMPLE_IDS: Record<string, string> = {
	'schedule-prompts-to-storage.json': 'e2eExSchedule001',
	'webhook-create-job.json': 'e2eExWebhook0001',
	'poll-and-deliver.json': 'e2eExPollDeliv01',
	'ai-agent-tool.json': 'e2eExAiAgent0001',
};

/*
 * Storage and messaging nodes of the examples, replaced in the test copy by a
 * "Read/Write Files from Disk" node that writes the same binary field to
 * disk. The value names the parameter holding the binary field's name.
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

const VERBOSE = !!process.env.E2E_VERBOSE;

// ---------------------------------------------------------------- reporting

interface CaseResult {
	version: string;
	name: string;
	status: 'PASS' | 'FAIL' | 'SKIP';
	ms: number;
	detail?: string;
}

const results: CaseResult[] = [];
const stages: { version: string; name: string; ms: number }[] = [];

function say(msg: string): void {
	process.stdout.write(`${msg}\n`);
}

async function stage<T>(version: string, name: string, fn: () => Promise<T>): Promise<T> {
	const t0 = Date.now();
	try {
		return await fn();
	} finally {
		const ms = Date.now() - t0;
		stages.push({ version, name, ms });
		say(`  [stage] ${version} ${name}: ${fmt(ms)}`);
	}
}

async function testCase(
	version: string,
	name: string,
	fn: () => Promise<string | void>,
): Promise<boolean> {
	const t0 = Date.now();
	try {
		const detail = (await fn()) ?? undefined;
		const ms = Date.now() - t0;
		results.push({ version, name, status: 'PASS', ms, detail });
		say(`PASS  [n8n ${version}] ${name} (${fmt(ms)})${detail ? ` - ${detail}` : ''}`);
		return true;
	} catch (e) {
		const ms = Date.now() - t0;
		const message = (e as Error).message;
		results.push({ version, name, status: 'FAIL', ms, detail: message });
		say(
			`FAIL  [n8n ${version}] ${name} (${fmt(ms)})\n      ${String(message).split('\n').join('\n      ')}`,
		);
		return false;
	}
}

function skipCase(version: string, name: string, why: string): void {
	results.push({ version, name, status: 'SKIP', ms: 0, detail: why });
	say(`SKIP  [n8n ${version}] ${name} - ${why}`);
}

function assert(cond: unknown, msg: string): asserts cond {
	if (!cond) throw new Error(msg);
}

// ---------------------------------------------------------------- helpers

function parseVersions(): { version: string; node: number }[] {
	return (process.env.E2E_VERSIONS || DEFAULT_VERSIONS)
		.split(',')
		.map((s) => s.trim())
		.filter(Boolean)
		.map((spec) => {
			const [version, node] = spec.split(':');
			return { version, node: Number(node || KNOWN_NODE[version] || 20) };
		});
}

/** The items (json + binary meta) a node produced in its last run; none if it did not run. */
function nodeItems(parsed: ExecuteOutput, nodeName: string): INodeExecutionData[] {
	const rd = parsed.data.resultData.runData;
	const runs = rd[nodeName];
	if (!runs || !runs.length) return [];
	const last = runs[runs.length - 1];
	if (last.error) throw new Error(`node "${nodeName}" failed: ${last.error.message}`);
	return last.data?.main?.[0] ?? [];
}

function runCount(parsed: ExecuteOutput, nodeName: string): number {
	const runs = parsed.data.resultData.runData[nodeName];
	return runs ? runs.length : 0;
}

/*
 * Where n8n's filesystem binary-data mode put a binary. Its id is
 * `filesystem-v2:<relative path>` (or `filesystem:`), relative to the
 * storage folder: <N8N_USER_FOLDER>/.n8n/storage in n8n 2.x
 * (N8N_STORAGE_PATH), .n8n/binaryData in 1.x.
 */
const STORAGE_DIRS = ['storage', 'binaryData'];
function storedFile(userFolder: string, binary: IBinaryData): string {
	const id = binary.id;
	assert(
		typeof id === 'string',
		`binary has no stored-file id (not in filesystem mode?): ${JSON.stringify(binary)}`,
	);
	const m = /^(filesystem(?:-v2)?):(.+)$/.exec(id);
	assert(m, `binary id "${id}" is not a filesystem binary-data id`);
	const candidates = STORAGE_DIRS.map((d) => path.join(userFolder, '.n8n', d, m[2]));
	return candidates.find((f) => fs.existsSync(f)) || candidates[0];
}

function checkStoredVideo(
	sim: Simulator,
	userFolder: string,
	item: INodeExecutionData,
	field: string,
	label: string,
): { file: string; size: number } {
	const json = item.json;
	assert(
		json && typeof json.id === 'string' && json.id,
		`${label}: output has no job id: ${JSON.stringify(json)}`,
	);
	const bin = item.binary && item.binary[field];
	assert(
		bin,
		`${label}: output item has no binary "${field}" (has: ${Object.keys(item.binary || {}).join(', ') || 'none'})`,
	);
	assert(bin.mimeType === 'video/mp4', `${label}: mimeType ${bin.mimeType}, expected video/mp4`);
	const file = storedFile(userFolder, bin);
	assert(fs.existsSync(file), `${label}: n8n's stored file ${file} does not exist`);
	const got = sha256(fs.readFileSync(file));
	const want = sim.videoSha256(json.id);
	assert(got === want, `${label}: stored file ${file} sha256 ${got} != simulator's ${want}`);
	return { file, size: fs.statSync(file).size };
}

function relFolder(userFolder: string, file: string): string {
	return path.relative(userFolder, file);
}

// ---------------------------------------------------------------- workflows

function loadTestWorkflows(): { file: string; wf: Workflow }[] {
	return fs
		.readdirSync(WORKFLOW_DIR)
		.filter((f) => f.endsWith('.json'))
		.sort()
		.map((f) => ({ file: f, wf: readJson<Workflow>(path.join(WORKFLOW_DIR, f)) }));
}

/*
 * Test copy of an example: a fixed id; Schedule Trigger -> Manual Trigger
 * (`n8n execute` only starts from a Manual or Execute Workflow Trigger);
 * storage/messaging nodes -> disk writes into outDir (same name, position,
 * disabled flag and connections); Wait nodes shortened to 1 s.
 */
function exampleCopy(file: string, outDir: string): { wf: Workflow; swaps: string[] } {
	const wf = readJson<Workflow>(path.join(EXAMPLES_DIR, file));
	wf.id = EXAMPLE_IDS[file];
	const swaps: string[] = [];
	wf.nodes = wf.nodes.map((n): INode => {
		if (n.type === 'n8n-nodes-base.scheduleTrigger') {
			swaps.push(`${n.name}: scheduleTrigger -> manualTrigger`);
			return {
				id: n.id,
				name: n.name,
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: n.position,
				parameters: {},
			};
		}
		if (SWAP_TO_DISK[n.type]) {
			const field = String(n.parameters?.[SWAP_TO_DISK[n.type]] || 'data');
			const slug = n.name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
			swaps.push(
				`${n.name}: ${n.type} -> readWriteFile (${field})${n.disabled ? ' [disabled]' : ''}`,
			);
			const copy: INode = {
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
			};
			if (n.disabled) copy.disabled = true;
			return copy;
		}
		if (n.type === 'n8n-nodes-base.wait' && Number(n.parameters?.amount) > 1) {
			swaps.push(`${n.name}: wait ${n.parameters.amount} s -> 1 s`);
			return { ...n, parameters: { ...n.parameters, amount: 1 } };
		}
		return n;
	});
	return { wf, swaps };
}

// ---------------------------------------------------------------- per version

/** What each run of the suite packs once and every n8n version gets. */
interface Packed {
	tgz: string;
	chatFixtureTgz: string;
}

/** A simulator's requests since index `from`, one line each, naming whose key they carried. */
function describeRequests(
	host: Simulator,
	from: number,
	keyOwners: Record<string, string>,
): string {
	return host.requests
		.slice(from)
		.map((q) => {
			const key = /^Bearer\s+(.+)$/i.exec(q.headers.authorization ?? '')?.[1] ?? '';
			return `${q.method} ${q.path} (${keyOwners[key] ?? 'no known key'}) -> ${q.status}`;
		})
		.join('; ');
}

async function runVersion(
	{ version, node }: { version: string; node: number },
	sim: Simulator,
	chatHost: Simulator,
	{ tgz, chatFixtureTgz }: Packed,
): Promise<void> {
	const V = version;
	const tailOf = (r: { stdout: string; stderr: string }): string => tail(r.stdout + r.stderr, 30);
	say(`\n=== n8n ${version} on Node ${node} ===`);
	let install: N8nInstall;
	try {
		install = await stage(V, 'n8n install (cache)', () => ensureN8n({ version, node }));
	} catch (e) {
		skipCase(
			V,
			'all cases',
			`n8n ${version} (Node ${node}) could not be installed: ${(e as Error).message.split('\n')[0]}`,
		);
		return;
	}
	say(
		`  n8n ${install.version} (${install.cached ? 'cached' : 'fresh install'}) under ${install.nodeVersion}`,
	);

	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), `n8n-e2e-${version}-`));
	const outDir = path.join(userFolder, 'out');
	fs.mkdirSync(outDir, { recursive: true });
	const baseEnv = {
		N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem',
		N8N_RESTRICT_FILE_ACCESS_TO: outDir,
		N8N_COMMUNITY_PACKAGES_ALLOW_TOOL_USAGE: 'true',
	};
	type N8nResult = Awaited<ReturnType<typeof runN8n>>;
	const n8n = async (
		what: string,
		args: string[],
		env: Record<string, string> = {},
	): Promise<N8nResult> => {
		const r = await runN8n(install, args, {
			userFolder,
			env: { ...baseEnv, ...env },
			timeoutMs: 180000,
		});
		if (VERBOSE) say(`--- ${what} (exit ${r.code}) ---\n${r.stdout}\n${r.stderr}`);
		return r;
	};
	const mustN8n = async (what: string, args: string[]): Promise<N8nResult> => {
		const r = await n8n(what, args);
		if (r.code !== 0)
			throw new Error(`${what} exited ${r.code}:\n${tail(r.stdout + r.stderr, 30)}`);
		return r;
	};
	const execute = (id: string, env?: Record<string, string>): Promise<N8nResult> =>
		n8n(`execute ${id}`, ['execute', `--id=${id}`, '--rawOutput'], env);

	try {
		// ---- setup: package, credential, workflows
		let setupOk = await testCase(
			V,
			'install packed tarball into .n8n/nodes (community-nodes style)',
			async () => {
				const dir = await stage(V, 'install package', () =>
					installPackage(install, userFolder, tgz),
				);
				return relFolder(userFolder, dir);
			},
		);
		setupOk =
			setupOk &&
			(await testCase(
				V,
				`install ${CHAT_FIXTURE.name} beside it (the chat package's cometApi credential type)`,
				async () => {
					const dir = await stage(V, 'install chat fixture', () =>
						installPackage(install, userFolder, chatFixtureTgz, CHAT_FIXTURE),
					);
					return relFolder(userFolder, dir);
				},
			));

		const testWfs = loadTestWorkflows();
		const exampleFiles = Object.keys(EXAMPLE_IDS);
		const examples: Record<string, { wf: Workflow; swaps: string[] }> = {};
		setupOk =
			setupOk &&
			(await testCase(V, 'import credential + all workflows', async () => {
				const credFile = path.join(userFolder, 'cred.json');
				fs.writeFileSync(
					credFile,
					JSON.stringify([
						simulatorCredential(CRED_ID, sim),
						// The same name, as a user of both packages would likely choose.
						{
							id: CHAT_CRED_ID,
							name: 'CometAPI',
							type: 'cometApi',
							data: { apiKey: chatHost.apiKey },
						},
					]),
				);
				const wfs = testWfs.map((t) => t.wf);
				for (const f of exampleFiles) {
					examples[f] = exampleCopy(f, outDir);
					wfs.push(examples[f].wf);
				}
				// The caller of poll-and-deliver needs the example's id.
				for (const w of wfs) {
					for (const n of w.nodes) {
						const workflowId = n.parameters?.workflowId as { value?: string } | undefined;
						if (workflowId?.value === '__POLL_AND_DELIVER_ID__') {
							workflowId.value = EXAMPLE_IDS['poll-and-deliver.json'];
						}
					}
				}
				const wfFile = path.join(userFolder, 'workflows.json');
				fs.writeFileSync(wfFile, JSON.stringify(wfs));
				await stage(V, 'import:credentials', () =>
					mustN8n('import:credentials', ['import:credentials', `--input=${credFile}`]),
				);
				await stage(V, 'import:workflow (all)', () =>
					mustN8n('import:workflow', ['import:workflow', `--input=${wfFile}`]),
				);
				// The examples reference the credential by name only: check import resolved it.
				const exp = path.join(userFolder, 'export.json');
				await stage(V, 'export:workflow (check)', () =>
					mustN8n('export:workflow', ['export:workflow', '--all', `--output=${exp}`]),
				);
				const exported = readJson<Workflow[]>(exp);
				assert(
					exported.length === wfs.length,
					`exported ${exported.length} workflows, imported ${wfs.length}`,
				);
				const unresolved: string[] = [];
				for (const w of exported) {
					for (const n of w.nodes) {
						const c = n.credentials?.cometVideoApi;
						if (c && c.id !== CRED_ID)
							unresolved.push(`${w.name} / ${n.name}: ${JSON.stringify(c)}`);
					}
				}
				assert(
					!unresolved.length,
					`credential "CometAPI" not resolved by name:\n${unresolved.join('\n')}`,
				);
				const swaps = exampleFiles.flatMap((f) => examples[f].swaps.map((s) => `${f}: ${s}`));
				say(`      test-copy swaps: ${swaps.join('; ')}`);
				return `${wfs.length} workflows, credential resolved by name in every Comet node`;
			}));
		if (!setupOk) {
			skipCase(V, 'remaining cases', 'setup failed');
			return;
		}

		// ---- 1. text to video, wait + download
		await testCase(
			V,
			'text-to-video: create + wait + download, MP4 stored in filesystem mode',
			async () => {
				const before = sim.creates.length;
				const r = await stage(V, 'execute text-to-video', () => execute('e2eCometText0001'));
				assert(r.code === 0, `execute exited ${r.code}:\n${tailOf(r)}`);
				const items = nodeItems(parseExecuteOutput(r.stdout), 'Comet Video');
				assert(items && items.length === 1, `expected 1 item, got ${items && items.length}`);
				const { json } = items[0];
				assert(json.status === 'completed', `status ${json.status}`);
				assert(
					sim.creates.length === before + 1,
					`simulator saw ${sim.creates.length - before} creates, expected 1`,
				);
				const c = sim.creates[sim.creates.length - 1];
				assert(
					c.id === json.id && c.fields.model === 'veo3.1-fast' && c.fields.seconds === '8',
					`create fields: ${JSON.stringify(c.fields)}`,
				);
				const { file, size } = checkStoredVideo(
					sim,
					userFolder,
					items[0],
					'video',
					'text-to-video',
				);
				return `${json.id}, ${size} bytes at ${relFolder(userFolder, file)}`;
			},
		);

		// ---- 1b. beside CometAPI's chat package
		await testCase(
			V,
			'beside the chat package: both nodes run, each with its own credential; Comet Video keeps its Base URL',
			async () => {
				const videoFrom = sim.requests.length;
				const chatFrom = chatHost.requests.length;
				const r = await stage(V, 'execute co-install', () =>
					execute('e2eCoInstall0001', { E2E_CHAT_URL: chatHost.url }),
				);
				assert(r.code === 0, `execute exited ${r.code}:\n${tailOf(r)}`);
				const parsed = parseExecuteOutput(r.stdout);
				const chat = nodeItems(parsed, 'CometAPI Chat Fixture');
				const models = (chat[0]?.json.response as { data?: unknown[] } | undefined)?.data;
				assert(
					chat.length === 1 && Array.isArray(models) && models.length > 0,
					`chat fixture output: ${JSON.stringify(chat)}`,
				);
				const video = nodeItems(parsed, 'Comet Video');
				assert(video.length === 1, `Comet Video gave ${video.length} items`);
				assert(video[0].json.status === 'completed', `status ${video[0].json.status}`);
				checkStoredVideo(sim, userFolder, video[0], 'video', 'co-install');
				const keyOwners = {
					[sim.apiKey]: 'key of the cometVideoApi credential',
					[chatHost.apiKey]: 'key of the cometApi credential',
				};
				const videoCalls = describeRequests(sim, videoFrom, keyOwners);
				const chatCalls = describeRequests(chatHost, chatFrom, keyOwners);
				say(`      Comet Video -> ${sim.url} (its Base URL): ${videoCalls}`);
				say(`      CometAPI Chat Fixture -> ${chatHost.url}: ${chatCalls}`);
				const videoRequests = sim.requests.slice(videoFrom);
				assert(
					videoRequests.some((q) => q.route === 'create') &&
						videoRequests.every((q) => q.headers.authorization === `Bearer ${sim.apiKey}`),
					`Comet Video's requests: ${videoCalls}`,
				);
				const chatRequests = chatHost.requests.slice(chatFrom);
				assert(
					chatRequests.length === 1 &&
						chatRequests[0].headers.authorization === `Bearer ${chatHost.apiKey}`,
					`the chat fixture's requests: ${chatCalls}`,
				);
				return `${videoRequests.length} requests to the video Base URL, 1 to the chat host, each with its own key`;
			},
		);

		// ---- 2. image to video from a binary made by Convert to File
		await testCase(
			V,
			'image-to-video: PNG binary from Convert to File reaches the API',
			async () => {
				const wf = testWfs.find((t) => t.file === 'image-to-video.json')?.wf;
				const code = wf?.nodes.find((n) => n.type === 'n8n-nodes-base.code')?.parameters.jsCode;
				const pngBase64 = /png: '([^']+)'/.exec(String(code))?.[1];
				assert(pngBase64, 'image-to-video.json has no Code node with a base64 PNG');
				const png = Buffer.from(pngBase64, 'base64');
				const r = await stage(V, 'execute image-to-video', () => execute('e2eCometImage001'));
				assert(r.code === 0, `execute exited ${r.code}:\n${tailOf(r)}`);
				const items = nodeItems(parseExecuteOutput(r.stdout), 'Comet Video');
				assert(items.length === 1, `expected 1 item, got ${items.length}`);
				const { json } = items[0];
				const c = sim.creates.find((x) => x.id === json.id);
				assert(c, `simulator has no create for ${json.id}`);
				assert(c.files.length === 1, `simulator received ${c.files.length} files`);
				const f = c.files[0];
				assert(f.fieldName === 'input_reference', `file field ${f.fieldName}`);
				assert(f.mimeType === 'image/png', `file mime ${f.mimeType}`);
				assert(
					f.sha256 === sha256(png) && f.size === png.length,
					`image bytes differ: got ${f.size} bytes ${f.sha256}, sent ${png.length} ${sha256(png)}`,
				);
				assert(
					c.fields.model === 'sora-2' && c.fields.size === '720x1280',
					`fields ${JSON.stringify(c.fields)}`,
				);
				checkStoredVideo(sim, userFolder, items[0], 'data', 'image-to-video');
				return `${json.id}: ${f.fileName} ${f.size} bytes, sha256 matches`;
			},
		);

		// ---- 3. create without wait -> Wait -> Retrieve -> If loop -> Download
		await testCase(V, 'create (no wait) -> Wait -> Retrieve -> If loop -> Download', async () => {
			const r = await stage(V, 'execute wait/retrieve loop', () => execute('e2eCometLoop0001'));
			assert(r.code === 0, `execute exited ${r.code}:\n${tailOf(r)}`);
			const parsed = parseExecuteOutput(r.stdout);
			const created = nodeItems(parsed, 'Create Job')[0]?.json ?? {};
			assert(
				['queued', 'in_progress'].includes(String(created.status)),
				`Create returned status ${created.status} (expected an unfinished job)`,
			);
			const retrieves = runCount(parsed, 'Retrieve');
			assert(retrieves >= 2, `Retrieve ran ${retrieves} time(s); the loop never looped`);
			const items = nodeItems(parsed, 'Download');
			assert(items && items.length === 1, 'Download produced no item');
			assert(
				items[0].json.id === created.id,
				`downloaded ${items[0].json.id}, created ${created.id}`,
			);
			checkStoredVideo(sim, userFolder, items[0], 'data', 'download');
			return `${created.id}: ${retrieves} Retrieve runs, then Download`;
		});

		// ---- 4. failing job with continue on fail
		let failedJobId: string | null = null;
		await testCase(
			V,
			'failed job ([fail]) with continue on fail -> item with error and id',
			async () => {
				const r = await stage(V, 'execute failed job (continue)', () =>
					execute('e2eCometFailC001'),
				);
				assert(r.code === 0, `execute exited ${r.code}:\n${tailOf(r)}`);
				const items = nodeOutput(parseExecuteOutput(r.stdout), 'Comet Video');
				assert(items && items.length === 1, `expected 1 item, got ${JSON.stringify(items)}`);
				const j = items[0];
				assert(
					typeof j.error === 'string' && /ended with status "failed"/.test(j.error),
					`error: ${JSON.stringify(j)}`,
				);
				assert(
					typeof j.id === 'string' && j.id.startsWith('task_'),
					`no job id in the item: ${JSON.stringify(j)}`,
				);
				assert(sim.jobs.has(j.id), `id ${j.id} is not a simulator job`);
				failedJobId = j.id;
				return `${JSON.stringify(j).slice(0, 200)}`;
			},
		);

		// ---- 5. failing job without continue on fail
		await testCase(
			V,
			'failed job ([fail]) without continue on fail -> execution fails with our message',
			async () => {
				const r = await stage(V, 'execute failed job (stop)', () => execute('e2eCometFailS001'));
				assert(r.code !== 0, `execute exited 0 for a failed job:\n${tail(r.stdout, 30)}`);
				const parsed = parseExecuteOutput(r.stdout);
				assert(parsed.status === 'error', `execution status ${parsed.status}`);
				const err = parsed.data.resultData.error;
				assert(err && err.message, 'no resultData.error');
				const m = /^Video job (task_\S+) ended with status "failed": (.+)$/.exec(err.message);
				assert(m, `unexpected message: ${err.message}`);
				assert(
					/blocked by the provider's safety system/.test(m[2]),
					`reason not passed on: ${m[2]}`,
				);
				assert(sim.jobs.has(m[1]), `id ${m[1]} is not a simulator job`);
				const last = parsed.data.resultData.lastNodeExecuted;
				assert(last === 'Comet Video', `lastNodeExecuted ${last}`);
				return `"${err.message}"`;
			},
		);

		// ---- 6. example: schedule -> prompts -> create/wait/download -> storage (swapped to disk)
		await testCase(
			V,
			'example schedule-prompts-to-storage (S3 -> disk): every MP4 saved',
			async () => {
				const before = sim.creates.length;
				const r = await stage(V, 'execute schedule example', () =>
					execute(EXAMPLE_IDS['schedule-prompts-to-storage.json']),
				);
				assert(r.code === 0, `execute exited ${r.code}:\n${tailOf(r)}`);
				const parsed = parseExecuteOutput(r.stdout);
				const items = nodeItems(parsed, 'Generate Video');
				assert(items.length === 3, `Generate Video produced ${items.length} items`);
				assert(
					sim.creates.length === before + 3,
					`simulator saw ${sim.creates.length - before} creates, expected 3`,
				);
				const driveFiles = fs
					.readdirSync(outDir)
					.filter((f) => f.startsWith('upload-to-google-drive'));
				assert(
					!driveFiles.length,
					`the disabled Google Drive branch wrote ${driveFiles.join(', ')}`,
				);
				const written = nodeItems(parsed, 'Upload to S3');
				assert(
					written && written.length === 3,
					`disk write (S3 stand-in) got ${written && written.length} items`,
				);
				for (const it of items) {
					checkStoredVideo(sim, userFolder, it, 'data', 'Generate Video');
					const id = String(it.json.id);
					const file = path.join(outDir, `upload-to-s3--${id}.mp4`);
					assert(fs.existsSync(file), `stand-in did not write ${file}`);
					assert(
						sha256(fs.readFileSync(file)) === sim.videoSha256(id),
						`${file} differs from the simulator's video`,
					);
				}
				return `3 jobs, 3 files in ${relFolder(userFolder, outDir)}/ match`;
			},
		);

		// ---- 7-9: started n8n: webhook example, node types, then poll-and-deliver
		let jobIds: string[] = [];
		const hookId = EXAMPLE_IDS['webhook-create-job.json'];
		const pollId = EXAMPLE_IDS['poll-and-deliver.json'];
		await stage(V, 'publish:workflow x2', async () => {
			await mustN8n('publish webhook', ['publish:workflow', `--id=${hookId}`]);
			await mustN8n('publish poll-and-deliver', ['publish:workflow', `--id=${pollId}`]);
		});
		let server: RunningN8n | null = null;
		try {
			const n8nServer = await stage(V, 'n8n start -> ready', () =>
				startN8n(install, { userFolder, env: baseEnv }),
			);
			server = n8nServer;
			say(`      n8n listening on ${n8nServer.url} (ready after ${fmt(n8nServer.readyMs)})`);

			await testCase(
				V,
				`example webhook-create-job: ${WEBHOOK_BURST} concurrent POSTs -> distinct job ids`,
				async () => {
					const hookUrl = `${n8nServer.url}/webhook/comet-video`;
					// Wait until the POST webhook is registered (2.41 registers it just after "ready"):
					// a GET then says "not registered for GET ... Did you mean POST".
					const t0 = Date.now();
					for (;;) {
						const g = await request(hookUrl, { method: 'GET' });
						const text = await g.body.text();
						if (g.statusCode !== 404 || /POST/.test(text)) break;
						if (Date.now() - t0 > 30000) throw new Error(`webhook never registered: ${text}`);
						await new Promise((res) => setTimeout(res, 200));
					}
					const before = sim.creates.length;
					const answers = await stage(V, `webhook burst x${WEBHOOK_BURST}`, () =>
						Promise.all(
							Array.from({ length: WEBHOOK_BURST }, async (_, i) => {
								const res = await request(hookUrl, {
									method: 'POST',
									headers: { 'content-type': 'application/json' },
									body: JSON.stringify({ prompt: `Webhook job ${i + 1}: a lighthouse in a storm` }),
								});
								const text = await res.body.text();
								let body;
								try {
									body = JSON.parse(text);
								} catch {
									body = text;
								}
								return { status: res.statusCode, body };
							}),
						),
					);
					for (const a of answers)
						assert(
							a.status === 202,
							`webhook answered ${a.status}: ${JSON.stringify(a.body)}\n--- n8n log ---\n${tail(n8nServer.logs(), 25)}`,
						);
					const ids = answers.map((a) => a.body && a.body.id);
					assert(
						ids.every((id) => typeof id === 'string' && id.startsWith('task_')),
						`answers without job ids: ${JSON.stringify(answers)}`,
					);
					assert(new Set(ids).size === WEBHOOK_BURST, `job ids not distinct: ${ids.join(', ')}`);
					const made = sim.creates.slice(before);
					assert(
						made.length === WEBHOOK_BURST,
						`simulator saw ${made.length} creates, expected ${WEBHOOK_BURST}`,
					);
					assert(
						ids.every((id) => made.some((c) => c.id === id)),
						'answered ids are not the created jobs',
					);
					const prompts = new Set(made.map((c) => c.prompt));
					assert(prompts.size === WEBHOOK_BURST, 'each request should carry its own prompt');
					jobIds = ids;
					return ids.join(', ');
				},
			);

			await testCase(
				V,
				"credential types: cometVideoApi (with Base URL) and the chat package's cometApi, one each",
				async () => {
					const typesFile = path.join(
						userFolder,
						'.cache',
						'n8n',
						'public',
						'types',
						'credentials.json',
					);
					const types = readJson<CredentialTypeEntry[]>(typesFile);
					const fieldsOf = (name: string): string[][] =>
						types.filter((t) => t.name === name).map((t) => t.properties.map((p) => p.name));
					const ours = fieldsOf('cometVideoApi');
					const chat = fieldsOf('cometApi');
					assert(
						ours.length === 1 && chat.length === 1,
						`cometVideoApi x${ours.length}, cometApi x${chat.length}`,
					);
					assert(
						['apiKey', 'baseUrl', 'allowHttp'].every((f) => ours[0].includes(f)),
						`cometVideoApi fields: ${ours[0].join(', ')}`,
					);
					assert(!chat[0].includes('baseUrl'), `cometApi fields: ${chat[0].join(', ')}`);
					return `cometVideoApi: ${ours[0].join(', ')}; cometApi: ${chat[0].join(', ')}`;
				},
			);

			await testCase(
				V,
				'example ai-agent-tool: imported, node + tool type recognised by n8n',
				async () => {
					const typesFile = path.join(userFolder, '.cache', 'n8n', 'public', 'types', 'nodes.json');
					assert(fs.existsSync(typesFile), `n8n wrote no ${typesFile}`);
					const types = readJson<NodeTypeEntry[]>(typesFile);
					const names = new Set(types.map((t) => t.name));
					assert(names.has(NODE_TYPE), `${NODE_TYPE} is not among n8n's ${names.size} node types`);
					assert(names.has(TOOL_TYPE), `${TOOL_TYPE} (usableAsTool) is not among n8n's node types`);
					// Outputs are a list of connection types, or an expression that computes it.
					const toolOutputs = types.find((t) => t.name === TOOL_TYPE)?.outputs;
					assert(
						JSON.stringify(toolOutputs ?? []).includes('ai_tool'),
						`tool outputs ${JSON.stringify(toolOutputs)}`,
					);
					// The imported example (from the export above) uses exactly these types.
					const wf = readJson<Workflow[]>(path.join(userFolder, 'export.json')).find(
						(w) => w.id === EXAMPLE_IDS['ai-agent-tool.json'],
					);
					assert(wf, 'ai-agent-tool example not imported');
					const missing = wf.nodes.filter((n) => !names.has(n.type)).map((n) => n.type);
					assert(!missing.length, `unknown node types in the example: ${missing.join(', ')}`);
					const toolNode = wf.nodes.find((n) => n.type === TOOL_TYPE);
					assert(
						toolNode && toolNode.credentials?.cometVideoApi.id === CRED_ID,
						'tool node lacks the resolved credential',
					);
					assert(wf.connections[toolNode.name].ai_tool, 'tool node is not connected as ai_tool');
					return `${wf.nodes.length} nodes, all ${wf.nodes.length} types known (${TOOL_TYPE})`;
				},
			);
		} catch (e) {
			if (!server) {
				await testCase(V, 'n8n start', async () => {
					throw e;
				});
			} else throw e;
		} finally {
			const started = server;
			if (started) await stage(V, 'n8n stop', () => started.stop());
		}

		await testCase(
			V,
			'example poll-and-deliver (sub-workflow, Slack -> disk) for a webhook job',
			async () => {
				assert(jobIds.length, 'no job id from the webhook case');
				const id = jobIds[0];
				const r = await stage(V, 'execute poll-and-deliver', () =>
					execute('e2eCometCall0001', { E2E_VIDEO_ID: id }),
				);
				assert(r.code === 0, `execute exited ${r.code}:\n${tailOf(r)}`);
				const parsed = parseExecuteOutput(r.stdout);
				const out = nodeOutput(parsed, 'Poll and Deliver');
				assert(out && out.length === 1, `sub-workflow returned ${JSON.stringify(out)}`);
				assert(out[0].id === id, `sub-workflow delivered ${out[0].id}, expected ${id}`);
				const file = path.join(outDir, `send-to-slack--${id}.mp4`);
				assert(fs.existsSync(file), `Slack stand-in wrote no ${file}`);
				assert(
					sha256(fs.readFileSync(file)) === sim.videoSha256(id),
					`${file} differs from the simulator's video`,
				);
				const retrieves = sim.requests.filter(
					(q) => q.route === 'retrieve' && q.path.endsWith(id),
				).length;
				const contents = sim.requests.filter(
					(q) => q.route === 'content' && q.path.includes(id),
				).length;
				assert(contents >= 1, 'the simulator served no content for the job');
				return `${id}: ${retrieves} retrieve(s), ${contents} download(s), ${path.basename(file)} matches`;
			},
		);

		await testCase(
			V,
			'example poll-and-deliver for a failed job -> Stop and Error names job and reason',
			async () => {
				const jobId = failedJobId;
				assert(jobId, 'no failed job id from the continue-on-fail case');
				const r = await stage(V, 'execute poll-and-deliver (failed job)', () =>
					execute('e2eCometCall0001', { E2E_VIDEO_ID: jobId }),
				);
				assert(r.code !== 0, `execute exited 0 for a failed job:\n${tail(r.stdout, 30)}`);
				const parsed = parseExecuteOutput(r.stdout);
				const err = parsed.data.resultData.error;
				const msg = err && err.message;
				assert(
					msg && msg.includes(jobId) && /status failed/.test(msg) && /safety system/.test(msg),
					`unexpected error: ${msg}`,
				);
				const files = fs.readdirSync(outDir).filter((f) => f.includes(jobId));
				assert(!files.length, `a failed job was delivered: ${files.join(', ')}`);
				return `"${msg}"`;
			},
		);
	} finally {
		if (process.env.E2E_KEEP) say(`  kept ${userFolder}`);
		else fs.rmSync(userFolder, { recursive: true, force: true });
	}
}

// ---------------------------------------------------------------- main

function printTimings(totalMs: number): void {
	const versions = [...new Set(stages.map((s) => s.version))];
	const names = [...new Set(stages.map((s) => s.name))];
	const w0 = Math.max(...names.map((n) => n.length), 10);
	const cols = versions.map((v) => Math.max(v.length, 9));
	say('\nStage timings');
	say(`${'stage'.padEnd(w0)}  ${versions.map((v, i) => v.padStart(cols[i])).join('  ')}`);
	say(`${'-'.repeat(w0)}  ${cols.map((c) => '-'.repeat(c)).join('  ')}`);
	for (const n of names) {
		const cells = versions.map((v, i) => {
			const hits = stages.filter((s) => s.version === v && s.name === n);
			return (hits.length ? fmt(hits.reduce((a, s) => a + s.ms, 0)) : '-').padStart(cols[i]);
		});
		say(`${n.padEnd(w0)}  ${cells.join('  ')}`);
	}
	const perVersion = versions.map((v, i) =>
		fmt(
			stages.filter((s) => s.version === v && s.name !== 'total').reduce((a, s) => a + s.ms, 0),
		).padStart(cols[i]),
	);
	say(`${'(sum of stages)'.padEnd(w0)}  ${perVersion.join('  ')}`);
	say(`total runtime: ${fmt(totalMs)}`);
}

async function main(): Promise<void> {
	const t0 = Date.now();
	const versions = parseVersions();
	say(
		`e2e: ${PKG.name}@${PKG.version} against n8n ${versions.map((v) => `${v.version} (Node ${v.node})`).join(', ')}`,
	);
	const packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-e2e-pack-'));
	const sim = await startSimulator({ jobDurationMs: 3000, videoBytes: 300 * 1024 + 7 });
	const chatHost = await startSimulator({ apiKey: CHAT_HOST_KEY });
	say(`simulator: ${sim.url} (key ${sim.apiKey}); chat fixture's host: ${chatHost.url}`);
	try {
		let packed: Packed | undefined;
		await testCase('-', 'npm pack (built dist/, chat fixture)', async () => {
			const p = await stage('all', 'npm pack', () => packPackage(packDir));
			const chat = await packDirectory(CHAT_FIXTURE_DIR, packDir);
			packed = { tgz: p.tgz, chatFixtureTgz: chat.tgz };
			return `${path.basename(p.tgz)}, ${p.size} bytes, ${p.files} files; ${path.basename(chat.tgz)}`;
		});
		if (packed !== undefined) {
			for (const v of versions) await runVersion(v, sim, chatHost, packed);
		}
	} finally {
		await sim.close();
		await chatHost.close();
		fs.rmSync(packDir, { recursive: true, force: true });
	}
	printTimings(Date.now() - t0);
	const ran = new Set(
		results.filter((r) => r.status !== 'SKIP' && r.version !== '-').map((r) => r.version),
	);
	if (!ran.size) {
		results.push({
			version: '-',
			name: 'at least one n8n version ran',
			status: 'FAIL',
			ms: 0,
			detail: 'every version was skipped',
		});
		say('FAIL  no n8n version could be run: nothing was proven');
	}
	const passed = results.filter((r) => r.status === 'PASS').length;
	const failed = results.filter((r) => r.status === 'FAIL').length;
	const skipped = results.filter((r) => r.status === 'SKIP');
	say('\nSummary');
	for (const r of results) say(`  ${r.status.padEnd(4)}  [${r.version}] ${r.name}`);
	if (skipped.length)
		say(
			`${skipped.length} skipped: ${skipped.map((s) => `[${s.version}] ${s.detail}`).join('; ')}`,
		);
	say(`${passed} passed, ${failed} failed`);
	process.exitCode = failed ? 1 : 0;
}

main().catch((e: Error) => {
	process.stderr.write(`${e.stack || e}\n`);
	say('0 passed, 1 failed');
	process.exit(1);
});
