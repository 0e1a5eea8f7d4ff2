'use strict';

/**
 * Runs n8n workflows in-process with n8n-core's real `WorkflowExecute` engine.
 *
 *   const { runWorkflow, credentialRef } = require('./tools/harness');
 *   const result = await runWorkflow({
 *     nodes: [
 *       { name: 'Start', type: 'test.start', parameters: { items: [{ json: { a: 1 } }] } },
 *       { name: 'Video', type: 'n8n-nodes-cometapi-video.cometVideo', parameters: {...},
 *         credentials: credentialRef('cometVideoApi') },
 *     ],
 *     connections: { Start: { main: [[{ node: 'Video', type: 'main', index: 0 }]] } },
 *     credentials: { cometVideoApi: { apiKey: 'k', baseUrl: 'http://127.0.0.1:1234' } },
 *   });
 *
 * See README.md in this folder for the full contract.
 */

const { randomUUID } = require('node:crypto');
const { ExecutionLifecycleHooks, WorkflowExecute, WorkflowHasIssuesError } = require('n8n-core');
const { Workflow, createDeferredPromise, UnexpectedError } = require('n8n-workflow');

const {
	ensureEnvironment,
	disposeEnvironment,
	disposeEnvironmentSync,
	executionScope,
} = require('./lib/environment');
const { HarnessCredentialsHelper, credentialRef } = require('./lib/credentials');
const { buildRegistry } = require('./lib/node-types');

let executionCounter = 0;

/**
 * n8n-core's engine stores a node's failure as a *plain-object copy* of the error
 * (`{ ...error, message, stack }`), losing its class. To hand tests the original
 * NodeOperationError/NodeApiError, each node type's `execute` is wrapped (per run, via a
 * prototype-linked copy, so the loaded type stays untouched) to remember what it threw.
 */
function withErrorCapture(nodeTypes, thrownByNode) {
	const wrappers = new WeakMap();
	const wrap = (nodeType) => {
		if (!nodeType || typeof nodeType.execute !== 'function') return nodeType;
		if (!wrappers.has(nodeType)) {
			const original = nodeType.execute;
			const wrapped = Object.create(nodeType);
			wrapped.execute = async function (...args) {
				// Node-class types are called as `type.execute(context)`, function-style ones
				// as `execute.call(context)`; find the context either way.
				const context = this === wrapped ? args[0] : this;
				try {
					return await original.apply(this === wrapped ? nodeType : this, args);
				} catch (error) {
					const nodeName = context?.getNode?.().name;
					if (nodeName !== undefined) thrownByNode.set(nodeName, error);
					throw error;
				}
			};
			wrappers.set(nodeType, wrapped);
		}
		return wrappers.get(nodeType);
	};
	return {
		getByName: (type) => nodeTypes.getByName(type),
		getByNameAndVersion: (type, version) => wrap(nodeTypes.getByNameAndVersion(type, version)),
		getKnownTypes: () => nodeTypes.getKnownTypes(),
	};
}

/** Fills the fields n8n's editor would always put into workflow JSON. */
function normalizeNodes(nodes, nodeTypes) {
	return structuredClone(nodes).map((node, index) => {
		const type = nodeTypes.getByName(node.type);
		let typeVersion = node.typeVersion;
		if (typeVersion === undefined && type) {
			// Default to the newest version, like dragging the node onto the canvas.
			typeVersion = type.currentVersion ?? [].concat(type.description.version).at(-1);
		}
		return {
			id: node.id ?? randomUUID(),
			position: node.position ?? [index * 200, 0],
			parameters: node.parameters ?? {},
			...node,
			typeVersion: typeVersion ?? 1,
		};
	});
}

function pickStartNode(workflow, startNodeName) {
	if (startNodeName) {
		const node = workflow.getNode(startNodeName);
		if (!node) throw new UnexpectedError(`Start node "${startNodeName}" not found`);
		return node;
	}
	const nodes = Object.values(workflow.nodes);
	return (
		nodes.find((n) => n.type === 'test.start' && !n.disabled) ??
		nodes.find((n) => !n.disabled && !workflow.connectionsByDestinationNode[n.name])
	);
}

function mapStatus(run, canceled) {
	if (canceled) return 'canceled';
	switch (run?.status) {
		case 'success':
			return 'success';
		case 'canceled':
			return 'canceled';
		case 'waiting':
			return 'waiting';
		default:
			return 'error';
	}
}

