/**
 * Runs n8n workflows in-process with n8n-core's real `WorkflowExecute` engine.
 *
 *   import { runWorkflow, credentialRef } from '../tools/harness';
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

import { randomUUID } from 'node:crypto';

import {
	ExecutionLifecycleHooks,
	ExternalSecretsProxy,
	WorkflowExecute,
	WorkflowHasIssuesError,
} from 'n8n-core';
import {
	UnexpectedError,
	Workflow,
	createDeferredPromise,
	type ExecutionBaseError,
	type IBinaryData,
	type IConnections,
	type ICredentialDataDecryptedObject,
	type ICredentialType,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type INodeTypes,
	type IRun,
	type IRunData,
	type IVersionedNodeType,
	type IWorkflowBase,
	type IWorkflowExecuteAdditionalData,
	type IWorkflowIssues,
	type IWorkflowSettings,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

import { HarnessCredentialsHelper } from './lib/credentials';
import {
	disposeEnvironment,
	disposeEnvironmentSync,
	ensureEnvironment,
	executionScope,
	type BinaryMode,
	type ExecutionScope,
	type LogEntry,
} from './lib/environment';
import { buildRegistry, type TypesInput } from './lib/node-types';

export { credentialRef } from './lib/credentials';
export type { BinaryMode, LogEntry } from './lib/environment';
export type { StartBinary, StartItem } from './lib/test-nodes';

/** A node in workflow JSON; the fields n8n's editor always writes get defaults. */
export type WorkflowNode = Pick<INode, 'name' | 'type'> & Partial<INode>;

export interface RunWorkflowOptions {
	nodes?: WorkflowNode[];
	connections?: IConnections;
	/** credential type -> decrypted data */
	credentials?: Record<string, ICredentialDataDecryptedObject | null | undefined>;
	binaryMode?: BinaryMode;
	/** Cancel like the UI's "stop" button, after this long. */
	cancelAfterMs?: number;
	/** Cancel when this aborts. */
	signal?: AbortSignal;
	/** Extra node type classes/instances, registered as `<name>` and `test.<name>`. */
	nodeTypes?: TypesInput<INodeType | IVersionedNodeType>;
	/** Extra credential type classes/instances. */
	credentialTypes?: TypesInput<ICredentialType>;
	/** Name of the node to start from (default: first `test.start`, else first without inputs). */
	startNode?: string;
	mode?: WorkflowExecuteMode;
	/** Workflow settings (executionOrder defaults to 'v1'). */
	settings?: IWorkflowSettings;
	/** After cancelling, how long to wait for the running node to return. */
	cancelGraceMs?: number;
	/** Echo n8n's log lines to the console. */
	printLogs?: boolean;
	/** Package whose `n8n` section is loaded (default: this repository). */
	packageDir?: string;
	name?: string;
}

/**
 * A failure: the error object the node threw (NodeApiError, NodeOperationError...) when
 * available, otherwise n8n's serialized copy of it.
 */
export type WorkflowError = ExecutionBaseError & {
	issues?: IWorkflowIssues;
	/** NodeApiError: the HTTP status. */
	httpCode?: string | null;
};

export interface WorkflowResult {
	status: 'success' | 'error' | 'canceled' | 'waiting';
	error: WorkflowError | undefined;
	runData: IRunData;
	/** The full run, when the engine produced one. */
	run: IRun | undefined;
	durationMs: number;
	/** Items of the node's last run (`[]` if it did not run). */
	output(nodeName: string, outputIndex?: number): INodeExecutionData[];
	/** The bytes of a binary the run produced (fails when there is none). */
	readBinary(binaryData: IBinaryData | undefined): Promise<Buffer>;
	/** Where a binary's file is (filesystem mode only; fails for a binary without a file). */
	binaryFilePath(binaryData: IBinaryData | undefined): string;
	/** Every line n8n logged during this execution. */
	logs: LogEntry[];
	/** Per-node issues when n8n refused to start the workflow. */
	issues?: IWorkflowIssues | null;
	/** After a cancel: whether the running node returned within cancelGraceMs. */
	engineSettled?: boolean;
	executionId: string;
	workflowId: string;
}

