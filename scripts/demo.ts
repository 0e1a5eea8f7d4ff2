/**
 * `npm run demo`: turns one prompt into an MP4 in ./out, through n8n's workflow engine and the
 * Comet Video node. Offline by default (a local CometAPI simulator); with COMETAPI_API_KEY set
 * it runs the same workflow against the real CometAPI.
 *
 *   npm run demo                                  # simulator, no key, no network
 *   npm run demo -- "a paper boat on a rainy street"
 *   COMETAPI_API_KEY=sk-... COMETAPI_MODEL=veo3.1-fast npm run demo -- "..."
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { NODE_TYPE, REPO_ROOT } from '../tools/constants';
import { cleanup, credentialRef, runWorkflow, type RunWorkflowOptions } from '../tools/harness';
import { startSimulator, type Simulator } from '../tools/simulator';
import { simulatorCredentialData } from '../tools/simulator-access';

const prompt =
	process.argv.slice(2).join(' ') ||
	'A paper boat drifting down a rainy city street at dusk, cinematic';
const realKey = process.env.COMETAPI_API_KEY;
const outDir = path.join(REPO_ROOT, 'out');

function demoWorkflow(model: string): RunWorkflowOptions {
	return {
		nodes: [
			{ name: 'Prompt', type: 'test.start', parameters: { items: [{ json: { prompt } }] } },
			{
				name: 'Comet Video',
				type: NODE_TYPE,
				parameters: {
					operation: 'create',
					model: { __rl: true, mode: 'id', value: model },
					prompt: '={{ $json.prompt }}',
					waitForCompletion: true,
					downloadWhenComplete: true,
					binaryPropertyName: 'video',
				},
				credentials: credentialRef('cometVideoApi'),
			},
		],
		connections: { Prompt: { main: [[{ node: 'Comet Video', type: 'main', index: 0 }]] } },
	};
}

/** The real CometAPI when a key is given, else a simulator started for the demo. */
async function connect(): Promise<{
	credentials: { apiKey: string; baseUrl: string };
	simulator?: Simulator;
}> {
	if (realKey) {
		const baseUrl = process.env.COMETAPI_BASE_URL || 'https://api.cometapi.com';
		return { credentials: { apiKey: realKey, baseUrl } };
	}
	const simulator = await startSimulator({ jobDurationMs: 4000 });
	return { simulator, credentials: simulatorCredentialData(simulator) };
}

async function main(): Promise<void> {
	const { credentials, simulator } = await connect();
	const model = process.env.COMETAPI_MODEL || 'veo3.1-fast';
	console.log(
		`Comet Video demo: ${realKey ? `real CometAPI at ${credentials.baseUrl}` : `CometAPI simulator at ${credentials.baseUrl}`}`,
	);
	console.log(`Model ${model}, prompt: "${prompt}"`);
	try {
		const result = await runWorkflow({
			...demoWorkflow(model),
			credentials: { cometVideoApi: credentials },
			binaryMode: 'filesystem',
		});
		if (result.status !== 'success') {
			const error = result.error;
			throw new Error(
				`The workflow ended with status ${result.status}: ${error?.message}${error?.description ? `\n${error.description}` : ''}`,
			);
		}
		const [item] = result.output('Comet Video');
		const video = item.binary?.video;
		if (!video) throw new Error('The node gave no video');
		fs.mkdirSync(outDir, { recursive: true });
		const target = path.join(outDir, video.fileName ?? `${item.json.id}.mp4`);
		// Copy the file n8n stored, never the whole video through memory.
		await fs.promises.copyFile(result.binaryFilePath(video), target);
		const { size } = fs.statSync(target);
		console.log(
			`Job ${item.json.id}: ${item.json.status} in ${(result.durationMs / 1000).toFixed(1)} s`,
		);
		const estimate = item.json.estimatedCostUsd;
		console.log(
			`Estimated cost: ${estimate === null ? 'unknown' : `$${String(estimate)}`} (${String(item.json.costNote)})`,
		);
		console.log(
			`Wrote ${path.relative(process.cwd(), target) || target} (${size} bytes, ${(size / 1048576).toFixed(2)} MiB)`,
		);
	} finally {
		await simulator?.close();
		await cleanup();
	}
}

main().catch((error: Error) => {
	console.error(`Demo failed: ${error.message}`);
	process.exitCode = 1;
});
