/**
 * Workflows and the credential the queue-mode runs import into n8n.
 */
import path from 'node:path';

import { NODE_TYPE, REPO_ROOT } from '../constants';
import { readJson } from '../files';
import { CREDENTIAL_NAME } from '../simulator-access';

// The Model parameter is a resource locator; "list" is what picking from the editor's list saves.
const VEO_3_1_FAST = { __rl: true, mode: 'list', value: 'veo3.1-fast' };

export const CREDENTIAL_ID = 'queueCredComet01';

/** An example from examples/, with a fixed id so it can be published from the CLI. */
export function exampleWorkflow(file: string, id: string): object {
	return { ...readJson<object>(path.join(REPO_ROOT, 'examples', file)), id };
}

export interface WebhookWorkflow {
	id: string;
	/** Production webhook path (POST). */
	hookPath: string;
	workflow: object;
}

type NodeSpec = [name: string, type: string, typeVersion: number, parameters: object];

/** A straight chain of nodes started by a POST webhook; Comet Video nodes get the credential. */
function webhookChain(
	id: string,
	name: string,
	webhook: object,
	chain: NodeSpec[],
): WebhookWorkflow {
	const hookPath = `queue-${id}`;
	const specs: NodeSpec[] = [
		['Webhook', 'n8n-nodes-base.webhook', 2, { httpMethod: 'POST', path: hookPath, ...webhook }],
		...chain,
	];
	const nodes = specs.map(([nodeName, type, typeVersion, parameters], index) => ({
		id: `${id}-${index}`,
		name: nodeName,
		type,
		typeVersion,
		position: [index * 220, 0],
		parameters,
		...(type === NODE_TYPE
			? { credentials: { cometVideoApi: { id: CREDENTIAL_ID, name: CREDENTIAL_NAME } } }
			: {}),
		...(index === 0 ? { webhookId: `${id}-hook` } : {}),
	}));
	const connections = Object.fromEntries(
		nodes
			.slice(0, -1)
			.map((node, index) => [
				node.name,
				{ main: [[{ node: nodes[index + 1].name, type: 'main', index: 0 }]] },
			]),
	);
	return {
		id,
		hookPath,
		workflow: {
			id,
			name: `queue: ${name}`,
			nodes,
			connections,
			settings: { executionOrder: 'v1' },
			pinData: {},
			active: false,
		},
	};
}

const writeVideo = (outDir: string): NodeSpec => [
	'Write Video',
	'n8n-nodes-base.readWriteFile',
	1,
	{ operation: 'write', fileName: `=${outDir}/{{ $json.id }}.mp4`, dataPropertyName: 'data' },
];

/**
 * Webhook (POST `{ "prompts": ["..."] }`) -> one item per prompt -> Comet Video (Create, wait,
 * download) -> Write Files to Disk (`<outDir>/<job id>.mp4`). The webhook answers when the last
 * node is done, with every item's JSON.
 */
export function videoWorkflow(id: string, outDir: string, maxInFlight: number): WebhookWorkflow {
	return webhookChain(
		id,
		'webhook -> create, wait, download -> disk',
		{ responseMode: 'lastNode', responseData: 'allEntries' },
		[
			[
				'One Item per Prompt',
				'n8n-nodes-base.splitOut',
				1,
				{ fieldToSplitOut: 'body.prompts', options: { destinationFieldName: 'prompt' } },
			],
			[
				'Comet Video',
				NODE_TYPE,
				1,
				{
					operation: 'create',
					model: VEO_3_1_FAST,
					prompt: '={{ $json.prompt }}',
					waitForCompletion: true,
					downloadWhenComplete: true,
					binaryPropertyName: 'data',
					options: { maxInFlight },
				},
			],
			writeVideo(outDir),
		],
	);
}

/**
 * Webhook (POST `{ "prompt": "..." }`, answered at once) -> Comet Video (Create, no wait) ->
 * Wait -> Comet Video (Retrieve, wait, download) -> Write Files to Disk. n8n parks an execution
 * whose Wait lasts 65 s or more in the database, which frees its worker slot.
 */
export function createWaitRetrieveWorkflow(
	id: string,
	outDir: string,
	waitSeconds: number,
): WebhookWorkflow {
	return webhookChain(
		id,
		`webhook -> create -> wait ${waitSeconds} s -> retrieve, download -> disk`,
		{ responseMode: 'onReceived' },
		[
			[
				'Create Job',
				NODE_TYPE,
				1,
				{
					operation: 'create',
					model: VEO_3_1_FAST,
					prompt: '={{ $json.body.prompt }}',
					waitForCompletion: false,
				},
			],
			[
				'Wait',
				'n8n-nodes-base.wait',
				1.1,
				{ resume: 'timeInterval', amount: waitSeconds, unit: 'seconds' },
			],
			[
				'Retrieve and Download',
				NODE_TYPE,
				1,
				{
					operation: 'retrieve',
					videoId: '={{ $json.id }}',
					waitForCompletion: true,
					downloadWhenComplete: true,
					binaryPropertyName: 'data',
				},
			],
			writeVideo(outDir),
		],
	);
}
