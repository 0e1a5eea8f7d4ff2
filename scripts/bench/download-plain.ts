/**
 * Download measurement of a plain copy: `http.get` + `stream.pipeline` to a file, after a tiny
 * warm-up copy. The yardstick for the node's download. See download.ts.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';

import { sha256File } from '../../tools/files';
import { RssTracker } from './lib';
import { runMeasurement, settle, type DownloadResult, type DownloadSpec } from './download';

function contentUrl(base: string, id: string): string {
	return `${base}/v1/videos/${encodeURIComponent(id)}/content?variant=video`;
}

function plainCopy(url: string, apiKey: string, file: string): Promise<void> {
	return new Promise((resolve, reject) => {
		const request = http.get(
			url,
			{ headers: { authorization: `Bearer ${apiKey}` } },
			(response) => {
				if (response.statusCode !== 200) {
					response.resume();
					reject(new Error(`HTTP ${response.statusCode}`));
					return;
				}
				pipeline(response, fs.createWriteStream(file)).then(resolve, reject);
			},
		);
		request.on('error', reject);
	});
}

async function runPlain(spec: DownloadSpec): Promise<DownloadResult> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cometvideo-bench-'));
	try {
		await plainCopy(contentUrl(spec.tinyUrl, spec.tinyId), spec.apiKey, path.join(dir, 'warm.mp4'));
		const measure = async (name: string): Promise<DownloadResult> => {
			await settle();
			const file = path.join(dir, name);
			const tracker = new RssTracker(10);
			tracker.start();
			const started = performance.now();
			await plainCopy(contentUrl(spec.url, spec.id), spec.apiKey, file);
			const seconds = (performance.now() - started) / 1000;
			const memory = tracker.stop();
			const storedBytes = fs.statSync(file).size;
			const storedSha256 = await sha256File(file);
			fs.rmSync(file);
			return { ok: true, seconds, memory, storedBytes, storedSha256, storedIn: 'file' as const };
		};
		const first = await measure('first.mp4');
		const second = await measure('second.mp4');
		return {
			...first,
			second: {
				seconds: second.seconds,
				memory: second.memory,
				ok: true,
				shaOk: second.storedSha256 === first.storedSha256,
			},
		};
	} finally {
		fs.rmSync(dir, { recursive: true, force: true });
	}
}

runMeasurement(runPlain);
