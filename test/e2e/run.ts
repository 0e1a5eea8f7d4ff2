/*
 * End-to-end suite: the packed package inside real n8n releases.
 *
 *   npm run test:e2e                         build, then every case on every version
 *   npm run test:e2e -- --only text-to-video one case alone
 *
 * Per n8n version (E2E_VERSIONS, default "2.8.4:20,2.41.1:24", i.e. version:Node major): the
 * cached install (tools/n8n), the `npm pack` tarball installed into $N8N_USER_FOLDER/.n8n/nodes
 * as n8n's community-nodes screen does, beside it a stand-in for CometAPI's chat package
 * (test/e2e/fixtures, its own `cometApi` credential), the credentials and every workflow of
 * test/e2e/workflows and examples/ imported (see context.ts). Each case below is one function;
 * add one by writing a workflow under test/e2e/workflows/ (with a fixed id) and a case here.
 *
 * E2E_KEEP=1 keeps the user folders.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { NODE_TYPE, PKG, TOOL_TYPE } from '../../tools/constants';
import { packDirectory, packPackage } from '../../tools/n8n/package-install';
import { nodeOutput, parseExecuteOutput } from '../../tools/n8n/install-n8n';
import { readJson, sha256 } from '../../tools/files';
import { tail } from '../../tools/process';
import { createJob } from '../../tools/simulator-access';
import { startSimulator, type Simulator, type StatusWords } from '../../tools/simulator';
import { spellStatus } from '../../tools/simulator/jobs';
import { assert, defineCase, runSuite, say } from '../../tools/suite';
import {
	CHAT_FIXTURE_DIR,
	CRED_ID,
	EXAMPLE_IDS,
	checkStoredVideo,
	checkWrittenVideo,
	e2eContext,
	nodeItems,
	type E2eContext,
	type Workflow,
} from './context';
import { callbackWait } from './callback-wait';
import { cost } from './cost';
import { ownRoutes } from './own-routes';
import {
	retryCreate500,
	retryRefusedAndCreated,
	retryRefusedAndCreatedContinue,
} from './retry-on-fail';

const WEBHOOK_BURST = 4;

/** Every workflow as n8n holds it after the import. */
async function exported(c: E2eContext): Promise<Workflow[]> {
	const file = path.join(c.userFolder, 'export.json');
	await c.n8n(['export:workflow', '--all', `--output=${file}`]);
	return readJson<Workflow[]>(file);
}

/** A simulator's requests since index `from`, one line each, naming whose key they carried. */
function describeRequests(host: Simulator, from: number, owners: Record<string, string>): string {
	return host.requests
		.slice(from)
		.map((q) => {
			const key = /^Bearer\s+(.+)$/i.exec(q.headers.authorization ?? '')?.[1] ?? '';
			return `${q.method} ${q.path} (${owners[key] ?? 'no known key'}) -> ${q.status}`;
		})
		.join('; ');
}

const importResolved = defineCase<E2eContext>(
	'import',
	'credential and workflows imported; the credential is resolved by name in every Comet node',
	async (c) => {
		const workflows = await exported(c);
		assert(
			workflows.length === c.workflows.size,
			`exported ${workflows.length}, imported ${c.workflows.size}`,
		);
		const unresolved = workflows.flatMap((w) =>
			w.nodes
				.filter((n) => n.credentials?.cometVideoApi && n.credentials.cometVideoApi.id !== CRED_ID)
				.map((n) => `${w.name} / ${n.name}: ${JSON.stringify(n.credentials?.cometVideoApi)}`),
		);
		assert(
			!unresolved.length,
			`credential "CometAPI" not resolved by name:\n${unresolved.join('\n')}`,
		);
		return `${workflows.length} workflows`;
	},
);

