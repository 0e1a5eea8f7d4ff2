'use strict';

/**
 * Shared helpers for the Comet Video node tests: build and run a real n8n workflow
 * (Start -> Comet Video) against the CometAPI simulator, plus small utilities.
 */

const crypto = require('node:crypto');

const { runWorkflow, credentialRef } = require('../harness');
const { startSimulator } = require('../simulator');

const NODE_TYPE = 'n8n-nodes-cometapi-video.cometVideo';
const NODE_NAME = 'Comet Video';
/** Fast polling and retries so the suite stays quick. */
const FAST_OPTIONS = Object.freeze({ pollIntervalSeconds: 1, retryBaseDelayMs: 10 });

function sha256(buffer) {
	return crypto.createHash('sha256').update(buffer).digest('hex');
}

/** A small buffer that starts with a real PNG signature (enough for any sniffer), then random bytes. */
function pngBytes(size = 1500) {
	const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
	return Buffer.concat([signature, crypto.randomBytes(size)]);
}

/** Same for JPEG (SOI + APP0 marker). */
function jpegBytes(size = 1500) {
	return Buffer.concat([Buffer.from('ffd8ffe000104a464946', 'hex'), crypto.randomBytes(size), Buffer.from('ffd9', 'hex')]);
}

/** A binary entry for the test.start node. */
function binaryEntry(buffer, mimeType, fileName) {
	return { base64: buffer.toString('base64'), mimeType, fileName };
}

/** Create-operation parameters, waiting and downloading unless told otherwise. */
function createParams(overrides = {}) {
	const { options, ...rest } = overrides;
	return {
		operation: 'create',
		model: 'veo3-fast',
		prompt: 'A paper boat drifting down a rainy street',
		waitForCompletion: true,
		downloadWhenComplete: true,
		...rest,
		options: { ...FAST_OPTIONS, ...(options ?? {}) },
	};
}

function withOptions(params) {
	return { ...params, options: { ...FAST_OPTIONS, ...(params.options ?? {}) } };
}

/**
 * Runs Start -> Comet Video in a real n8n execution.
 *
 * @param {object} sim          the simulator
 * @param {object} parameters   the Comet Video node's parameters (FAST_OPTIONS are merged in)
 * @param {object} [run]
 * @param {object[]} [run.items]         items the Start node emits (default: one empty item)
 * @param {object} [run.node]            extra node settings (e.g. { continueOnFail: true })
 * @param {string} [run.apiKey]          credential key (default: the simulator's)
 * @param {string} [run.binaryMode]      'default' | 'filesystem'
 * @param {number} [run.cancelAfterMs]
 * @returns the harness result plus `items` (the node's output items)
 */
async function runVideoNode(sim, parameters, run = {}) {
	const { items = [{ json: {} }], node = {}, apiKey = sim.apiKey, baseUrl = sim.url, ...rest } = run;
	const result = await runWorkflow({
		nodes: [
			{ name: 'Start', type: 'test.start', parameters: { items } },
			{
				name: NODE_NAME,
				type: NODE_TYPE,
				parameters: withOptions(parameters),
				credentials: credentialRef('cometApi'),
				...node,
			},
		],
		connections: { Start: { main: [[{ node: NODE_NAME, type: 'main', index: 0 }]] } },
		credentials: { cometApi: { apiKey, baseUrl } },
		// Lets the suite run against another build of the package (e.g. a patched copy).
		packageDir: process.env.COMET_VIDEO_PACKAGE_DIR || undefined,
		...rest,
	});
	result.items = result.output(NODE_NAME);
	return result;
}

/** Simulator requests for one route ('create', 'retrieve', 'content', 'remix', ...). */
function requestsTo(sim, route) {
	return sim.requests.filter((request) => request.route === route);
}

/**
 * Makes a job straight at the simulator (not through the node), for Retrieve/Download/Remix tests.
 * Removes its own request from sim.requests so tests only see what the node sent.
 */
async function createJobDirect(sim, { model = 'veo3-fast', prompt = 'A lighthouse at dusk', size, seconds } = {}) {
	const form = new FormData();
	form.set('model', model);
	form.set('prompt', prompt);
	if (size) form.set('size', size);
	if (seconds) form.set('seconds', seconds);
	const before = sim.requests.length;
	const response = await fetch(`${sim.url}/v1/videos`, {
		method: 'POST',
		headers: { authorization: `Bearer ${sim.apiKey}` },
		body: form,
	});
	const job = await response.json();
	if (!response.ok) throw new Error(`direct create failed: ${JSON.stringify(job)}`);
	sim.requests.splice(before, 1);
	return job;
}

/** Resolves once the simulator's job reached `status` (polls the simulator's state, not HTTP). */
async function untilStatus(sim, id, status, timeoutMs = 10_000) {
	const deadline = Date.now() + timeoutMs;
	while (sim.jobs.get(id)?.status !== status) {
		if (Date.now() > deadline) throw new Error(`job ${id} did not reach ${status}`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

/** Starts a simulator for one test file; resets it before every test and closes it afterwards. */
function useSimulator(options = {}) {
	const holder = {};
	beforeAll(async () => {
		holder.sim = await startSimulator({ jobDurationMs: 500, videoBytes: 96 * 1024, ...options });
	});
	beforeEach(() => holder.sim.reset());
	afterAll(async () => {
		await holder.sim?.close();
	});
	return () => holder.sim;
}

/** Asserts an error is the given n8n error class (by name: it may come from another module registry). */
function errorClassOf(error) {
	return error?.constructor?.name ?? error?.name;
}

module.exports = {
	FAST_OPTIONS,
	NODE_NAME,
	NODE_TYPE,
	binaryEntry,
	createJobDirect,
	createParams,
	errorClassOf,
	jpegBytes,
	pngBytes,
	requestsTo,
	runVideoNode,
	sha256,
	untilStatus,
	useSimulator,
};