/**
 * Executes a workflow definition and resolves once the engine has finished (it never
 * rejects for node errors; those become `status: 'error'`).
 *
 * @param {object} options
 * @param {object[]} options.nodes                n8n workflow JSON nodes
 * @param {object} [options.connections]          n8n workflow JSON connections
 * @param {Record<string, object>} [options.credentials]  credential type -> data
 * @param {'default'|'filesystem'} [options.binaryMode]
 * @param {number} [options.cancelAfterMs]        cancel like the UI's "stop" button
 * @param {AbortSignal} [options.signal]          cancel when this aborts
 * @param {Function[]|object} [options.nodeTypes] extra node type classes/instances
 * @param {Function[]|object} [options.credentialTypes] extra credential type classes/instances
 * @param {string} [options.startNode]            name of the node to start from
 * @param {string} [options.mode]                 WorkflowExecuteMode, default 'manual'
 * @param {object} [options.settings]             workflow settings (executionOrder defaults to 'v1')
 * @param {number} [options.cancelGraceMs]        after cancelling, how long to wait for the
 *                                                running node to return (default 10000)
 * @param {boolean} [options.printLogs]           echo n8n's log lines to the console
 * @param {string} [options.packageDir]           package whose `n8n` section is loaded
 */
async function runWorkflow({
	nodes,
	connections = {},
	credentials = {},
	binaryMode = 'default',
	cancelAfterMs,
	signal,
	nodeTypes: extraNodeTypes,
	credentialTypes: extraCredentialTypes,
	startNode: startNodeName,
	mode = 'manual',
	settings = {},
	cancelGraceMs = 10_000,
	printLogs = false,
	packageDir,
	name = 'Harness workflow',
} = {}) {
	if (!['default', 'filesystem'].includes(binaryMode)) {
		throw new UnexpectedError(`binaryMode must be 'default' or 'filesystem', got "${binaryMode}"`);
	}
	const env = await ensureEnvironment();
	const binaryDataService = env.binary[binaryMode];
	const scope = { logs: [], binaryMode, echoLogs: printLogs };

	return await executionScope.run(scope, async () => {
		const startedAt = Date.now();
		const registry = await buildRegistry({ packageDir, extraNodeTypes, extraCredentialTypes });
		const thrownByNode = new Map();
		const nodeTypes = withErrorCapture(registry.nodeTypes, thrownByNode);

		const executionId = String(++executionCounter);
		const workflowData = {
			id: `harness-${executionId}`,
			name,
			active: false,
			isArchived: false,
			nodes: normalizeNodes(nodes ?? [], registry.nodeTypes),
			connections: structuredClone(connections),
			settings: { executionOrder: 'v1', ...settings },
			createdAt: new Date(),
			updatedAt: new Date(),
		};
		const workflow = new Workflow({
			id: workflowData.id,
			name,
			nodes: workflowData.nodes,
			connections: workflowData.connections,
			active: false,
			nodeTypes,
			settings: workflowData.settings,
		});

		// Lifecycle hooks are how n8n learns an execution has ended; the CLI resolves its
		// "execution finished" promise from `workflowExecuteAfter`, and so do we.
		const hooks = new ExecutionLifecycleHooks(mode, executionId, workflowData);
		const finished = createDeferredPromise();
		hooks.addHandler('workflowExecuteAfter', (fullRunData) => finished.resolve(fullRunData));

		const credentialsHelper = new HarnessCredentialsHelper(registry.credentialTypes, credentials);
		const additionalData = buildAdditionalData({ hooks, credentialsHelper, executionId });

		const base = {
			executionId,
			workflowId: workflowData.id,
			logs: scope.logs,
			readBinary: async (binaryData) => await binaryDataService.getAsBuffer(binaryData),
			binaryFilePath: (binaryData) =>
				binaryData?.id ? binaryDataService.getPath(binaryData.id) : undefined,
		};
		const done = (run, canceled, error, extra = {}) => {
			const runData = run?.data?.resultData?.runData ?? {};
			return {
				...base,
				status: mapStatus(run, canceled),
				error,
				runData,
				run,
				durationMs: Date.now() - startedAt,
				output(nodeName, outputIndex = 0) {
					const runs = runData[nodeName];
					return runs?.at(-1)?.data?.main?.[outputIndex] ?? [];
				},
				...extra,
			};
		};

		let execution;
		let startNode;
		const workflowExecute = new WorkflowExecute(additionalData, mode);
		try {
			startNode = pickStartNode(workflow, startNodeName);
			if (!startNode) throw new UnexpectedError('No start node found');
			execution = workflowExecute.run({ workflow, startNode });
		} catch (error) {
			// e.g. WorkflowHasIssuesError (unknown type, missing required parameter): n8n
			// rejects the run before it starts. Its message doesn't say *what* is wrong, so
			// attach the per-node issues the engine computed (same check, re-run).
			if (error instanceof WorkflowHasIssuesError && startNode) {
				const issues = workflowExecute.checkReadyForExecution(workflow, {
					startNode: startNode.name,
				});
				error.issues = issues;
				error.description ??= JSON.stringify(issues);
				return done(undefined, false, error, { issues });
			}
			return done(undefined, false, error);
		}

		let canceled = false;
		const cancel = () => {
			if (canceled) return;
			canceled = true;
			execution.cancel();
		};
		const timer = cancelAfterMs === undefined ? undefined : setTimeout(cancel, cancelAfterMs);
		if (signal?.aborted) cancel();
		signal?.addEventListener('abort', cancel, { once: true });

		let engineResult;
		let engineSettled = true;
		try {
			const enginePromise = execution.then(
				(value) => ({ value }),
				(error) => ({ error }),
			);
			const first = await Promise.race([enginePromise, finished.promise.then(() => 'hook')]);
			if (first !== 'hook') {
				engineResult = first;
			} else if (canceled) {
				// Cancelling resolves the hook immediately; like the CLI we report the execution
				// as canceled then, but we also wait for the running node to actually return so
				// nothing leaks into the next test.
				let graceTimer;
				const grace = new Promise((resolve) => {
					graceTimer = setTimeout(() => resolve('timeout'), cancelGraceMs);
				});
				const settled = await Promise.race([enginePromise, grace]);
				clearTimeout(graceTimer);
				engineSettled = settled !== 'timeout';
				if (engineSettled) engineResult = settled;
			} else {
				engineResult = await enginePromise;
			}
		} finally {
			clearTimeout(timer);
			signal?.removeEventListener('abort', cancel);
		}

		if (engineResult?.error) {
			// The engine itself threw (should not happen for node errors).
			return done(undefined, canceled, engineResult.error, { engineSettled });
		}
		// Already-settled promises race in argument order: the hook's run data if it fired.
		const hookRun = await Promise.race([finished.promise, Promise.resolve(undefined)]);
		const run =
			engineResult?.value && typeof engineResult.value === 'object' ? engineResult.value : hookRun;

		const resultError = run?.data?.resultData?.error;
		const lastNode = run?.data?.resultData?.lastNodeExecuted;
		const original = lastNode === undefined ? undefined : thrownByNode.get(lastNode);
		const error = original && original.message === resultError?.message ? original : resultError;
		return done(run, canceled || run?.status === 'canceled', error, { engineSettled });
	});
}

