/**
 * `npm run failure-path [-- <package dir>]`: follows one download's job id through the node's
 * modules and prints the files it passes, how often it crosses from one file to another, and how
 * often it comes back to a file it had left. A reader follows the same path, so fewer crossings
 * and returns mean a failure path that reads straight through.
 *
 * The download (Download, Automatic, job with a result link): retrieve the job; the content
 * route answers 503, then 404 ("not served here": hand over to the link); the link answers 404. Every
 * function the node's modules export (and every method of their classes) is wrapped before the
 * node loads, so calls between files are seen; calls inside a file are not crossings anyway.
 */
import { createServer, type ServerResponse } from 'node:http';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

import { NODE_TYPE, REPO_ROOT } from '../tools/constants';
import { cleanup, credentialRef, runWorkflow } from '../tools/harness';

const packageDir = path.resolve(process.argv[2] ?? REPO_ROOT);
/** The same module cache n8n-core's loader uses, so the node loads the wrapped modules. */
const load = createRequire(__filename);
const nodeDir = path.join(packageDir, 'dist/nodes/CometVideo');
const KEY = 'sk-failure-path-0123456789abcdef';
const JOB = 'task_failurepath';

/** The file each step of the path is in, in order; a step is recorded when the file changes. */
const steps: string[] = [];
let recording = false;
const stack: string[] = [];

function enter(file: string, name: string): void {
	if (name === 'downloadContent') recording = true;
	if (!recording) return;
	stack.push(file);
	if (steps.at(-1) !== file) steps.push(file);
}

function leave(name: string): void {
	if (!recording) return;
	stack.pop();
	const back = stack.at(-1);
	if (back && steps.at(-1) !== back) steps.push(back);
	if (name === 'downloadContent') recording = false;
}

function traced<F extends (...args: unknown[]) => unknown>(fn: F, file: string, name: string): F {
	return function (this: unknown, ...args: unknown[]) {
		enter(file, name);
		let result: unknown;
		try {
			result = fn.apply(this, args);
		} catch (error) {
			leave(name);
			throw error;
		}
		if (result instanceof Promise) {
			return result.finally(() => leave(name));
		}
		leave(name);
		return result;
	} as F;
}

function isClass(value: unknown): value is { prototype: Record<string, unknown> } {
	return typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value));
}

/** Wraps every exported function and every class method of the node's modules. */
function instrument(): void {
	const files = ['transport', 'helpers', 'actions', 'actions/video'].flatMap((folder) =>
		fs
			.readdirSync(path.join(nodeDir, folder))
			.filter((name) => name.endsWith('.js'))
			.map((name) => path.join(nodeDir, folder, name)),
	);
	for (const file of files) {
		const label = path.relative(nodeDir, file).replace(/\.js$/, '.ts');
		const exports = load(file) as Record<string, unknown>;
		for (const [name, value] of Object.entries(exports)) {
			if (isClass(value)) {
				for (const owner of [value.prototype, value as unknown as Record<string, unknown>]) {
					for (const method of Object.getOwnPropertyNames(owner)) {
						const descriptor = Object.getOwnPropertyDescriptor(owner, method);
						if (method === 'constructor' || typeof descriptor?.value !== 'function') continue;
						owner[method] = traced(descriptor.value as () => unknown, label, method);
					}
				}
			} else if (typeof value === 'function') {
				const descriptor = Object.getOwnPropertyDescriptor(exports, name);
				if (descriptor?.writable || descriptor?.set) {
					exports[name] = traced(value as () => unknown, label, name);
				} else if (descriptor?.configurable) {
					Object.defineProperty(exports, name, {
						...descriptor,
						get: undefined,
						value: traced(value as () => unknown, label, name),
						writable: true,
					});
				}
			}
		}
	}
}

async function serve(): Promise<{ url: string; close: () => void }> {
	let contentCalls = 0;
	const json = (response: ServerResponse, status: number, body: unknown) => {
		response.writeHead(status, { 'content-type': 'application/json' });
		response.end(JSON.stringify(body));
	};
	const server = createServer((request, response) => {
		const url = request.url ?? '';
		if (url.startsWith(`/v1/videos/${JOB}/content`)) {
			contentCalls++;
			return json(response, contentCalls === 1 ? 503 : 404, { error: { message: 'nope' } });
		}
		if (url.startsWith(`/v1/videos/${JOB}`)) {
			const { port } = server.address() as { port: number };
			return json(response, 200, {
				id: JOB,
				status: 'completed',
				model: 'veo3.1-fast',
				video_url: `http://127.0.0.1:${port}/files/${JOB}.mp4`,
			});
		}
		return json(response, 404, { error: { message: 'gone' } });
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as { port: number };
	return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}

/** The path's files, crossings and returns (consecutive steps in one file count once). */
function report(scope: string, path: string[]): void {
	const walk = path.filter((file, i) => file !== path[i - 1]);
	const seen = new Set<string>();
	let returns = 0;
	for (const file of walk) {
		if (seen.has(file)) returns++;
		seen.add(file);
	}
	console.log(`\n${scope}: ${walk.join(' → ')}`);
	console.log(
		`${scope}: ${seen.size} files, ${Math.max(0, walk.length - 1)} crossings, ${returns} returns to a file left before`,
	);
}

async function main(): Promise<void> {
	instrument();
	const server = await serve();
	try {
		const result = await runWorkflow({
			nodes: [
				{ name: 'Start', type: 'test.start', parameters: {} },
				{
					name: 'Comet Video',
					type: NODE_TYPE,
					parameters: {
						operation: 'download',
						videoId: JOB,
						options: { retryBaseDelayMs: 10, maxAttempts: 3, requestTimeoutSeconds: 2 },
					},
					credentials: credentialRef('cometVideoApi'),
				},
			],
			connections: { Start: { main: [[{ node: 'Comet Video', type: 'main', index: 0 }]] } },
			credentials: { cometVideoApi: { apiKey: KEY, baseUrl: server.url } },
			packageDir,
		});
		console.log(`package: ${packageDir}`);
		console.log(`outcome: ${result.status}: ${result.error?.message ?? ''}`);
		report('every module of the node', steps);
		report(
			'transport/ only',
			steps.filter((file) => file.startsWith('transport/')),
		);
	} finally {
		server.close();
		await cleanup();
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
