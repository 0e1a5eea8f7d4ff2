'use strict';

/**
 * One-time, process-wide setup of the services n8n-core pulls from the DI container
 * while executing a workflow.
 *
 * n8n-core resolves several services lazily through `Container.get(...)` deep inside the
 * engine (InstanceSettings in every node context, Cipher in `Credentials`, Logger,
 * ErrorReporter, BinaryDataService in every binary helper, BinaryDataConfig after every
 * node run). The container is a module-level singleton, so we register each service once
 * and make the per-execution parts (binary-data mode, log capture) follow the *current
 * execution* through an AsyncLocalStorage instead of swapping container entries per run.
 * That keeps concurrent runs with different binary modes correct.
 */

const { AsyncLocalStorage } = require('node:async_hooks');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const util = require('node:util');

const { Container } = require('@n8n/di');
const { Logger } = require('@n8n/backend-common');
const { LoggerProxy } = require('n8n-workflow');
const {
	BinaryDataService,
	BinaryDataConfig,
	InstanceSettings,
	ErrorReporter,
} = require('n8n-core');

/** Holds `{ logs, binaryMode, echoLogs }` for the execution whose async chain we are in. */
const executionScope = new AsyncLocalStorage();

/** Log entries emitted outside any execution (e.g. while loading node packages). */
const orphanLogs = [];

/**
 * Logger handed to n8n (both the DI `Logger` and n8n-workflow's `LoggerProxy`).
 * It records every entry into the current execution's `logs` so tests can scan them
 * for leaked secrets, and stays silent unless asked to echo (HARNESS_LOG=1 or the
 * `printLogs` run option) because n8n's debug output is very chatty.
 */
class CapturingLogger {
	constructor() {
		this.echoAll = /^(1|true|yes)$/i.test(process.env.HARNESS_LOG ?? '');
	}

	record(level, message, metadata) {
		const scope = executionScope.getStore();
		const entry = {
			level,
			message: typeof message === 'string' ? message : util.inspect(message),
			metadata,
			// A fully expanded rendering, so a secret hidden inside an error object in the
			// metadata is still found by a plain substring search.
			text: `${level}: ${typeof message === 'string' ? message : util.inspect(message, { depth: 6 })}${
				metadata === undefined
					? ''
					: ` ${util.inspect(metadata, { depth: 6, breakLength: Infinity })}`
			}`,
		};
		(scope ? scope.logs : orphanLogs).push(entry);
		if (this.echoAll || scope?.echoLogs) {
			// eslint-disable-next-line no-console
			console.log(`[n8n ${level}] ${entry.text}`);
		}
	}

	error(message, metadata) {
		this.record('error', message, metadata);
	}
	warn(message, metadata) {
		this.record('warn', message, metadata);
	}
	info(message, metadata) {
		this.record('info', message, metadata);
	}
	debug(message, metadata) {
		this.record('debug', message, metadata);
	}
	verbose(message, metadata) {
		this.record('verbose', message, metadata);
	}
	// n8n services call `logger.scoped('binary-data')` etc.; scoping only filters output,
	// which we don't need, so every scope shares the same capture.
	scoped() {
		return this;
	}
}

/**
 * Forwards every property access to the object chosen for the current execution.
 * Used so `Container.get(BinaryDataService)` inside n8n-core hits the service that
 * matches the running workflow's binary mode.
 */
function routeByExecution(pick) {
	return new Proxy(
		{},
		{
			get(_target, prop) {
				const target = pick();
				const value = target[prop];
				return typeof value === 'function' ? value.bind(target) : value;
			},
			has(_target, prop) {
				return prop in pick();
			},
		},
	);
}

let environmentPromise;

/**
 * Idempotent: builds the shared environment on first call.
 * Returns `{ logger, storageDir, binary: { default, filesystem }, tempRoot }`.
 */
function ensureEnvironment() {
	environmentPromise ??= createEnvironment();
	return environmentPromise;
}