const textToVideo = defineCase<E2eContext>(
	'text-to-video',
	'create + wait + download, MP4 stored in filesystem mode',
	async (c) => {
		const before = c.sim.creates.length;
		const items = nodeItems(await c.executeOk('e2eCometText0001'), 'Comet Video');
		assert(items.length === 1, `expected 1 item, got ${items.length}`);
		const { json } = items[0];
		assert(json.status === 'completed', `status ${json.status}`);
		assert(
			c.sim.creates.length === before + 1,
			`simulator saw ${c.sim.creates.length - before} creates`,
		);
		const create = c.sim.creates[c.sim.creates.length - 1];
		assert(
			create.id === json.id &&
				create.fields.model === 'veo3.1-fast' &&
				create.fields.seconds === '8',
			`create fields: ${JSON.stringify(create.fields)}`,
		);
		const { file, size } = checkStoredVideo(c, items[0], 'video');
		return `${json.id}, ${size} bytes at ${file}`;
	},
);

const coInstall = defineCase<E2eContext>(
	'co-install',
	'beside the chat package: both nodes run, each with its own credential; Comet Video keeps its Base URL',
	async (c) => {
		const { sim, chatHost } = c;
		const [videoFrom, chatFrom] = [sim.requests.length, chatHost.requests.length];
		const parsed = await c.executeOk('e2eCoInstall0001', { E2E_CHAT_URL: chatHost.url });
		const chat = nodeItems(parsed, 'CometAPI Chat Fixture');
		const models = (chat[0]?.json.response as { data?: unknown[] } | undefined)?.data;
		assert(chat.length === 1 && models?.length, `chat fixture output: ${JSON.stringify(chat)}`);
		const video = nodeItems(parsed, 'Comet Video');
		assert(
			video.length === 1 && video[0].json.status === 'completed',
			`Comet Video: ${JSON.stringify(video)}`,
		);
		checkStoredVideo(c, video[0], 'video');
		const owners = {
			[sim.apiKey]: 'key of the cometVideoApi credential',
			[chatHost.apiKey]: 'key of the cometApi credential',
		};
		const videoCalls = describeRequests(sim, videoFrom, owners);
		const chatCalls = describeRequests(chatHost, chatFrom, owners);
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
		return `Comet Video -> ${sim.url} (its Base URL): ${videoCalls}\nCometAPI Chat Fixture -> ${chatHost.url}: ${chatCalls}`;
	},
);

const imageToVideo = defineCase<E2eContext>(
	'image-to-video',
	'PNG binary from Convert to File reaches the API',
	async (c) => {
		const code = c.workflows
			.get('e2eCometImage001')
			?.nodes.find((n) => n.type === 'n8n-nodes-base.code');
		const pngBase64 = /png: '([^']+)'/.exec(String(code?.parameters.jsCode))?.[1];
		assert(pngBase64, 'image-to-video.json has no Code node with a base64 PNG');
		const png = Buffer.from(pngBase64, 'base64');
		const items = nodeItems(await c.executeOk('e2eCometImage001'), 'Comet Video');
		assert(items.length === 1, `expected 1 item, got ${items.length}`);
		const create = c.sim.creates.find((x) => x.id === items[0].json.id);
		assert(create?.files.length === 1, `simulator create: ${JSON.stringify(create?.files)}`);
		const [f] = create.files;
		assert(
			f.fieldName === 'input_reference' && f.mimeType === 'image/png',
			`file ${f.fieldName} ${f.mimeType}`,
		);
		assert(
			f.size === png.length && f.sha256 === sha256(png),
			`image bytes differ: ${f.size} bytes ${f.sha256}`,
		);
		assert(
			create.fields.model === 'veo3.1-fast' && create.fields.size === '720x1280',
			`fields ${JSON.stringify(create.fields)}`,
		);
		checkStoredVideo(c, items[0], 'data');
		return `${create.id}: ${f.fileName} ${f.size} bytes, sha256 matches`;
	},
);

const retrieveLoop = defineCase<E2eContext>(
	'retrieve-loop',
	'create (no wait) -> Wait -> Retrieve -> If loop -> Download',
	async (c) => {
		const parsed = await c.executeOk('e2eCometLoop0001');
		const created = nodeItems(parsed, 'Create Job')[0]?.json ?? {};
		assert(
			['queued', 'in_progress'].includes(String(created.status)),
			`Create returned status ${created.status} (expected an unfinished job)`,
		);
		const retrieves = parsed.data.resultData.runData.Retrieve?.length ?? 0;
		assert(retrieves >= 2, `Retrieve ran ${retrieves} time(s); the loop never looped`);
		const [item] = nodeItems(parsed, 'Download');
		assert(item?.json.id === created.id, `downloaded ${item?.json.id}, created ${created.id}`);
		checkStoredVideo(c, item, 'data');
		return `${created.id}: ${retrieves} Retrieve runs, then Download`;
	},
);

