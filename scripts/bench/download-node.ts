/**
 * Download measurement of the Comet Video node: a real workflow execution (test.start -> Comet
 * Video, operation Download) after a warm-up execution of a tiny download. See download.ts.
 */
import * as fs from 'node:fs';

import { sha256, sha256File } from '../../tools/files';
import { cleanup, credentialRef, runWorkflow, type WorkflowResult } from '../../tools/harness';
import { RssTracker } from './lib';
import { runMeasurement, settle, type DownloadResult, type DownloadSpec } from './download';

const NODE_TYPE = 'n8n-nodes-cometapi-video.cometVideo';

type Execute = (baseUrl: string, id: string) => Promise<WorkflowResult>;

async function runNode(spec: DownloadSpec): Promise<DownloadResult> {
	const execute: Execute = (baseUrl, id) =>
		runWorkflow({
			nodes: [
				{ name: 'Start', type: 'test.start', parameters: { items: [{ json: {} }] } },
				{
					name: 'Download',
					type: NODE_TYPE,
					parameters: {
						operation: 'download',
						videoId: id,
						variant: 'video',
						binaryPropertyName: 'data',
					},
					credentials: credentialRef('cometVideoApi'),
				},
			],
			connections: { Start: { main: [[{ node: 'Download', type: 'main', index: 0 }]] } },
			credentials: { cometVideoApi: { apiKey: spec.apiKey, baseUrl } },
			binaryMode: spec.binaryMode,
		});

	const warm = await execute(spec.tinyUrl, spec.tinyId);
	if (warm.status !== 'success') throw new Error(`warm-up failed: ${warm.error?.message}`);
	const first = await measureNode(spec, execute);
	// The same download again in the same process: is the growth a one-off (heap sizing) or per download?
	const second = first.ok ? await measureNode(spec, execute) : undefined;
	await cleanup();
	return {
		...first,
		second: second && {
			seconds: second.seconds,
			memory: second.memory,
			ok: second.ok,
			shaOk: second.storedSha256 === first.storedSha256,
		},
	};
}

async function measureNode(spec: DownloadSpec, execute: Execute): Promise<DownloadResult> {
	await settle();
	const tracker = new RssTracker(10);
	tracker.start();
	const started = performance.now();
	const result = await execute(spec.url, spec.id);
	const seconds = (performance.now() - started) / 1000;
	const memory = tracker.stop();
	if (result.status !== 'success') {
		return { ok: false, error: result.error?.message ?? 'execution failed', seconds, memory };
	}
	const binary = result.output('Download')[0]?.binary?.data;
	const nodeSeconds = (result.runData.Download?.[0]?.executionTime ?? NaN) / 1000;
	let storedBytes: number;
	let storedSha256: string;
	if (spec.binaryMode === 'filesystem') {
		const filePath = result.binaryFilePath(binary);
		storedBytes = fs.statSync(filePath).size;
		storedSha256 = await sha256File(filePath);
		fs.rmSync(filePath, { force: true });
	} else {
		const buffer = await result.readBinary(binary);
		storedBytes = buffer.length;
		storedSha256 = sha256(buffer);
	}
	return {
		ok: true,
		seconds,
		nodeSeconds,
		memory,
		storedBytes,
		reportedBytes: binary?.bytes,
		storedSha256,
		storedIn: spec.binaryMode === 'filesystem' ? 'file' : 'memory',
	};
}

runMeasurement(runNode);