let executionCounter = 0;

/**
 * n8n-core's engine stores a node's failure as a *plain-object copy* of the error
 * (`{ ...error, message, stack }`), losing its class. To hand tests the original
 * NodeOperationError/NodeApiError, each node type's `execute` is wrapped (per run, via a
 * prototype-linked copy, so the loaded type stays untouched) to remember what it threw.
 */
function withErrorCapture(nodeTypes: INodeTypes, thrownByNode: Map<string, unknown>): INodeTypes {
	const wrappers = new WeakMap<INodeType, INodeType>();
	const wrap = (nodeType: INodeType): INodeType => {
		const original = nodeType?.execute;
		if (typeof original !== 'function') return nodeType;
		let wrapped = wrappers.get(nodeType);
		if (!wrapped) {
			const copy = Object.create(nodeType) as INodeType;
			copy.execute = async function (this: unknown, ...args: unknown[]) {
				// Node-class types are called as `type.execute(context)`, function-style ones
				// as `execute.call(context)`; find the context either way.
				const context = (this === copy ? args[0] : this) as { getNode?: () => INode } | undefined;
				try {
					type Execute = (...a: unknown[]) => ReturnType<NonNullable<INodeType['execute']>>;
					return await (original as Execute).apply(this === copy ? nodeType : this, args);
				} catch (error) {
					const nodeName = context?.getNode?.().name;
					if (nodeName !== undefined) thrownByNode.set(nodeName, error);
					throw error;
				}
			};
			wrappers.set(nodeType, copy);
			wrapped = copy;
		}
		return wrapped;
	};
	return {
		getByName: (type) => nodeTypes.getByName(type),
		getByNameAndVersion: (type, version) => wrap(nodeTypes.getByNameAndVersion(type, version)),
		getKnownTypes: () => nodeTypes.getKnownTypes(),
	};
}