const failedJob = defineCase<E2eContext>(
	'failed-job',
	'failed job ([fail]) without continue on fail -> execution fails with our message',
	async (c) => {
		const r = await c.execute('e2eCometFailS001');
		assert(r.code !== 0, `execute exited 0 for a failed job:\n${tail(r.stdout, 30)}`);
		const parsed = parseExecuteOutput(r.stdout);
		const message = parsed.data.resultData.error?.message ?? '';
		const m = /^Video job (task_\S+) ended with status "failed": (.+)$/.exec(message);
		assert(m, `unexpected message: ${message}`);
		assert(/safety system/.test(m[2]), `reason not passed on: ${m[2]}`);
		assert(c.sim.jobs.has(m[1]), `id ${m[1]} is not a simulator job`);
		assert(parsed.status === 'error', `execution status ${parsed.status}`);
		assert(parsed.data.resultData.lastNodeExecuted === 'Comet Video', 'another node failed');
		return `"${message}"`;
	},
);

const scheduleExample = defineCase<E2eContext>(
	'schedule-example',
	'example schedule-prompts-to-storage (S3 -> disk): every MP4 saved',
	async (c) => {
		const before = c.sim.creates.length;
		const parsed = await c.executeOk(EXAMPLE_IDS.schedule);
		const items = nodeItems(parsed, 'Generate Video');
		assert(items.length === 3, `Generate Video produced ${items.length} items`);
		assert(
			c.sim.creates.length === before + 3,
			`simulator saw ${c.sim.creates.length - before} creates`,
		);
		const drive = fs.readdirSync(c.outDir).filter((f) => f.startsWith('upload-to-google-drive'));
		assert(!drive.length, `the disabled Google Drive branch wrote ${drive.join(', ')}`);
		assert(nodeItems(parsed, 'Upload to S3').length === 3, 'the S3 stand-in did not get 3 items');
		for (const item of items) {
			checkStoredVideo(c, item, 'data');
			checkWrittenVideo(c, `upload-to-s3--${item.json.id}.mp4`, String(item.json.id));
		}
		return '3 jobs, 3 written files match';
	},
);

const pollAndDeliver = defineCase<E2eContext>(
	'poll-and-deliver',
	'example poll-and-deliver (sub-workflow, Slack -> disk) delivers a job',
	async (c) => {
		await c.activated();
		const { id } = await createJob(c.sim, { prompt: 'A job for poll-and-deliver' });
		const parsed = await c.executeOk('e2eCometCall0001', { E2E_VIDEO_ID: id });
		const out = nodeOutput(parsed, 'Poll and Deliver');
		assert(out?.length === 1 && out[0].id === id, `sub-workflow returned ${JSON.stringify(out)}`);
		checkWrittenVideo(c, `send-to-slack--${id}.mp4`, id);
		const downloads = c.sim.requests.filter((q) => q.route === 'content' && q.path.includes(id));
		assert(downloads.length >= 1, 'the simulator served no content for the job');
		return `${id}: send-to-slack--${id}.mp4 matches`;
	},
);

const pollAndDeliverFailed = defineCase<E2eContext>(
	'poll-and-deliver-failed',
	'example poll-and-deliver for a failed job -> Stop and Error names job and reason',
	async (c) => {
		await c.activated();
		const { id } = await createJob(c.sim, { prompt: '[fail] A prompt the provider will refuse' });
		const r = await c.execute('e2eCometCall0001', { E2E_VIDEO_ID: id });
		assert(r.code !== 0, `execute exited 0 for a failed job:\n${tail(r.stdout, 30)}`);
		const message = parseExecuteOutput(r.stdout).data.resultData.error?.message ?? '';
		assert(
			message.includes(id) && /status failed/.test(message) && /safety system/.test(message),
			`unexpected error: ${message}`,
		);
		const files = fs.readdirSync(c.outDir).filter((f) => f.includes(id));
		assert(!files.length, `a failed job was delivered: ${files.join(', ')}`);
		return `"${message}"`;
	},
);

