/**
 * Self-test of the workflow harness with a stand-in node (fixtures/): proves that real
 * executions get decrypted credentials, authenticated real HTTP, real binary storage in
 * both modes, error surfacing and cancellation.
 */

import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { NodeApiError, NodeOperationError, type INodeParameters } from 'n8n-workflow';

import {
	cleanup,
	credentialRef,
	getStorageDir,
	runWorkflow,
	type BinaryMode,
	type RunWorkflowOptions,
} from '../../tools/harness';
import { HarnessTest } from '../../tools/harness/fixtures/HarnessTest.node';
import { HarnessTestApi } from '../../tools/harness/fixtures/HarnessTestApi.credentials';
import { NODE_TYPE } from '../../tools/constants';

const API_KEY = 'sk-harness-0123456789abcdef';
const VIDEO = Buffer.alloc(256 * 1024, 0).map((_, i) => (i * 31) % 251); // deterministic bytes
let server: http.Server;
let baseUrl: string;
const requests: { url?: string; authorization?: string }[] = [];
// Set by the streaming test: the server holds back the 2nd half until this resolves.
let releaseSecondHalf: (() => Promise<void>) | undefined;

function listFiles(dir: string): string[] {
	if (!fs.existsSync(dir)) return [];
	return fs
		.readdirSync(dir, { recursive: true, withFileTypes: true })
		.filter((e) => e.isFile() && !e.name.endsWith('.metadata'))
		.map((e) => path.join(e.parentPath ?? e.path, e.name));
}

