/*
 * The example kling-callback-wait.json in a started n8n: its Webhook starts a Kling job with Wait
 * for Completion off and Callback URL = $execution.resumeUrl; the Wait node (On Webhook Call,
 * POST) waits; the simulator posts Kling's status changes to that URL; the IF sends an early
 * "processing" back to the Wait node and "succeed" on to Download and the S3 stand-in (a disk
 * write). Proven from the simulator's records: the create carried the resume URL, nothing polled
 * the job while it ran (Download's one retrieve comes after the last callback), each callback's
 * HTTP answer, and the written file's bytes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { tail } from '../../tools/process';
import { assert, defineCase, say } from '../../tools/suite';
import { sha256 } from '../../tools/files';
import { checkWrittenVideo, type E2eContext } from './context';

/** Long enough for the execution to be waiting when the first ("processing") callback comes. */
const KLING_JOB_MS = 12_000;
const DEFAULT_JOB_MS = 3000;
const PROMPT = 'A kite over a windy beach, waited for by its callback';

async function until<T>(what: string, read: () => T | undefined, timeoutMs: number): Promise<T> {
	const started = Date.now();
	for (;;) {
		const value = read();
		if (value !== undefined) return value;
		if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}

const seconds = (ms: number) => `+${(ms / 1000).toFixed(1)} s`;

export const callbackWait = defineCase<E2eContext>(
	'callback-wait',
	'example kling-callback-wait: Create (no wait, Callback URL = resume URL) -> Wait (webhook) -> IF loop -> Download; no polling while waiting',
	async (c) => {
		const { sim } = c;
		const server = await c.server();
		const [fromRequests, fromCreates, fromCallbacks, fromLog] = [
			sim.requests.length,
			sim.creates.length,
			sim.callbacks.length,
			sim.requestLog().length,
		];
		sim.configure({ jobDurationMs: KLING_JOB_MS });
		let id: string;
		let started: number;
		try {
			started = Date.now();
			const res = await server.callWebhook('kling-callback-wait', {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ prompt: PROMPT }),
			});
			const answer = await res.text();
			assert(res.status === 200, `webhook answered ${res.status}: ${answer}`);
			id = (
				await until(
					'the Kling create',
					() => sim.creates.slice(fromCreates).find((x) => x.prompt === PROMPT),
					30_000,
				)
			).id;
		} finally {
			sim.configure({ jobDurationMs: DEFAULT_JOB_MS });
		}
		const written = `upload-to-s3--${id}.mp4`;
		await until(
			`${written} (n8n log:\n${tail(server.logs(), 20)})`,
			() => (fs.existsSync(path.join(c.outDir, written)) ? true : undefined),
			KLING_JOB_MS + 45_000,
		).catch((error: Error) => {
			error.message = `${error.message}\n--- n8n log ---\n${tail(server.logs(), 30)}`;
			throw error;
		});
		await sim.callbacksSettled();
		checkWrittenVideo(c, written, id);

		const create = sim.requests
			.slice(fromRequests)
			.find((q) => q.route === 'create' && q.path.startsWith('/kling/'));
		assert(create, 'the simulator saw no Kling create');
		const callbackUrl = String(create.fields.callback_url);
		assert(
			callbackUrl.startsWith(`${server.url}/webhook-waiting/`),
			`callback_url ${callbackUrl} is not this n8n's resume URL`,
		);
		const callbacks = sim.callbacks
			.slice(fromCallbacks)
			.filter((cb) => (cb.payload as { task_id?: string }).task_id === id);
		const statusOf = (cb: (typeof callbacks)[number]) =>
			String((cb.payload as { task_status?: string }).task_status);
		const accepted = callbacks.filter((cb) => cb.status !== null && cb.status < 300);
		assert(
			callbacks.every((cb) => cb.url === callbackUrl),
			'a callback went elsewhere than callback_url',
		);
		const acceptedWords = accepted.map(statusOf);
		assert(
			acceptedWords.join(',') === 'processing,succeed',
			`n8n accepted the callbacks ${acceptedWords.join(', ') || 'none'} (processing then succeed wanted: the IF's loop back to the Wait node)`,
		);
		const lastCallback = accepted[accepted.length - 1].at;

		const mine = sim
			.requestLog()
			.slice(fromLog)
			.filter((q) => q.path.includes(id));
		const polls = mine.filter((q) => q.host === 'api' && q.method === 'GET');
		assert(
			polls.length === 1 && polls[0].at >= lastCallback,
			`retrieves of the job: ${polls.map((q) => `${q.path} at ${seconds(q.at - started)}`).join(', ')} (only Download's, after the last callback, wanted)`,
		);
		const files = mine.filter((q) => q.host === 'storage' && q.status === 200);
		assert(files.length === 1, `the link was fetched ${files.length} times`);

		const requestLines = [
			`  ${create.method} ${create.path} at ${seconds(create.at - started)} -> ${create.status}: model_name=${String(create.fields.model_name)}, duration=${String(create.fields.duration)}, callback_url=${callbackUrl.replace(/([?&][^=]+=)[^&]+/g, '$1…')}`,
			...mine.map(
				(q) =>
					`  ${q.method} ${q.host === 'storage' ? '(storage host) ' : ''}${q.path} at ${seconds(q.at - started)} -> ${q.status}`,
			),
		];
		const callbackLines = callbacks.map(
			(cb) =>
				`  ${statusOf(cb)} (attempt ${cb.attempt}) at ${seconds(cb.at - started)} -> ${cb.status === null ? `no answer: ${String(cb.error)}` : `HTTP ${cb.status}`}`,
		);
		say(
			[
				`callback-wait (n8n ${c.version}), job ${id} (kling-v2-6, ${KLING_JOB_MS / 1000} s), times from the webhook call:`,
				`requests the simulator saw for the job (API host unless marked):`,
				...requestLines,
				`callbacks (POST to callback_url = $execution.resumeUrl):`,
				...callbackLines,
				`stored: ${written}, ${fs.statSync(path.join(c.outDir, written)).size} bytes, sha256 ${sha256(fs.readFileSync(path.join(c.outDir, written)))} = the served video`,
			].join('\n'),
		);
		return `${id}: ${callbacks.length} callback(s) (${acceptedWords.join(' > ')}), 1 retrieve (Download's), file matches`;
	},
);