/** Fills the fields n8n's editor would always put into workflow JSON. */
function normalizeNodes(nodes: WorkflowNode[], nodeTypes: INodeTypes): INode[] {
	return structuredClone(nodes).map((node, index): INode => {
		// Unknown types give undefined here (see buildRegistry); the engine reports them.
		const type = nodeTypes.getByName(node.type) as INodeType | IVersionedNodeType | undefined;
		let typeVersion = node.typeVersion;
		if (typeVersion === undefined && type) {
			// Default to the newest version, like dragging the node onto the canvas.
			typeVersion =
				'currentVersion' in type
					? type.currentVersion
					: [(type as INodeType).description.version].flat().at(-1);
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

function pickStartNode(workflow: Workflow, startNodeName: string | undefined): INode | undefined {
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

function mapStatus(run: IRun | undefined, canceled: boolean): WorkflowResult['status'] {
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
 */
export async function runWorkflow({
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
}: RunWorkflowOptions = {}): Promise<WorkflowResult> {
	if (!['default', 'filesystem'].includes(binaryMode)) {
		throw new UnexpectedError(`binaryMode must be 'default' or 'filesystem', got "${binaryMode}"`);
	}
	const env = await ensureEnvironment();
	const binaryDataService = env.binary[binaryMode];
	const scope: ExecutionScope = { logs: [], binaryMode, echoLogs: printLogs };

	return await executionScope.run(scope, async (): Promise<WorkflowResult> => {
		const startedAt = Date.now();
		const registry = await buildRegistry({ packageDir, extraNodeTypes, extraCredentialTypes });
		const thrownByNode = new Map<string, unknown>();
		const nodeTypes = withErrorCapture(registry.nodeTypes, thrownByNode);

		const executionId = String(++executionCounter);
		const workflowData: IWorkflowBase = {
			id: `harness-${executionId}`,
			name,
			active: false,
			isArchived: false,
			activeVersionId: null,
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
		const finished = createDeferredPromise<IRun>();
		hooks.addHandler('workflowExecuteAfter', (fullRunData) => finished.resolve(fullRunData));

		const credentialsHelper = new HarnessCredentialsHelper(registry.credentialTypes, credentials);
		const additionalData = buildAdditionalData({ hooks, credentialsHelper, executionId });

		const done = (
			run: IRun | undefined,
			canceled: boolean,
			error: unknown,
			extra: Pick<WorkflowResult, 'issues' | 'engineSettled'> = {},
		): WorkflowResult => {
			const runData = run?.data?.resultData?.runData ?? {};
			return {
				executionId,
				workflowId: workflowData.id,
				logs: scope.logs,
				readBinary: async (binaryData) => {
					if (!binaryData) throw new UnexpectedError('readBinary: the item has no such binary');
					return await binaryDataService.getAsBuffer(binaryData);
				},
				binaryFilePath: (binaryData) => {
					if (!binaryData?.id) throw new UnexpectedError('binaryFilePath: the binary has no file');
					return binaryDataService.getPath(binaryData.id);
				},
				status: mapStatus(run, canceled),
				error: error as WorkflowError | undefined,
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

		let execution: ReturnType<WorkflowExecute['run']>;
		let startNode: INode | undefined;
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
				const withIssues = error as WorkflowError;
				withIssues.issues = issues ?? undefined;
				withIssues.description ??= JSON.stringify(issues);
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

		type EngineOutcome = { value: IRun } | { error: unknown };
		let engineResult: EngineOutcome | undefined;
		let engineSettled = true;
		try {
			const enginePromise: Promise<EngineOutcome> = execution.then(
				(value) => ({ value }),
				(error: unknown) => ({ error }),
			);
			const first = await Promise.race([
				enginePromise,
				finished.promise.then(() => 'hook' as const),
			]);
			if (first !== 'hook') {
				engineResult = first;
			} else if (canceled) {
				// Cancelling resolves the hook immediately; like the CLI we report the execution
				// as canceled then, but we also wait for the running node to actually return so
				// nothing leaks into the next test.
				let graceTimer: NodeJS.Timeout | undefined;
				const grace = new Promise<'timeout'>((resolve) => {
					graceTimer = setTimeout(() => resolve('timeout'), cancelGraceMs);
				});
				const settled = await Promise.race([enginePromise, grace]);
				clearTimeout(graceTimer);
				if (settled === 'timeout') engineSettled = false;
				else engineResult = settled;
			} else {
				engineResult = await enginePromise;
			}
		} finally {
			clearTimeout(timer);
			signal?.removeEventListener('abort', cancel);
		}

		if (engineResult && 'error' in engineResult) {
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
		const error =
			original instanceof Error && original.message === resultError?.message
				? original
				: resultError;
		return done(run, canceled || run?.status === 'canceled', error, { engineSettled });
	});
}

/**
 * The `IWorkflowExecuteAdditionalData` n8n's CLI builds in
 * `WorkflowExecuteAdditionalData.getBase`, minus services that need a server or DB
 * (sub-workflows, task runners, AI event log).
 */
function buildAdditionalData({
	hooks,
	credentialsHelper,
	executionId,
}: {
	hooks: ExecutionLifecycleHooks;
	credentialsHelper: HarnessCredentialsHelper;
	executionId: string;
}): IWorkflowExecuteAdditionalData {
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
		// No external secrets providers, like a CLI without any configured.
		externalSecretsProxy: new ExternalSecretsProxy(),
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
export async function getStorageDir(): Promise<string> {
	return (await ensureEnvironment()).storageDir;
}

/** Removes the harness's temp folder (filesystem binary data, settings file). */
export async function cleanup(): Promise<void> {
	await disposeEnvironment();
}

// Don't leave binary files in /tmp: under Jest, clean up after the test file (each test
// file has its own module registry, hence its own environment); in plain Node scripts,
// at process exit.
const jestAfterAll = (globalThis as { afterAll?: (fn: () => Promise<void>) => void }).afterAll;
if (typeof jestAfterAll === 'function') {
	jestAfterAll(cleanup);
} else {
	process.once('exit', disposeEnvironmentSync);
}