/**
 * The `IWorkflowExecuteAdditionalData` n8n's CLI builds in
 * `WorkflowExecuteAdditionalData.getBase`, minus services that need a server or DB
 * (sub-workflows, task runners, AI event log).
 */
function buildAdditionalData({ hooks, credentialsHelper, executionId }) {
	const baseUrl = 'http://localhost:5678';
	return {
		hooks,
		credentialsHelper,
		executionId,
		currentNodeExecutionIndex: 0,
		restApiUrl: `${baseUrl}/rest`,
		instanceBaseUrl: baseUrl,
		formWaitingBaseUrl: `${baseUrl}/form-waiting`,
		webhookBaseUrl: `${baseUrl}/webhook`,
		webhookWaitingBaseUrl: `${baseUrl}/webhook-waiting`,
		webhookTestBaseUrl: `${baseUrl}/webhook-test`,
		variables: {},
		userId: undefined,
		currentNodeParameters: undefined,
		executionTimeoutTimestamp: undefined,
		setExecutionStatus: () => {},
		sendDataToUI: () => {},
		logAiEvent: () => {},
		executeWorkflow: async () => {
			throw new UnexpectedError('Sub-workflow execution is not supported by the test harness');
		},
		getRunExecutionData: async () => undefined,
		startRunnerTask: async () => {
			throw new UnexpectedError('Task runners are not available in the test harness');
		},
	};
}

/** Folder under which filesystem-mode binary data is written (created on first use). */
async function getStorageDir() {
	return (await ensureEnvironment()).storageDir;
}

/** Removes the harness's temp folder (filesystem binary data, settings file). */
async function cleanup() {
	await disposeEnvironment();
}

// Don't leave binary files in /tmp: under Jest, clean up after the test file (each test
// file has its own module registry, hence its own environment); in plain Node scripts,
// at process exit.
if (typeof afterAll === 'function') {
	afterAll(cleanup);
} else {
	process.once('exit', disposeEnvironmentSync);
}

module.exports = { runWorkflow, credentialRef, cleanup, getStorageDir };
