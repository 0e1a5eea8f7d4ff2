'use strict';
/**
 * Helpers for the fault-injection suites, on top of the ones both suites share (../helpers): the
 * suite's key, simulator settings and fast options (3 attempts, 1 s request timeout), parameters
 * per operation, a runner, seeded jobs, and the checks that the API key never surfaces anywhere
 * the user (or n8n's logs) can read.
 */
const net = require('node:net');

const shared = require('../helpers');

const { NODE_NAME, NODE_TYPE, PACKAGE_DIR, requestsTo } = shared;

/** A distinctive key, so a scan for it cannot hit anything by accident. */
const API_KEY = 'sk-faults-S3cr3t-7c1f0e9a4b2d4e6f8a0b';

/** Tiny delays: the whole folder must run in well under a minute. */
const FAST_OPTIONS = Object.freeze({
	retryBaseDelayMs: 10,
	maxAttempts: 3,
	pollIntervalSeconds: 1,
	requestTimeoutSeconds: 1,
});

/** The suite's simulator settings: the faults' key, short jobs, small videos. */
const SIM_OPTIONS = Object.freeze({ apiKey: API_KEY, jobDurationMs: 50, videoBytes: 64 * 1024 });

/** A simulator of this suite's kind (for the extra ones a case starts itself). */
async function startSim(options = {}) {
	return await shared.startSimulator({ ...SIM_OPTIONS, ...options });
}

/** A simulator for the whole file, reset before every test; returns a getter for it. */
function useSimulator(options = {}) {
	return shared.useSimulator({ ...SIM_OPTIONS, ...options });
}

/** Node parameters for each operation, with the fast options merged in. */
function createParams(overrides = {}) {
	return shared.withOptions(
		{ ...shared.CREATE_DEFAULTS, waitForCompletion: false, ...overrides },
		FAST_OPTIONS,
	);
}

function retrieveParams(videoId, overrides = {}) {
	return shared.withOptions(
		{ operation: 'retrieve', videoId, waitForCompletion: false, ...overrides },
		FAST_OPTIONS,
	);
}

function downloadParams(videoId, overrides = {}) {
	return shared.withOptions(
		{ operation: 'download', videoId, variant: 'video', binaryPropertyName: 'data', ...overrides },
		FAST_OPTIONS,
	);
}

/**
 * Runs Start -> Comet Video in a real n8n execution.
 * @param {object} args
 * @param {object} args.parameters  the node's parameters, as given
 * @param {number} [args.items]     how many input items Start emits (default 1)
 * @param {object} args.credential  the cometVideoApi credential data
 * @param {boolean} [args.continueOnFail]
 * @param {string} [args.binaryMode]
 * @param {number} [args.cancelAfterMs]
 */
async function runVideo({
	parameters,
	items = 1,
	credential,
	continueOnFail = false,
	binaryMode = 'default',
	cancelAfterMs,
}) {
	return await shared.runVideoWorkflow({
		parameters,
		credential,
		items: Array.from({ length: items }, (_, i) => ({ json: { n: i } })),
		node: continueOnFail ? { onError: 'continueRegularOutput' } : {},
		binaryMode,
		cancelAfterMs,
	});
}

/** The credential that points at the simulator. */
function simCredential(sim, extra = {}) {
	return { apiKey: sim.apiKey, baseUrl: sim.url, ...extra };
}

/**
 * Creates a job straight on the simulator (not through the node), so read-side cases start from
 * a job that exists; by default waits until it ended. Returns its id; `sim.createCount()` goes up
 * by one, `sim.requests` does not (it holds only what the node sent).
 */
async function seedJob(
	sim,
	{ prompt = 'seeded job', model = 'veo3-fast', waitUntilDone = true } = {},
) {
	const job = await shared.createJobDirect(sim, { prompt, model });
	if (waitUntilDone) await shared.untilFinished(sim, job.id);
	return job.id;
}

/** A TCP port on loopback that nothing listens on (a connection to it is refused). */
async function closedPort() {
	const server = net.createServer();
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address();
	await new Promise((resolve) => server.close(resolve));
	return port;
}

/** JSON.stringify that survives cycles, Buffers and errors (own + prototype message/stack). */
function serialise(value) {
	const seen = new WeakSet();
	return JSON.stringify(value, function replacer(key, item) {
		if (item instanceof Error) {
			const plain = { name: item.name, message: item.message, stack: item.stack };
			for (const prop of Object.getOwnPropertyNames(item)) plain[prop] = item[prop];
			item = plain;
		}
		if (item && typeof item === 'object') {
			if (seen.has(item)) return '[cycle]';
			seen.add(item);
		}
		if (typeof item === 'bigint') return String(item);
		return item;
	});
}

/**
 * Everything a user or an operator could read about the run: the node's output items, the error
 * (message, description, context, cause, serialised), the engine's run data and n8n's log lines.
 */
function everythingVisible(result) {
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

/** The key, and its tell-tale fragments, must not appear anywhere the user can read. */
function expectNoKeyLeak(result, apiKey = API_KEY) {
	const text = everythingVisible(result);
	const fragments = [apiKey, `Bearer ${apiKey}`, Buffer.from(apiKey).toString('base64')];
	for (const fragment of fragments) {
		if (text.includes(fragment)) {
			const at = text.indexOf(fragment);
			throw new Error(
				`API key leaked: ...${text.slice(Math.max(0, at - 200), at + fragment.length + 50)}...`,
			);
		}
	}
}

/** The error as the user sees it in the editor: message + description. */
function errorText(result) {
	if (!result.error) return '';
	return `${result.error.message}\n${result.error.description ?? ''}`;
}

/**
 * What the user reads about a failure: the execution's error, or (with "continue on fail") the
 * error/description fields of the output items.
 */
function userSees(result) {
	const fromItems = result
		.output(NODE_NAME)
		.filter((item) => item.json.error !== undefined)
		.map((item) => `${item.json.error}\n${item.json.description ?? ''}`);
	return [errorText(result), ...fromItems].filter(Boolean).join('\n');
}

module.exports = {
	API_KEY,
	FAST_OPTIONS,
	NODE_NAME,
	NODE_TYPE,
	PACKAGE_DIR,
	closedPort,
	createParams,
	downloadParams,
	errorText,
	userSees,
	everythingVisible,
	expectNoKeyLeak,
	requestsTo,
	retrieveParams,
	runVideo,
	seedJob,
	serialise,
	simCredential,
	startSim,
	useSimulator,
};
