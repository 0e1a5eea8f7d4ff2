/**
 * Helpers for the fault-injection suites, on top of the shared ones (../helpers): the suite's key
 * and simulator settings, seeded jobs, and the checks that the API key never surfaces anywhere
 * the user (or n8n's logs) can read.
 */
import * as net from 'node:net';

import type { INodeExecutionData, INodeParameters } from 'n8n-workflow';

import type { StartItem } from '../../tools/harness';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../tools/simulator';
import * as shared from './helpers';
import { findKey } from './key-scan';
import { serialise } from './serialise';

import {
	NODE_NAME,
	type VideoItem,
	type VideoParameters,
	type VideoResult,
	type VideoRun,
} from './helpers';

export {
	NODE_NAME,
	PACKAGE_DIR,
	createParams,
	downloadParams,
	jobOf,
	requestsTo,
	retrieveParams,
	runVideoNode,
} from './helpers';

/** No word in it, so no 8 characters of it can turn up in a path or a message by accident. */
export const API_KEY = 'sk-Qv7xLw9z-4e9b1c7a2f8d40c6b5a3e1d9f7c2a8b6';

/**
 * Start -> Comet Video against a hostile server at `url` (or, with `credential.baseUrl`, any
 * Base URL), with the suite's key and one attempt per call, so a hostile answer is met once.
 */
export function runHostile(
	url: string,
	parameters: VideoParameters,
	run: VideoRun = {},
): Promise<VideoResult> {
	return shared.runVideoNode(
		{ apiKey: API_KEY, url },
		{ ...parameters, options: { maxAttempts: 1, ...parameters.options } },
		run,
	);
}

/** A Download of job `videoId` through the content route only (never the job's link). */
export function contentDownload(videoId: string, options: INodeParameters = {}): VideoParameters {
	return shared.downloadParams(videoId, { options: { downloadFrom: 'content', ...options } });
}

/** The output items that carry a binary property (even an empty one: no partial files). */
export function withBinary(result: VideoResult): VideoItem[] {
	return result.items.filter((item) => item.binary !== undefined);
}

/** The suite's simulator settings: the faults' key, short jobs, small videos. */
const SIM_OPTIONS = Object.freeze({ apiKey: API_KEY, jobDurationMs: 50, videoBytes: 64 * 1024 });

/** A simulator of this suite's kind (for the extra ones a case starts itself). */
export async function startSim(options: Partial<SimulatorOptions> = {}): Promise<Simulator> {
	return await startSimulator({ ...SIM_OPTIONS, ...options });
}

/** A simulator for the whole file, reset before every test; returns a getter for it. */
export function useSimulator(options: Partial<SimulatorOptions> = {}): () => Simulator {
	return shared.useSimulator({ ...SIM_OPTIONS, ...options });
}

/** `count` input items, `{ n: 0 }`, `{ n: 1 }`, ... */
export function numberedItems(count: number): StartItem[] {
	return Array.from({ length: count }, (_, n) => ({ json: { n } }));
}

/**
 * Creates a job straight on the simulator (not through the node), so read-side cases start from
 * a job that exists; by default waits until it ended. Returns its id; `sim.createCount()` goes up
 * by one, `sim.requests` does not (it holds only what the node sent).
 */
export async function seedJob(
	sim: Simulator,
	{ prompt = 'seeded job', model = 'veo3-fast', waitUntilDone = true } = {},
): Promise<string> {
	const job = await shared.createJobDirect(sim, { prompt, model });
	if (waitUntilDone) await shared.untilFinished(sim, job.id);
	return job.id;
}

/** A TCP port on loopback that nothing listens on (a connection to it is refused). */
export async function closedPort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as net.AddressInfo;
	await new Promise((resolve) => server.close(resolve));
	return port;
}

/** What the scans read of a run (a harness result, or a stand-in planted with a key). */
export interface RunView {
	output(nodeName: string): INodeExecutionData[];
	error?: Error & { description?: string | null };
	logs: { text: string; metadata?: unknown }[];
	run?: { data: unknown };
}

/**
 * Everything a user or an operator could read about the run: the node's output items, the error
 * (message, description, context, cause, serialised), the engine's run data and n8n's log lines.
 */
export function everythingVisible(result: RunView): string {
	const error = result.error;
	return [
		serialise(result.output(NODE_NAME)),
		error ? String(error.message) : '',
		error ? String(error.description ?? '') : '',
		error ? serialise(error) : '',
		serialise(result.run?.data ?? {}),
		result.logs.map((line) => `${line.text}\n${serialise(line.metadata)}`).join('\n'),
	].join('\n');
}

/**
 * The key (or another `secret`) must not appear anywhere the user can read, in any form a reader
 * could decode (./key-scan: URL- and JSON-escaped, base64 and base64url at any alignment, hex),
 * nor any 8 characters of it in a row, so a key cut in two by a length limit is caught too.
 */
export function expectNoKeyLeak(result: RunView, secret = API_KEY): void {
	const hit = findKey(everythingVisible(result), secret);
	if (hit) throw new Error(`API key leaked (${hit.form}): ${hit.excerpt}`);
}

/** The error as the user sees it in the editor: message + description. */
export function errorText(result: RunView): string {
	if (!result.error) return '';
	return `${result.error.message}\n${result.error.description ?? ''}`;
}

/**
 * What the user reads about a failure: the execution's error, or (with "continue on fail") the
 * error/description fields of the output items.
 */
export function userSees(result: RunView): string {
	const fromItems = result
		.output(NODE_NAME)
		.filter((item) => item.json.error !== undefined)
		.map((item) => `${item.json.error}\n${item.json.description ?? ''}`);
	return [errorText(result), ...fromItems].filter(Boolean).join('\n');
}