const webhookBurst = defineCase<E2eContext>(
	'webhook',
	`example webhook-create-job: ${WEBHOOK_BURST} concurrent POSTs -> distinct job ids`,
	async (c) => {
		const server = await c.server();
		const before = c.sim.creates.length;
		const answers = await Promise.all(
			Array.from({ length: WEBHOOK_BURST }, async (_, i) => {
				const res = await server.callWebhook('comet-video', {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({ prompt: `Webhook job ${i + 1}: a lighthouse in a storm` }),
				});
				return {
					status: res.status,
					body: (await res.json().catch(() => ({}))) as { id?: string },
				};
			}),
		);
		const bad = answers.filter((a) => a.status !== 202);
		assert(
			!bad.length,
			`webhook answered ${JSON.stringify(bad)}\n--- n8n log ---\n${tail(server.logs(), 25)}`,
		);
		const ids = answers.map((a) => String(a.body.id));
		assert(
			ids.every((id) => id.startsWith('task_')),
			`answers without job ids: ${JSON.stringify(answers)}`,
		);
		assert(new Set(ids).size === WEBHOOK_BURST, `job ids not distinct: ${ids.join(', ')}`);
		const made = c.sim.creates.slice(before);
		assert(made.length === WEBHOOK_BURST, `simulator saw ${made.length} creates`);
		assert(
			ids.every((id) => made.some((m) => m.id === id)),
			'answered ids are not the created jobs',
		);
		assert(
			new Set(made.map((m) => m.prompt)).size === WEBHOOK_BURST,
			'each request carries its own prompt',
		);
		return ids.join(', ');
	},
);

/** The families run: each node's model, and the fields it sets away from the family's defaults. */
const FAMILY_NODES = ['Veo', 'Seedance', 'Wan', 'Vidu', 'HappyHorse', 'Omni', 'Sora'];
const RETIRED_UPSTREAM = new Set(['Sora']);
// The older pages' spellings (SUBMITTED, IN_PROGRESS, SUCCESS): the node reads statuses without case.
const FAMILY_RUN_WORDS: StatusWords = 'legacy';

/** The routes tried for the job's file and how they answered, from the simulator's per-host log. */
function deliveryRoute(sim: Simulator, id: string, from: number): string {
	const served = sim
		.requestLog()
		.slice(from)
		.filter((q) => q.path.includes(id) && (q.host === 'storage' || q.path.endsWith('/content')))
		.map((q) => {
			const route = q.host === 'storage' ? 'link (storage host)' : '/content (API host)';
			return q.status === 200 ? route : `${route} answered ${q.status}`;
		});
	return [...new Set(served)].join(' + ') || 'none';
}

/** The status words the simulator answered to the job's retrieves, in order, once each. */
function statusWordsSeen(sim: Simulator, id: string): string[] {
	const job = sim.jobs.get(id);
	if (!job) return [];
	const words = sim.requests
		.filter((q) => q.route === 'retrieve' && q.path.endsWith(`/${id}`))
		.map((q) => spellStatus(job.state(q.at).status, FAMILY_RUN_WORDS));
	return words.filter((w, i) => w !== words[i - 1]);
}

