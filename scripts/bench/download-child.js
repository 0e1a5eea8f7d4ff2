'use strict';
/**
 * One download measurement in a fresh process (started by scripts/bench.js with --expose-gc):
 *
 *   node --expose-gc scripts/bench/download-child.js '<json>'
 *
 * json: { kind: 'node' | 'plain', binaryMode, url, tinyUrl, apiKey, id, tinyId, bytes }
 *
 * Warm-up first (for 'node': the harness loaded and one tiny Download execution; for 'plain': one
 * tiny plain copy), then RSS is read just before the measured download and its peak tracked
 * during it. Prints `BENCH_RESULT {...}` on stdout. Files are hashed after the timed part and
 * deleted before exit.
 */
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { pipeline } = require('node:stream/promises');

const { ROOT, sleep, sha256, sha256File, RssTracker } = require('./lib');

const NODE_TYPE = 'n8n-nodes-cometapi-video.cometVideo';

async function settle() {
	for (let i = 0; i < 3; i++) {
		global.gc?.();
		await sleep(100);
	}
}

function contentUrl(base, id) {
	return `${base}/v1/videos/${encodeURIComponent(id)}/content?variant=video`;
}

// ---------------------------------------------------------------- node (a real workflow)

async function runNode(spec) {
	const { runWorkflow, credentialRef, cleanup } = require(path.join(ROOT, 'tools/harness'));
	const execute = (baseUrl, id) =>
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

async function measureNode(spec, execute) {
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
	let storedBytes;
	let storedSha256;
	let filePath;
	if (spec.binaryMode === 'filesystem') {
		filePath = result.binaryFilePath(binary);
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

// ---------------------------------------------------------------- plain stream copy

function plainCopy(url, apiKey, file) {
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

async function runPlain(spec) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cometvideo-bench-'));
	try {
		await plainCopy(contentUrl(spec.tinyUrl, spec.tinyId), spec.apiKey, path.join(dir, 'warm.mp4'));
		const measure = async (name) => {
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
			return { ok: true, seconds, memory, storedBytes, storedSha256, storedIn: 'file' };
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

async function main() {
	const spec = JSON.parse(process.argv[2]);
	const result = spec.kind === 'node' ? await runNode(spec) : await runPlain(spec);
	process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
}

main().then(
	() => process.exit(0),
	(error) => {
		process.stdout.write(
			`BENCH_RESULT ${JSON.stringify({ ok: false, error: String(error?.stack ?? error) })}\n`,
		);
		process.exit(1);
	},
);