async function createEnvironment() {
	// Everything the harness writes (instance settings file, filesystem binary store)
	// lives in one temp folder, never in the user's ~/.n8n.
	const tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-harness-'));
	tempRootCreated = tempRoot;
	const storageDir = path.join(tempRoot, 'binaryData');

	const logger = new CapturingLogger();
	Container.set(Logger, logger);
	LoggerProxy.init(logger);

	// Construct InstanceSettings directly with a config object instead of letting the
	// container build it from env vars: its constructor otherwise reads/creates
	// ~/.n8n/config. The random key is what Cipher uses to encrypt our credentials.
	const instanceSettings = new InstanceSettings(
		{
			n8nFolder: path.join(tempRoot, '.n8n'),
			userHome: tempRoot,
			encryptionKey: crypto.randomBytes(24).toString('base64'),
			enforceSettingsFilePermissions: false,
		},
		logger,
	);
	Container.set(InstanceSettings, instanceSettings);

	// ErrorReporter is built by the container (it only needs Logger + Tracing); without a
	// Sentry init it just logs through our capturing logger.
	const errorReporter = Container.get(ErrorReporter);

	// One real BinaryDataService per mode. Config is a plain object because the real
	// BinaryDataConfig is env-driven; these are exactly the fields the service reads.
	const makeConfig = (mode) => ({
		mode,
		availableModes: ['filesystem'],
		localStoragePath: storageDir,
		signingSecret: crypto
			.createHash('sha256')
			.update(`url-signing:${instanceSettings.encryptionKey}`)
			.digest('base64'),
		dbMaxFileSize: 512,
	});
	const configs = { default: makeConfig('default'), filesystem: makeConfig('filesystem') };
	const binary = {};
	for (const mode of Object.keys(configs)) {
		binary[mode] = new BinaryDataService(configs[mode], errorReporter, logger);
		// init() always sets up the filesystem manager (so ids of the form
		// "filesystem-v2:..." can be read back in either mode); only `mode` decides
		// where new data is written.
		await binary[mode].init();
	}

	const currentMode = () => executionScope.getStore()?.binaryMode ?? 'default';
	Container.set(
		BinaryDataService,
		routeByExecution(() => binary[currentMode()]),
	);
	Container.set(
		BinaryDataConfig,
		routeByExecution(() => configs[currentMode()]),
	);

	unrefServiceTimers();

	return { logger, tempRoot, storageDir, binary, instanceSettings };
}

/**
 * Every node execution context builds its SSH-tunnel and scheduling helpers, which pulls
 * SSHClientsManager and ScheduledTaskManager out of the container. Their constructors
 * start long-lived `setInterval`s meant for a server process; left alone they keep Jest
 * (and scripts) from exiting. We create them up front and unref those timers. Neither
 * class is exported from n8n-core's index, hence the deep requires.
 */
function unrefServiceTimers() {
	const services = [
		['n8n-core/dist/execution-engine/ssh-clients-manager', 'SSHClientsManager', 'cleanupTimer'],
		[
			'n8n-core/dist/execution-engine/scheduled-task-manager',
			'ScheduledTaskManager',
			'logInterval',
		],
	];
	for (const [modulePath, className, timerField] of services) {
		try {
			const service = Container.get(require(modulePath)[className]);
			service[timerField]?.unref?.();
		} catch {
			// Layout changed in another n8n-core version: worst case Jest needs --forceExit.
		}
	}
}

let tempRootCreated; // known synchronously, for the process 'exit' handler

/** Deletes the temp folder (binary files, settings). Safe to call more than once. */
async function disposeEnvironment() {
	if (!environmentPromise) return;
	const pending = environmentPromise;
	environmentPromise = undefined;
	const { tempRoot } = await pending;
	fs.rmSync(tempRoot, { recursive: true, force: true });
}

/** Synchronous variant for `process.on('exit')`, where async work can't run. */
function disposeEnvironmentSync() {
	if (tempRootCreated) fs.rmSync(tempRootCreated, { recursive: true, force: true });
	environmentPromise = undefined;
}

module.exports = {
	ensureEnvironment,
	disposeEnvironment,
	disposeEnvironmentSync,
	executionScope,
	orphanLogs,
};
