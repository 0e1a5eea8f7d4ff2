/**
 * What the download measurements share. Each runs in a fresh process started by scripts/bench.ts
 * with --expose-gc, one file per kind, so that a process loads only what it measures (the plain
 * copy runs without n8n loaded):
 *
 *   node --expose-gc --require tsx/cjs scripts/bench/download-node.ts '<json>'
 *   node --expose-gc --require tsx/cjs scripts/bench/download-plain.ts '<json>'
 *
 * json: a DownloadSpec. Warm-up first (a tiny download of the same kind), then RSS is read just
 * before the measured download and its peak tracked during it. Prints `BENCH_RESULT {...}` on
 * stdout. Files are hashed after the timed part and deleted before exit.
 */
import type { BinaryMode } from '../../tools/harness';
import { sleep, type MemoryReport } from './lib';

/** What the bench asks a measurement process to measure. */
export interface DownloadSpec {
	kind: 'node' | 'plain';
	binaryMode: BinaryMode;
	/** The simulator with the measured file, and one with a tiny file for the warm-up. */
	url: string;
	tinyUrl: string;
	apiKey: string;
	id: string;
	tinyId: string;
	bytes: number;
}

/** One measurement, printed as `BENCH_RESULT <json>`. */
export interface DownloadResult {
	ok: boolean;
	error?: string;
	seconds: number;
	nodeSeconds?: number;
	memory: MemoryReport;
	storedBytes?: number;
	reportedBytes?: number;
	storedSha256?: string;
	storedIn?: 'file' | 'memory';
	/** The same download again in the same process. */
	second?: { seconds: number; memory: MemoryReport; ok: boolean; shaOk: boolean };
	/** Set by the bench: against the expected size and hash. */
	bytesOk?: boolean;
	shaOk?: boolean;
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Collects garbage a few times, so a measurement starts from a settled heap. */
export async function settle(): Promise<void> {
	for (let i = 0; i < 3; i++) {
		gc?.();
		await sleep(100);
	}
}

/** Runs `measure` on the spec given as the first argument and prints its result. */
export function runMeasurement(measure: (spec: DownloadSpec) => Promise<DownloadResult>): void {
	const spec = JSON.parse(process.argv[2]) as DownloadSpec;
	measure(spec).then(
		(result) => {
			process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
			process.exit(0);
		},
		(error: Error) => {
			process.stdout.write(
				`BENCH_RESULT ${JSON.stringify({ ok: false, error: String(error?.stack ?? error) })}\n`,
			);
			process.exit(1);
		},
	);
}
