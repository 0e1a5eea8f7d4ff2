/*
 * End-to-end smoke check of a cached n8n install, independent of this
 * package's node: proves the CLI can import + execute a workflow and that
 * `n8n start` serves a production webhook. Prints a timing per step, which
 * is what the suite's timeouts are sized from.
 *
 *   npx tsx tools/n8n/smoke-n8n.ts [--version V] [--node 20|24] [--skip-start]
 *
 * Env: SMOKE_ACTIVATE=update (use deprecated `update:workflow --active=true`
 * instead of `publish:workflow`), SMOKE_LOGS=1 (print n8n's start log),
 * SMOKE_KEEP=1 (keep the temp N8N_USER_FOLDER).
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { IWorkflowBase } from 'n8n-workflow';

import {
	ensureN8n,
	nodeOutput,
	parseExecuteOutput,
	runN8n,
	startN8n,
	type CommandResult,
} from './install-n8n';

/** Workflow JSON as `n8n import:workflow` takes it. */
type WorkflowFile = Pick<
	IWorkflowBase,
	'id' | 'name' | 'active' | 'settings' | 'connections' | 'nodes'
>;

function say(msg: string): void {
	process.stdout.write(`[smoke] ${msg}\n`);
}

// A fixed 16-char id: n8n 2.x validates workflow ids as nanoid-like strings.
const EXEC_WF_ID = 'e2eSmokeExec0001';
const HOOK_WF_ID = 'e2eSmokeHook0001';
const HOOK_PATH = 'e2e-smoke';

function execWorkflow(): WorkflowFile {
	return {
		id: EXEC_WF_ID,
		name: 'e2e smoke execute',
		active: false,
		settings: { executionOrder: 'v1' },
		connections: {
			'Manual Trigger': { main: [[{ node: 'Set', type: 'main', index: 0 }]] },
			Set: { main: [[{ node: 'Code', type: 'main', index: 0 }]] },
		},
		nodes: [
			{
				id: '00000000-0000-4000-8000-000000000001',
				name: 'Manual Trigger',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				id: '00000000-0000-4000-8000-000000000002',
				name: 'Set',
				type: 'n8n-nodes-base.set',
				typeVersion: 3.4,
				position: [200, 0],
				parameters: {
					assignments: {
						assignments: [
							{ id: 'a1', name: 'greeting', value: 'hello', type: 'string' },
							{ id: 'a2', name: 'answer', value: 42, type: 'number' },
						],
					},
					options: {},
				},
			},
			{
				id: '00000000-0000-4000-8000-000000000003',
				name: 'Code',
				type: 'n8n-nodes-base.code',
				typeVersion: 2,
				position: [400, 0],
				parameters: {
					jsCode:
						'return $input.all().map((i) => ({ json: { ...i.json, doubled: i.json.answer * 2 } }));',
				},
			},
		],
	};
}

function hookWorkflow(): WorkflowFile {
	return {
		id: HOOK_WF_ID,
		name: 'e2e smoke webhook',
		active: false,
		settings: { executionOrder: 'v1' },
		connections: { Webhook: { main: [[{ node: 'Respond', type: 'main', index: 0 }]] } },
		nodes: [
			{
				id: '00000000-0000-4000-8000-000000000011',
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: '00000000-0000-4000-8000-0000000000aa',
				parameters: {
					path: HOOK_PATH,
					httpMethod: 'GET',
					responseMode: 'responseNode',
					options: {},
				},
			},
			{
				id: '00000000-0000-4000-8000-000000000012',
				name: 'Respond',
				type: 'n8n-nodes-base.respondToWebhook',
				typeVersion: 1.1,
				position: [200, 0],
				parameters: {
					respondWith: 'json',
					responseBody: '={{ { "ok": true, "q": $json.query.q } }}',
					options: {},
				},
			},
		],
	};
}

async function must<R extends Omit<CommandResult, 'signal'>>(
	step: string,
	promise: Promise<R>,
): Promise<R> {
	const r = await promise;
	say(`${step}: exit ${r.code} in ${(r.ms / 1000).toFixed(1)} s`);
	if (r.code !== 0) throw new Error(`${step} failed:\n${r.stdout}\n${r.stderr}`);
	return r;
}

async function main(): Promise<void> {
	const args = process.argv.slice(2);
	const get = (flag: string, dflt: string): string => {
		const i = args.indexOf(flag);
		return i >= 0 ? args[i + 1] : dflt;
	};
	const install = await ensureN8n({
		version: get('--version', '2.8.4'),
		node: Number(get('--node', '20')),
	});
	say(`n8n ${install.version} via ${install.nodeBin}`);

	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-e2e-smoke-'));
	const opts = { userFolder };
	try {
		const wfFile = path.join(userFolder, 'wf.json');
		fs.writeFileSync(wfFile, JSON.stringify([execWorkflow(), hookWorkflow()]));
		await must('import:workflow', runN8n(install, ['import:workflow', `--input=${wfFile}`], opts));

		for (let i = 1; i <= 2; i++) {
			const r = await must(
				`execute #${i}`,
				runN8n(install, ['execute', `--id=${EXEC_WF_ID}`, '--rawOutput'], opts),
			);
			const data = parseExecuteOutput(r.stdout);
			const items = nodeOutput(data, 'Code');
			say(`  Code output: ${JSON.stringify(items)}`);
			if (!items || items[0].doubled !== 84) throw new Error('unexpected execute output');
		}

		if (args.includes('--skip-start')) return;

		const activate = process.env.SMOKE_ACTIVATE || 'publish';
		if (activate === 'publish') {
			await must(
				'publish:workflow',
				runN8n(install, ['publish:workflow', `--id=${HOOK_WF_ID}`], opts),
			);
		} else {
			await must(
				'update:workflow',
				runN8n(install, ['update:workflow', `--id=${HOOK_WF_ID}`, '--active=true'], opts),
			);
		}

		const t0 = Date.now();
		const n8n = await startN8n(install, { userFolder });
		try {
			say(
				`n8n start -> ready (readiness 200 + "Editor is now accessible") after ${(n8n.readyMs / 1000).toFixed(1)} s on ${n8n.url}`,
			);
			const res = await n8n.callWebhook(`${HOOK_PATH}?q=ping`);
			const body = await res.text();
			say(
				`GET /webhook/${HOOK_PATH} -> ${res.status} ${body} (${(Date.now() - t0) / 1000} s since spawn)`,
			);
			if (res.status !== 200) throw new Error(`webhook not active:\n${n8n.logs()}`);
			if (process.env.SMOKE_LOGS) say(`logs:\n${n8n.logs()}`);
		} finally {
			const t2 = Date.now();
			await n8n.stop();
			say(`n8n stop: ${Date.now() - t2} ms`);
		}
	} finally {
		if (!process.env.SMOKE_KEEP) fs.rmSync(userFolder, { recursive: true, force: true });
		else say(`kept ${userFolder}`);
	}
}

main().catch((e: Error) => {
	process.stderr.write(`${e.stack || e}\n`);
	process.exit(1);
});
