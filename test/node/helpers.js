'use strict';

/**
 * Helpers for the workflow tests (test/node), on top of the ones both suites share (../helpers):
 * the suite's fast options and Create defaults (wait and download), a runner that takes the
 * simulator and merges the fast options in, and small utilities (hashes, image bytes).
 */

const crypto = require('node:crypto');

const shared = require('../helpers');

const { NODE_NAME, NODE_TYPE, createJobDirect, requestsTo, untilStatus } = shared;
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
	return Buffer.concat([
		Buffer.from('ffd8ffe000104a464946', 'hex'),
		crypto.randomBytes(size),
		Buffer.from('ffd9', 'hex'),
	]);
}

/** A binary entry for the test.start node. */
function binaryEntry(buffer, mimeType, fileName) {
	return { base64: buffer.toString('base64'), mimeType, fileName };
}

/** Create-operation parameters, waiting and downloading unless told otherwise. */
function createParams(overrides = {}) {
	return shared.withOptions(
		{
			...shared.CREATE_DEFAULTS,
			waitForCompletion: true,
			downloadWhenComplete: true,
			...overrides,
		},
		FAST_OPTIONS,
	);
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
 * @param {string} [run.baseUrl]         credential Base URL (default: the simulator's)
 * @param {string} [run.binaryMode]      'default' | 'filesystem'
 * @param {number} [run.cancelAfterMs]
 * @returns the harness result plus `items` (the node's output items)
 */
async function runVideoNode(sim, parameters, run = {}) {
	const { apiKey = sim.apiKey, baseUrl = sim.url, ...rest } = run;
	return await shared.runVideoWorkflow({
		parameters: shared.withOptions(parameters, FAST_OPTIONS),
		credential: { apiKey, baseUrl },
		...rest,
	});
}

/** Starts a simulator for one test file; resets it before every test and closes it afterwards. */
function useSimulator(options = {}) {
	return shared.useSimulator({ jobDurationMs: 500, videoBytes: 96 * 1024, ...options });
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
