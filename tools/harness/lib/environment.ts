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

import { AsyncLocalStorage } from 'node:async_hooks';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as util from 'node:util';

import { Logger } from '@n8n/backend-common';
import { Container } from '@n8n/di';
import { BinaryDataConfig, BinaryDataService, ErrorReporter, InstanceSettings } from 'n8n-core';
import { LoggerProxy, type LogMetadata, type Logger as WorkflowLogger } from 'n8n-workflow';

import { unrefServiceTimers } from './n8n-core-internals';

export type BinaryMode = 'default' | 'filesystem';

/** One line n8n logged. */
export interface LogEntry {
	level: string;
	message: string;
	metadata: LogMetadata | undefined;
	/** Fully expanded rendering (metadata included), for secret scanning. */
	text: string;
}

/** What belongs to the execution whose async chain we are in. */
export interface ExecutionScope {
	logs: LogEntry[];
	binaryMode: BinaryMode;
	echoLogs: boolean;
}

export const executionScope = new AsyncLocalStorage<ExecutionScope>();

/** Log entries emitted outside any execution (e.g. while loading node packages). */
const orphanLogs: LogEntry[] = [];

/**
 * Logger handed to n8n (both the DI `Logger` and n8n-workflow's `LoggerProxy`).
 * It records every entry into the current execution's `logs` so tests can scan them
 * for leaked secrets, and stays silent unless asked to echo (HARNESS_LOG=1 or the
 * `printLogs` run option) because n8n's debug output is very chatty.
 */
class CapturingLogger implements WorkflowLogger {
	private readonly echoAll = /^(1|true|yes)$/i.test(process.env.HARNESS_LOG ?? '');

	record(level: string, message: unknown, metadata?: LogMetadata): void {
		const scope = executionScope.getStore();
		const entry: LogEntry = {
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
		if (this.echoAll || scope?.echoLogs) console.log(`[n8n ${level}] ${entry.text}`);
	}

	error(message: string, metadata?: LogMetadata): void {
		this.record('error', message, metadata);
	}
	warn(message: string, metadata?: LogMetadata): void {
		this.record('warn', message, metadata);
	}
	info(message: string, metadata?: LogMetadata): void {
		this.record('info', message, metadata);
	}
	debug(message: string, metadata?: LogMetadata): void {
		this.record('debug', message, metadata);
	}
	verbose(message: string, metadata?: LogMetadata): void {
		this.record('verbose', message, metadata);
	}
	// n8n services call `logger.scoped('binary-data')` etc.; scoping only filters output,
	// which we don't need, so every scope shares the same capture.
	scoped(): this {
		return this;
	}
}

/**
 * Forwards every property access to the object chosen for the current execution.
 * Used so `Container.get(BinaryDataService)` inside n8n-core hits the service that
 * matches the running workflow's binary mode.
 */
function routeByExecution<T extends object>(pick: () => T): T {
	return new Proxy({} as T, {
		get(_target, prop) {
			const target = pick();
			const value: unknown = Reflect.get(target, prop);
			return typeof value === 'function' ? value.bind(target) : value;
		},
		has(_target, prop) {
			return prop in pick();
		},
	});
}

/** The services every execution shares, and where they write. */
export interface Environment {
	tempRoot: string;
	/** Folder of filesystem-mode binary data. */
	storageDir: string;
	binary: Record<BinaryMode, BinaryDataService>;
	instanceSettings: InstanceSettings;
}

let environmentPromise: Promise<Environment> | undefined;

/** Idempotent: builds the shared environment on first call. */
export function ensureEnvironment(): Promise<Environment> {
	environmentPromise ??= createEnvironment();
	return environmentPromise;
}

async function createEnvironment(): Promise<Environment> {
	// Everything the harness writes (instance settings file, filesystem binary store)
	// lives in one temp folder, never in the user's ~/.n8n.
	const tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-harness-'));
	tempRootCreated = tempRoot;
	const storageDir = path.join(tempRoot, 'binaryData');

	// n8n's DI Logger is a class with private state; the capture stands in for it through the
	// methods services call.
	const logger = new CapturingLogger() as unknown as Logger;
	Container.set(Logger, logger);
	LoggerProxy.init(logger);

	// Construct InstanceSettings directly with a config object instead of letting the
	// container build it from env vars: its constructor otherwise reads/creates
	// ~/.n8n/config. The random key is what Cipher uses to encrypt our credentials.
	const instanceSettingsConfig = {
		n8nFolder: path.join(tempRoot, '.n8n'),
		userHome: tempRoot,
		encryptionKey: crypto.randomBytes(24).toString('base64'),
		enforceSettingsFilePermissions: false,
	};
	const instanceSettings = new InstanceSettings(
		instanceSettingsConfig as ConstructorParameters<typeof InstanceSettings>[0],
		logger,
	);
	Container.set(InstanceSettings, instanceSettings);

	// ErrorReporter is built by the container (it only needs Logger + Tracing); without a
	// Sentry init it just logs through our capturing logger.
	const errorReporter = Container.get(ErrorReporter);

	// One real BinaryDataService per mode. Config is a plain object because the real
	// BinaryDataConfig is env-driven; these are exactly the fields the service reads.
	const makeConfig = (mode: BinaryMode): BinaryDataConfig => ({
		mode,
		availableModes: ['filesystem'],
		localStoragePath: storageDir,
		signingSecret: crypto
			.createHash('sha256')
			.update(`url-signing:${instanceSettings.encryptionKey}`)
			.digest('base64'),
		dbMaxFileSize: 512,
	});
	const configs: Record<BinaryMode, BinaryDataConfig> = {
		default: makeConfig('default'),
		filesystem: makeConfig('filesystem'),
	};
	const binary = {
		default: new BinaryDataService(configs.default, errorReporter, logger),
		filesystem: new BinaryDataService(configs.filesystem, errorReporter, logger),
	};
	// init() always sets up the filesystem manager (so ids of the form "filesystem-v2:..." can
	// be read back in either mode); only `mode` decides where new data is written.
	await binary.default.init();
	await binary.filesystem.init();

	const currentMode = (): BinaryMode => executionScope.getStore()?.binaryMode ?? 'default';
	Container.set(
		BinaryDataService,
		routeByExecution(() => binary[currentMode()]),
	);
	Container.set(
		BinaryDataConfig,
		routeByExecution(() => configs[currentMode()]),
	);

	unrefServiceTimers();

	return { tempRoot, storageDir, binary, instanceSettings };
}

let tempRootCreated: string | undefined; // known synchronously, for the process 'exit' handler

/** Deletes the temp folder (binary files, settings). Safe to call more than once. */
export async function disposeEnvironment(): Promise<void> {
	if (!environmentPromise) return;
	const pending = environmentPromise;
	environmentPromise = undefined;
	const { tempRoot } = await pending;
	fs.rmSync(tempRoot, { recursive: true, force: true });
}

/** Synchronous variant for `process.on('exit')`, where async work can't run. */
export function disposeEnvironmentSync(): void {
	if (tempRootCreated) fs.rmSync(tempRootCreated, { recursive: true, force: true });
	environmentPromise = undefined;
}
