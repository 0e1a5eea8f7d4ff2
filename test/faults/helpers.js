'use strict';
/**
 * Shared helpers for the fault-injection suites: run the Comet Video node in a real n8n workflow
 * against the local simulator, seed jobs without going through the node, and assert that the
 * API key never surfaces anywhere the user (or n8n's logs) can read.
 */
const net = require('node:net');
const path = require('node:path');

const { runWorkflow, credentialRef } = require('../harness');
const { startSimulator } = require('../simulator');

const SHIPPED_NODE_TYPE = 'n8n-nodes-cometapi-video.cometVideo';
const NODE_NAME = 'Video';

/**
 * The node reads its tuning (retries, delays, timeouts, poll interval) from an "Options"
 * collection. n8n only hands a node the parameters its description declares, so if the shipped
 * description does not declare `options`, every value a test sets there is silently dropped and
 * the defaults apply (5 attempts, 1 s base delay, 60 s timeout, 10 s poll cap): the matrix would
 * take minutes. In that case (a node bug, asserted red in fault-matrix.test.js) the cases run on
 * a test-only subclass of the shipped node whose description also declares the node's own
 * `optionsProperty`, which is exactly the suggested fix; all behaviour is still the shipped code.
 * Once the node declares `options` itself, the shipped type is used unchanged.
 */
// COMET_PACKAGE_DIR lets the suite run against a patched copy of the package (to check a fix).
const PACKAGE_DIR = path.resolve(process.env.COMET_PACKAGE_DIR || path.join(__dirname, '../..'));
const { CometVideo } = require(path.join(PACKAGE_DIR, 'dist/nodes/CometVideo/CometVideo.node.js'));
const { optionsProperty } = require(path.join(PACKAGE_DIR, 'dist/nodes/CometVideo/actions/descriptions.js'));

const SHIPPED_DECLARES_OPTIONS = new CometVideo().description.properties.some((property) => property.name === 'options');

class CometVideoWithOptions extends CometVideo {
	constructor() {
		super();
		this.description = {
			...this.description,
			name: 'cometVideoWithOptions',
			properties: [...this.description.properties, optionsProperty],
		};
	}
}

const NODE_TYPE = SHIPPED_DECLARES_OPTIONS ? SHIPPED_NODE_TYPE : 'test.cometVideoWithOptions';
const EXTRA_NODE_TYPES = SHIPPED_DECLARES_OPTIONS ? [] : [CometVideoWithOptions];

/** A distinctive key, so a scan for it cannot hit anything by accident. */
const API_KEY = 'sk-faults-S3cr3t-7c1f0e9a4b2d4e6f8a0b';

/** Tiny delays: the whole folder must run in well under a minute. */
const FAST_OPTIONS = Object.freeze({
	retryBaseDelayMs: 10,
	maxAttempts: 3,
	pollIntervalSeconds: 1,
	requestTimeoutSeconds: 1,
});

async function startSim(options = {}) {
	return await startSimulator({ apiKey: API_KEY, jobDurationMs: 50, videoBytes: 64 * 1024, ...options });
}

/** Node parameters for each operation, with the fast options merged in. */
function createParams(overrides = {}) {
	const { options, ...rest } = overrides;
	return {
		operation: 'create',
		model: 'veo3-fast',
		prompt: 'A paper boat drifting down a rainy street',
		waitForCompletion: false,
		...rest,
		options: { ...FAST_OPTIONS, ...options },
	};
}

function retrieveParams(videoId, overrides = {}) {
	const { options, ...rest } = overrides;
	return { operation: 'retrieve', videoId, waitForCompletion: false, ...rest, options: { ...FAST_OPTIONS, ...options } };
}

function downloadParams(videoId, overrides = {}) {
	const { options, ...rest } = overrides;
	return { operation: 'download', videoId, variant: 'video', binaryPropertyName: 'data', ...rest, options: { ...FAST_OPTIONS, ...options } };
}

/**
 * Runs Start -> Video in a real n8n execution.
 * @param {object} args
 * @param {object} args.parameters  the Video node's parameters
 * @param {number} [args.items]     how many input items Start emits (default 1)
 * @param {object} [args.credential] the cometApi credential data (required)
 * @param {boolean} [args.continueOnFail]
 * @param {boolean} [args.shipped]  run the shipped node type even when the Options shim is active
 */
async function runVideo({
	parameters,
	items = 1,
	credential,
	continueOnFail = false,
	binaryMode = 'default',
	cancelAfterMs,
	shipped = false,
}) {
	const node = { name: NODE_NAME, type: shipped ? SHIPPED_NODE_TYPE : NODE_TYPE, parameters, credentials: credentialRef('cometApi') };
	if (continueOnFail) node.onError = 'continueRegularOutput';
	const result = await runWorkflow({
		nodes: [
			{ name: 'Start', type: 'test.start', parameters: { items: Array.from({ length: items }, (_, i) => ({ json: { n: i } })) } },
			node,
		],
		connections: { Start: { main: [[{ node: NODE_NAME, type: 'main', index: 0 }]] } },
		credentials: { cometApi: credential },
		binaryMode,
		cancelAfterMs,
		nodeTypes: EXTRA_NODE_TYPES,
		packageDir: PACKAGE_DIR,
	});
	return result;
}

/** The credential that points at the simulator. */
function simCredential(sim, extra = {}) {
	return { apiKey: sim.apiKey, baseUrl: sim.url, ...extra };
}

/**
 * Creates a job straight on the simulator (not through the node), so read-side cases start from
 * a job that exists. Returns its id; `sim.createCount()` goes up by one.
 */
async function seedJob(sim, { prompt = 'seeded job', model = 'veo3-fast', waitUntilDone = true } = {}) {
	const form = new FormData();
	form.set('model', model);
	form.set('prompt', prompt);
	const response = await fetch(`${sim.url}/v1/videos`, {
		method: 'POST',
		headers: { authorization: `Bearer ${sim.apiKey}` },
		body: form,
	});
	const job = await response.json();
	if (!job.id) throw new Error(`seedJob failed: ${JSON.stringify(job)}`);
	if (waitUntilDone) {
		for (let i = 0; i < 100 && sim.jobs.get(job.id).finishedAt === null; i++) {
			await new Promise((resolve) => setTimeout(resolve, 10));
		}
	}
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

/** Requests the simulator received on one route. */
function requestsTo(sim, route) {
	return sim.requests.filter((request) => request.route === route);
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
			throw new Error(`API key leaked: ...${text.slice(Math.max(0, at - 200), at + fragment.length + 50)}...`);
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
	SHIPPED_DECLARES_OPTIONS,
	SHIPPED_NODE_TYPE,
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
};
