/**
 * Workflows and the credential the queue-mode runs import into n8n.
 */
import fs from 'node:fs';
import path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..');
const NODE_TYPE = 'n8n-nodes-cometapi-video.cometVideo';

export const CREDENTIAL_ID = 'queueCredComet01';
// The examples refer to their credential by this name; n8n resolves it on import.
export const CREDENTIAL_NAME = 'CometAPI';

export function cometCredential(apiKey: string, baseUrl: string): object {
	return {
		id: CREDENTIAL_ID,
		name: CREDENTIAL_NAME,
		type: 'cometVideoApi',
		data: { apiKey, baseUrl, allowHttp: false },
	};
}

/** An example from examples/, with a fixed id so it can be published from the CLI. */
export function exampleWorkflow(file: string, id: string): object {
	const workflow = JSON.parse(fs.readFileSync(path.join(REPO, 'examples', file), 'utf8'));
	return { ...workflow, id };
}

export interface VideoWorkflow {
	id: string;
	/** Webhook path: POST `{ "prompts": ["..."] }`, one video per prompt. */
	hookPath: string;
	workflow: object;
}

/**
 * Webhook -> Split Out (one item per prompt) -> Comet Video (Create, wait, download) -> Write
 * Files to Disk (`<outDir>/<job id>.mp4`). The webhook answers when the last node is done, with
 * every item's JSON, so a caller learns the job ids and where the files went.
 */
export function videoWorkflow({
	id,
	outDir,
	maxInFlight,
}: {
	id: string;
	outDir: string;
	maxInFlight: number;
}): VideoWorkflow {
	const hookPath = `queue-video-${id}`;
	const node = (
		name: string,
		type: string,
		typeVersion: number,
		x: number,
		parameters: object,
	) => ({
		id: `${id}-${name.toLowerCase().replace(/\W+/g, '-')}`,
		name,
		type,
		typeVersion,
		position: [x, 0],
		parameters,
	});
	const chain = ['Webhook', 'One Item per Prompt', 'Comet Video', 'Write Video'];
	return {
		id,
		hookPath,
		workflow: {
			id,
			name: `queue: webhook -> create, wait, download -> disk (${id})`,
			nodes: [
				{
					...node('Webhook', 'n8n-nodes-base.webhook', 2, 0, {
						httpMethod: 'POST',
						path: hookPath,
						responseMode: 'lastNode',
						responseData: 'allEntries',
						options: {},
					}),
					webhookId: `${id}-hook`,
				},
				node('One Item per Prompt', 'n8n-nodes-base.splitOut', 1, 220, {
					fieldToSplitOut: 'body.prompts',
					options: { destinationFieldName: 'prompt' },
				}),
				{
					...node('Comet Video', NODE_TYPE, 1, 440, {
						operation: 'create',
						model: 'veo3-fast',
						prompt: '={{ $json.prompt }}',
						referenceImages: 'none',
						waitForCompletion: true,
						downloadWhenComplete: true,
						binaryPropertyName: 'data',
						options: { maxInFlight },
					}),
					credentials: { cometVideoApi: { id: CREDENTIAL_ID, name: CREDENTIAL_NAME } },
				},
				node('Write Video', 'n8n-nodes-base.readWriteFile', 1, 660, {
					operation: 'write',
					fileName: `=${outDir}/{{ $json.id }}.mp4`,
					dataPropertyName: 'data',
					options: {},
				}),
			],
			connections: Object.fromEntries(
				chain
					.slice(0, -1)
					.map((from, index) => [
						from,
						{ main: [[{ node: chain[index + 1], type: 'main', index: 0 }]] },
					]),
			),
			settings: { executionOrder: 'v1' },
			pinData: {},
			active: false,
		},
	};
}
