'use strict';

/**
 * Helpers shared by the workflow suites (test/node) and the fault suites (test/faults): run
 * Start -> Comet Video in a real n8n execution against the CometAPI simulator, build the node's
 * parameters, make jobs straight at the simulator, and start/reset/close a simulator per file.
 * Each suite's own helpers (test/node/helpers.js, test/faults/helpers.js) build on these.
 */

const path = require('node:path');

const { runWorkflow, credentialRef } = require('../tools/harness');
const { startSimulator } = require('../tools/simulator');

const NODE_TYPE = 'n8n-nodes-cometapi-video.cometVideo';
const NODE_NAME = 'Comet Video';

/**
 * The package whose `n8n` section is loaded (default: this repository). COMET_VIDEO_PACKAGE_DIR
 * lets the suites run against another build of the package (e.g. a patched copy, to check a fix).
 */
const PACKAGE_DIR = path.resolve(process.env.COMET_VIDEO_PACKAGE_DIR || path.join(__dirname, '..'));

/** Defaults every operation shares (the Create prompt is the usual one). */
const CREATE_DEFAULTS = Object.freeze({
	operation: 'create',
	model: 'veo3-fast',
	prompt: 'A paper boat drifting down a rainy street',
});

/** `params` with `fastOptions` merged under its own `options` (the params' values win). */
function withOptions(params, fastOptions) {
	return { ...params, options: { ...fastOptions, ...(params.options ?? {}) } };
}

/**
 * Runs Start -> Comet Video in a real n8n execution.
 *
 * @param {object} args
 * @param {object} args.parameters   the Comet Video node's parameters, as given
 * @param {object} args.credential   the cometVideoApi credential data
 * @param {object[]} [args.items]    items the Start node emits (default: one empty item)
 * @param {object} [args.node]       extra node settings (e.g. { continueOnFail: true })
 * @param {...*} [args.rest]         passed on to the harness (binaryMode, cancelAfterMs, ...)
 * @returns the harness result plus `items` (the node's output items)
 */
async function runVideoWorkflow({
	parameters,
	credential,
	items = [{ json: {} }],
	node = {},
	...rest
}) {
	const result = await runWorkflow({
		nodes: [
			{ name: 'Start', type: 'test.start', parameters: { items } },
			{
				name: NODE_NAME,
				type: NODE_TYPE,
				parameters,
				credentials: credentialRef('cometVideoApi'),
				...node,
			},
		],
		connections: { Start: { main: [[{ node: NODE_NAME, type: 'main', index: 0 }]] } },
		credentials: { cometVideoApi: credential },
		packageDir: PACKAGE_DIR,
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
 * Makes a job straight at the simulator (not through the node), for the read-side tests.
 * Removes its own request from sim.requests so tests only see what the node sent
 * (`sim.createCount()` still goes up by one).
 */
async function createJobDirect(
	sim,
	{ model = 'veo3-fast', prompt = 'A lighthouse at dusk', size, seconds } = {},
) {
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
	if (!response.ok || !job.id) throw new Error(`direct create failed: ${JSON.stringify(job)}`);
	sim.requests.splice(before, 1);
	return job;
}

/** Resolves once `done(job)` holds for the simulator's job (polls its state, not HTTP). */
async function untilJob(sim, id, done, what, timeoutMs = 10_000) {
	const deadline = Date.now() + timeoutMs;
	while (!done(sim.jobs.get(id))) {
		if (Date.now() > deadline) throw new Error(`job ${id} did not ${what} within ${timeoutMs} ms`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

/** Resolves once the simulator's job reached `status`. */
function untilStatus(sim, id, status, timeoutMs) {
	return untilJob(sim, id, (job) => job?.status === status, `reach ${status}`, timeoutMs);
}

/** Resolves once the simulator's job ended, whatever the outcome. */
function untilFinished(sim, id, timeoutMs) {
	return untilJob(
		sim,
		id,
		(job) => job !== undefined && job.finishedAt !== null,
		'finish',
		timeoutMs,
	);
}

/**
 * Starts a simulator (with `options`) for one test file; resets it before every test and closes
 * it afterwards. Returns a getter for it.
 */
function useSimulator(options = {}) {
	const holder = {};
	beforeAll(async () => {
		holder.sim = await startSimulator(options);
	});
	beforeEach(() => holder.sim.reset());
	afterAll(async () => {
		await holder.sim?.close();
	});
	return () => holder.sim;
}

module.exports = {
	CREATE_DEFAULTS,
	NODE_NAME,
	NODE_TYPE,
	PACKAGE_DIR,
	createJobDirect,
	requestsTo,
	runVideoWorkflow,
	startSimulator,
	untilFinished,
	untilStatus,
	useSimulator,
	withOptions,
};