function table(header: string[], rows: string[][]): string {
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
	const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ');
	return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

const families = defineCase<E2eContext>(
	'families',
	`one real job per model family (${FAMILY_NODES.join(', ')}), own fields set, ${FAMILY_RUN_WORDS} status words: fields sent, route, bytes`,
	async (c) => {
		const workflow = c.workflows.get('e2eFamilies00001');
		const from = c.sim.requestLog().length;
		c.sim.configure({ statusWords: FAMILY_RUN_WORDS });
		const parsed = await c
			.executeOk('e2eFamilies00001')
			.finally(() => c.sim.configure({ statusWords: 'current' }));
		const problems: string[] = [];
		const rows = FAMILY_NODES.map((name) => {
			const params = workflow?.nodes.find((n) => n.name === name)?.parameters ?? {};
			const model = String((params.model as { value?: string }).value);
			const [item] = nodeItems(parsed, name);
			const id = String(item?.json.id ?? '');
			const create = c.sim.creates.find((x) => x.id === id);
			const sent = Object.entries(create?.fields ?? {})
				.filter(([field]) => !['model', 'prompt'].includes(field))
				.map(([field, value]) => `${field}=${value}`);
			// The form's values as the API names them (aspectRatio -> aspect_ratio).
			const expected = ['size', 'seconds', 'aspectRatio', 'resolution']
				.filter((field) => params[field] !== undefined)
				.map(
					(field) => `${field.replace(/[A-Z]/g, (l) => `_${l.toLowerCase()}`)}=${params[field]}`,
				);
			let bytes = 'none';
			try {
				if (item?.json.error) throw new Error(String(item.json.error));
				assert(create, `no create for ${model} (output ${JSON.stringify(item?.json)})`);
				assert(
					create.fields.model === model && sent.sort().join() === expected.sort().join(),
					`${name}: sent ${sent.join(', ')}, the form set ${expected.join(', ')}`,
				);
				bytes = String(checkStoredVideo(c, item, 'video').size);
			} catch (error) {
				problems.push(`${name} (${model}): ${(error as Error).message}`);
			}
			return [
				RETIRED_UPSTREAM.has(name) ? `${name} (retired upstream)` : name,
				model,
				sent.join(' ') || 'none',
				statusWordsSeen(c.sim, id).join(' > ') || 'none',
				id ? deliveryRoute(c.sim, id, from) : 'no job',
				bytes,
			];
		});
		const printed = table(
			['family', 'model id', 'fields sent', 'status words seen', 'delivery route', 'bytes stored'],
			rows,
		);
		say(printed);
		assert(!problems.length, problems.join('\n'));
		return `${rows.length} families, every file stored`;
	},
);

const linkOnly = defineCase<E2eContext>(
	'link-only',
	'a Seedance job (no /content) downloaded by its link; the key goes to the API host only',
	async (c) => {
		const from = c.sim.requestLog().length;
		const r = await c.execute('e2eLinkOnly00001');
		const log = c.sim.requestLog().slice(from);
		const lines = (host: 'api' | 'storage') =>
			log
				.filter((q) => q.host === host)
				.map((q) => {
					const key = JSON.stringify(q.headers).includes(c.sim.apiKey) ? 'key' : 'no key';
					return `  ${q.method} ${q.path} -> ${q.status} (${key})`;
				});
		const hosts = c.sim.hostsThatSaw();
		const printed = [
			`API host ${c.sim.url}:`,
			...lines('api'),
			`link host ${c.sim.fileOrigin}:`,
			...(lines('storage').length ? lines('storage') : ['  (no request)']),
			`the key went to: ${hosts.join(', ') || 'no host'}`,
		].join('\n');
		say(printed);
		const parsed = parseExecuteOutput(r.stdout);
		assert(r.code === 0, `execute exited ${r.code}: ${parsed.data.resultData.error?.message}`);
		const [item] = nodeItems(parsed, 'Comet Video');
		const { size } = checkStoredVideo(c, item, 'video');
		const fetched = log.filter((q) => q.host === 'storage' && q.status === 200);
		assert(fetched.length >= 1, 'the link host served nothing');
		assert(hosts.length === 1 && hosts[0] === 'api', `the key reached: ${hosts.join(', ')}`);
		return `${item.json.id}: ${size} bytes from the link, key only on the API host`;
	},
);

/** n8n's lists of known types, written by `n8n start` under .cache/n8n/public/types. */
async function knownTypes<T>(c: E2eContext, file: 'nodes' | 'credentials'): Promise<T[]> {
	await c.server();
	return readJson<T[]>(path.join(c.userFolder, '.cache', 'n8n', 'public', 'types', `${file}.json`));
}

const credentialTypes = defineCase<E2eContext>(
	'credential-types',
	"credential types: cometVideoApi (with Base URL) and the chat package's cometApi, one each",
	async (c) => {
		const types = await knownTypes<{ name: string; properties: { name: string }[] }>(
			c,
			'credentials',
		);
		const fieldsOf = (name: string) =>
			types.filter((t) => t.name === name).map((t) => t.properties.map((p) => p.name));
		const [ours, chat] = [fieldsOf('cometVideoApi'), fieldsOf('cometApi')];
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

const aiAgentTool = defineCase<E2eContext>(
	'ai-agent-tool',
	'example ai-agent-tool: imported, node + tool type recognised by n8n',
	async (c) => {
		const types = await knownTypes<{ name: string; outputs?: unknown }>(c, 'nodes');
		const names = new Set(types.map((t) => t.name));
		assert(
			names.has(NODE_TYPE) && names.has(TOOL_TYPE),
			`${NODE_TYPE} or ${TOOL_TYPE} unknown to n8n`,
		);
		// Outputs are a list of connection types, or an expression that computes it.
		const toolOutputs = types.find((t) => t.name === TOOL_TYPE)?.outputs;
		assert(
			JSON.stringify(toolOutputs ?? []).includes('ai_tool'),
			`tool outputs ${JSON.stringify(toolOutputs)}`,
		);
		const wf = (await exported(c)).find((w) => w.id === EXAMPLE_IDS.aiAgentTool);
		assert(wf, 'ai-agent-tool example not imported');
		const missing = wf.nodes.filter((n) => !names.has(n.type)).map((n) => n.type);
		assert(!missing.length, `unknown node types in the example: ${missing.join(', ')}`);
		const tool = wf.nodes.find((n) => n.type === TOOL_TYPE);
		assert(
			tool?.credentials?.cometVideoApi.id === CRED_ID,
			'tool node lacks the resolved credential',
		);
		assert(wf.connections[tool.name].ai_tool, 'tool node is not connected as ai_tool');
		return `${wf.nodes.length} nodes, all types known`;
	},
);

/** In this order: `n8n execute` cases, those needing a started n8n, then sub-workflow cases (n8n stopped). */
const CASES = [
	importResolved,
	textToVideo,
	retryCreate500,
	retryRefusedAndCreated,
	retryRefusedAndCreatedContinue,
	coInstall,
	imageToVideo,
	retrieveLoop,
	failedJob,
	families,
	ownRoutes,
	linkOnly,
	cost,
	scheduleExample,
	webhookBurst,
	callbackWait,
	credentialTypes,
	aiAgentTool,
	pollAndDeliver,
	pollAndDeliverFailed,
];

function versions(): { version: string; node: number }[] {
	const known: Record<string, number> = { '2.8.4': 20, '2.41.1': 24 };
	return (process.env.E2E_VERSIONS || '2.8.4:20,2.41.1:24').split(',').map((spec) => {
		const [version, node] = spec.trim().split(':');
		return { version, node: Number(node || known[version] || 20) };
	});
}

runSuite('test:e2e', async (suite) => {
	suite.select(CASES);
	const packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-e2e-pack-'));
	const sim = await startSimulator({ jobDurationMs: 3000, videoBytes: 300 * 1024 + 7 });
	const chatHost = await startSimulator({ apiKey: 'sk-chat-fixture-key' });
	try {
		const ours = await packPackage(packDir);
		const chatFixture = await packDirectory(CHAT_FIXTURE_DIR, packDir);
		say(
			`test:e2e: ${PKG.name}@${PKG.version} (${ours.size} bytes, ${ours.files} files); simulator ${sim.url}`,
		);
		for (const v of versions())
			await suite.group(
				{
					label: `n8n ${v.version}`,
					context: () =>
						e2eContext(v, sim, chatHost, { ours: ours.tgz, chatFixture: chatFixture.tgz }),
				},
				CASES,
			);
	} finally {
		await Promise.all([sim.close(), chatHost.close()]);
		fs.rmSync(packDir, { recursive: true, force: true });
	}
});