beforeAll(async () => {
	server = http.createServer(async (req, res) => {
		requests.push({ url: req.url, authorization: req.headers.authorization });
		if (req.url === '/echo') {
			res.setHeader('content-type', 'application/json');
			res.end(JSON.stringify({ ok: true }));
		} else if (req.url === '/video') {
			res.setHeader('content-type', 'video/mp4');
			res.write(VIDEO.subarray(0, VIDEO.length / 2));
			if (releaseSecondHalf) await releaseSecondHalf();
			res.end(VIDEO.subarray(VIDEO.length / 2));
		} else if (req.url === '/boom') {
			res.statusCode = 500;
			res.setHeader('content-type', 'application/json');
			res.end(JSON.stringify({ error: { message: 'upstream exploded' } }));
		} else {
			res.statusCode = 404;
			res.end();
		}
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
	server.closeAllConnections();
	await new Promise((resolve) => server.close(resolve));
	await cleanup(); // also done automatically; explicit here to show the API
});

beforeEach(() => {
	requests.length = 0;
	releaseSecondHalf = undefined;
});

/** Start -> Harness Test -> Collect */
function workflow(parameters: INodeParameters, extra: RunWorkflowOptions = {}): RunWorkflowOptions {
	return {
		nodes: [
			{ name: 'Start', type: 'test.start', parameters: { items: [{ json: { n: 1 } }] } },
			{
				name: 'Test',
				type: 'test.harnessTest',
				parameters,
				credentials: credentialRef('harnessTestApi'),
			},
			{ name: 'Collect', type: 'test.collect' },
		],
		connections: {
			Start: { main: [[{ node: 'Test', type: 'main', index: 0 }]] },
			Test: { main: [[{ node: 'Collect', type: 'main', index: 0 }]] },
		},
		credentials: { harnessTestApi: { apiKey: API_KEY, baseUrl } },
		nodeTypes: [HarnessTest],
		credentialTypes: [HarnessTestApi],
		...extra,
	};
}

test('credentials are decrypted for the node and authenticate adds the Bearer header', async () => {
	const result = await runWorkflow(workflow({ operation: 'echo', path: '/echo' }));

	expect(result.error).toBeUndefined();
	expect(result.status).toBe('success');
	expect(requests).toEqual([{ url: '/echo', authorization: `Bearer ${API_KEY}` }]);
	const [item] = result.output('Collect');
	expect(item.json).toEqual({ body: { ok: true }, sawKeyLength: API_KEY.length });
	expect(result.logs.length).toBeGreaterThan(0);
	expect(result.logs.some((l) => l.text.includes(API_KEY))).toBe(false);
});

test('credentialRef maps a type to a stable id', () => {
	expect(credentialRef()).toEqual({ cometVideoApi: { id: '1', name: 'CometAPI' } });
	expect(credentialRef('harnessTestApi')).toEqual(credentialRef('harnessTestApi'));
});

test('a missing credential fails the node like n8n does', async () => {
	const result = await runWorkflow(workflow({ operation: 'echo' }, { credentials: {} }));
	expect(result.status).toBe('error');
	expect(result.error?.message).toMatch(/does not exist for type "harnessTestApi"/);
});

test.each(['default', 'filesystem'] as const)(
	'start-node binary round-trips in %s mode',
	async (binaryMode) => {
		const result = await runWorkflow({
			...workflow({ operation: 'echo', path: '/echo' }),
			nodes: [
				{
					name: 'Start',
					type: 'test.start',
					parameters: {
						items: [
							{
								json: {},
								binary: {
									doc: { text: 'hello binary', mimeType: 'text/plain', fileName: 'a.txt' },
								},
							},
						],
					},
				},
				{ name: 'Collect', type: 'test.collect' },
			],
			connections: { Start: { main: [[{ node: 'Collect', type: 'main', index: 0 }]] } },
			binaryMode,
		});
		expect(result.status).toBe('success');
		const doc = result.output('Collect')[0].binary?.doc;
		expect(doc).toMatchObject({ mimeType: 'text/plain', fileName: 'a.txt', fileSize: '12 B' });
		expect((await result.readBinary(doc)).toString()).toBe('hello binary');
		if (binaryMode === 'default') {
			expect(doc?.id).toBeUndefined();
			expect(() => result.binaryFilePath(doc)).toThrow(/no file/);
		} else {
			expect(fs.readFileSync(result.binaryFilePath(doc), 'utf8')).toBe('hello binary');
		}
	},
);

test('default mode keeps a downloaded stream in memory (base64)', async () => {
	const result = await runWorkflow(workflow({ operation: 'download', path: '/video' }));
	expect(result.status).toBe('success');
	const data = result.output('Test')[0].binary?.data;
	expect(data?.id).toBeUndefined();
	expect(Buffer.from(String(data?.data), 'base64').equals(VIDEO)).toBe(true);
	expect((await result.readBinary(data)).equals(VIDEO)).toBe(true);
});

test('filesystem mode streams the download into the store (file grows before the body ends)', async () => {
	const storageDir = await getStorageDir();
	const before = new Set(listFiles(storageDir));
	let partialFileSeen = false;
	releaseSecondHalf = async () => {
		// Hold the response open until the first half shows up on disk; buffering
		// implementations would never write anything before the body completes.
		const deadline = Date.now() + 3000;
		while (Date.now() < deadline) {
			const fresh = listFiles(storageDir).filter((f) => !before.has(f));
			if (fresh.some((f) => fs.statSync(f).size >= VIDEO.length / 2)) {
				partialFileSeen = true;
				return;
			}
			await new Promise((r) => setTimeout(r, 10));
		}
	};

	const result = await runWorkflow(
		workflow({ operation: 'download', path: '/video' }, { binaryMode: 'filesystem' }),
	);

	expect(result.status).toBe('success');
	expect(partialFileSeen).toBe(true);
	const data = result.output('Collect')[0].binary?.data;
	expect(data).toMatchObject({ mimeType: 'video/mp4', fileName: 'clip.mp4', bytes: VIDEO.length });
	expect(data?.id).toMatch(/^filesystem-v2:/);
	const filePath = result.binaryFilePath(data);
	expect(filePath.startsWith(storageDir)).toBe(true);
	expect(fs.readFileSync(filePath).equals(VIDEO)).toBe(true);
	expect((await result.readBinary(data)).equals(VIDEO)).toBe(true);
});

test('concurrent runs keep their own binary mode and logs', async () => {
	const run = (binaryMode: BinaryMode) =>
		runWorkflow(workflow({ operation: 'download', path: '/video' }, { binaryMode }));
	const [memory, disk] = await Promise.all([run('default'), run('filesystem')]);
	expect(memory.output('Test')[0].binary?.data.id).toBeUndefined();
	expect(disk.output('Test')[0].binary?.data.id).toMatch(/^filesystem-v2:/);
	expect(memory.logs.every((l) => !l.text.includes(disk.workflowId))).toBe(true);
});

test('a node error surfaces as status error with the original NodeApiError', async () => {
	const result = await runWorkflow(workflow({ operation: 'fail', path: '/boom' }));

	expect(result.status).toBe('error');
	expect(result.error).toBeInstanceOf(NodeApiError);
	expect(result.error?.description).toContain('upstream exploded');
	expect(result.error?.httpCode).toBe('500');
	expect(result.error?.context.data).toEqual({ error: { message: 'upstream exploded' } });
	expect(result.runData.Test[0].error?.message).toBe(result.error?.message);
	expect(result.runData.Collect).toBeUndefined();
	expect(result.output('Collect')).toEqual([]);
	expect(result.logs.some((l) => l.text.includes(API_KEY))).toBe(false);
});

test('a NodeOperationError keeps its class too', async () => {
	const result = await runWorkflow(workflow({ operation: 'fail', path: '/echo' }));
	expect(result.status).toBe('error');
	expect(result.error).toBeInstanceOf(NodeOperationError);
	expect(result.error?.message).toBe('Expected the request to fail');
});

test('workflow issues (unknown node type) are reported, not thrown', async () => {
	const result = await runWorkflow({
		nodes: [
			{ name: 'Start', type: 'test.start' },
			{ name: 'X', type: 'test.doesNotExist' },
		],
		connections: { Start: { main: [[{ node: 'X', type: 'main', index: 0 }]] } },
	});
	expect(result.status).toBe('error');
	expect(result.error?.message).toMatch(/issues/i);
	expect(result.issues).toEqual({ X: { typeUnknown: true } });
});

test("the package's own node type is loaded from dist via package.json", async () => {
	// No parameters on purpose: we only check the type resolves (it would be
	// `typeUnknown` otherwise); parameter issues are expected and fine.
	const result = await runWorkflow({
		nodes: [
			{ name: 'Start', type: 'test.start' },
			{ name: 'Video', type: NODE_TYPE, credentials: credentialRef() },
		],
		connections: { Start: { main: [[{ node: 'Video', type: 'main', index: 0 }]] } },
		credentials: { cometVideoApi: { apiKey: API_KEY, baseUrl } },
	});
	expect(result.issues?.Video?.typeUnknown).toBeUndefined();
});

test('cancelAfterMs aborts the execution signal and reports canceled', async () => {
	const result = await runWorkflow(
		workflow({ operation: 'wait', waitMs: 5000 }, { cancelAfterMs: 100 }),
	);

	expect(result.status).toBe('canceled');
	expect(result.engineSettled).toBe(true);
	expect(result.durationMs).toBeLessThan(2000);
	// The node observed this.getExecutionCancelSignal() aborting and returned early.
	expect(result.output('Test')[0].json).toEqual({ aborted: true });
	expect(result.runData.Collect).toBeUndefined();
});

test('an AbortSignal cancels the execution too', async () => {
	const controller = new AbortController();
	setTimeout(() => controller.abort(), 50);
	const result = await runWorkflow(
		workflow({ operation: 'wait', waitMs: 5000 }, { signal: controller.signal }),
	);
	expect(result.status).toBe('canceled');
	expect(result.durationMs).toBeLessThan(2000);
});
