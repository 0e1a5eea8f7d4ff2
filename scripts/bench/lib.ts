/**
 * Small helpers shared by scripts/bench.ts and its child processes: argument parsing, the
 * simulator as a separate process, job creation, RSS sampling and table formatting.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { VARIANTS, sha256OfSource } from '../../tools/simulator/content';
import { typeScriptNodeArgs } from '../../tools/typescript-runner';

export const ROOT = path.resolve(__dirname, '..', '..');
export const MiB = 1024 * 1024;

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

export function median(values: number[]): number {
	if (values.length === 0) return NaN;
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function listOf(text: string | undefined | null): number[] {
	if (text === undefined || text === null || text === '') return [];
	return String(text)
		.split(',')
		.map((part) => part.trim())
		.filter(Boolean)
		.map(Number)
		.filter((n) => Number.isFinite(n) && n > 0);
}

/** The sha256 the simulator's content route serves for a job (its own deterministic generator). */
export function expectedVideoSha256(id: string, bytes: number): string {
	return sha256OfSource(VARIANTS.video(id, bytes));
}

/** A simulator in its own process. */
export interface SimulatorProcess {
	url: string;
	pid: number | undefined;
	stop(): Promise<void>;
}

/** Starts tools/simulator/cli.ts and resolves once it prints its URL. */
export function startSimulatorProcess({
	jobMs = 0,
	videoBytes,
}: {
	jobMs?: number;
	videoBytes: number;
}): Promise<SimulatorProcess> {
	const args = typeScriptNodeArgs(
		path.join(ROOT, 'tools/simulator/cli.ts'),
		'--port',
		'0',
		'--job-ms',
		String(jobMs),
		'--video-bytes',
		String(videoBytes),
		'--quiet',
	);
	const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
	let stderr = '';
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	return new Promise((resolve, reject) => {
		let out = '';
		const onData = (chunk: Buffer) => {
			out += chunk;
			const match = /COMETAPI_SIMULATOR_URL=(\S+)/.exec(out);
			if (match) {
				child.stdout.off('data', onData);
				child.stdout.resume();
				resolve({
					url: match[1],
					pid: child.pid,
					async stop() {
						if (child.exitCode !== null || child.signalCode !== null) return;
						const exited = new Promise((done) => child.once('exit', done));
						child.kill('SIGTERM');
						await Promise.race([exited, sleep(5000)]);
					},
				});
			}
		};
		child.stdout.on('data', onData);
		child.once('exit', (code) => reject(new Error(`simulator exited (${code}): ${stderr.trim()}`)));
		child.once('error', reject);
	});
}

/** Creates a job on a simulator directly (outside any measurement); returns its id. */
export async function createJob(
	url: string,
	apiKey: string,
	prompt = 'benchmark video',
): Promise<string> {
	const form = new FormData();
	form.set('model', 'veo3-fast');
	form.set('prompt', prompt);
	const response = await fetch(`${url}/v1/videos`, {
		method: 'POST',
		headers: { authorization: `Bearer ${apiKey}` },
		body: form,
	});
	const body = (await response.json()) as { id?: string };
	if (!response.ok || !body.id)
		throw new Error(`create failed: HTTP ${response.status} ${JSON.stringify(body)}`);
	return body.id;
}

/**
 * Peak-RSS tracking for the current process: samples `process.memoryUsage.rss()` on a timer and
 * resets the kernel's high-water mark (VmHWM, via /proc/self/clear_refs) so the peak is exact
 * even between samples.
 */
export class RssTracker {
	private hwmReset = false;
	private baseline = 0;
	private peak = 0;
	private arrayBuffersAtPeak = 0;
	private baselineArrayBuffers = 0;
	private heapTotalAtPeak = 0;
	private baselineHeapTotal = 0;
	private samples = 0;
	private maxGapMs = 0;
	private timer: NodeJS.Timeout | undefined;

	constructor(private readonly intervalMs = 10) {}

	static hwmBytes(): number | undefined {
		try {
			const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
			return match ? Number(match[1]) * 1024 : undefined;
		} catch {
			return undefined;
		}
	}

	start(): void {
		let hwmReset = false;
		try {
			fs.writeFileSync('/proc/self/clear_refs', '5');
			hwmReset = true;
		} catch {
			// Not Linux or not allowed: the sampled peak has to do.
		}
		this.hwmReset = hwmReset;
		this.baseline = process.memoryUsage.rss();
		this.peak = this.baseline;
		const first = process.memoryUsage();
		this.arrayBuffersAtPeak = first.arrayBuffers;
		this.baselineArrayBuffers = first.arrayBuffers;
		this.heapTotalAtPeak = first.heapTotal;
		this.baselineHeapTotal = first.heapTotal;
		this.samples = 0;
		this.maxGapMs = 0;
		let last = performance.now();
		this.timer = setInterval(() => {
			const now = performance.now();
			this.maxGapMs = Math.max(this.maxGapMs, now - last);
			last = now;
			this.samples += 1;
			const usage = process.memoryUsage();
			if (usage.rss > this.peak) {
				this.peak = usage.rss;
				this.arrayBuffersAtPeak = usage.arrayBuffers;
				this.heapTotalAtPeak = usage.heapTotal;
			}
		}, this.intervalMs);
	}

	stop(): MemoryReport {
		clearInterval(this.timer);
		this.peak = Math.max(this.peak, process.memoryUsage.rss());
		const hwm = this.hwmReset ? RssTracker.hwmBytes() : undefined;
		return {
			baselineBytes: this.baseline,
			sampledPeakBytes: this.peak,
			hwmPeakBytes: hwm,
			peakBytes: Math.max(this.peak, hwm ?? 0),
			growthBytes: Math.max(this.peak, hwm ?? 0) - this.baseline,
			// Buffers (socket chunks) not yet collected at the sampled peak, over the baseline.
			arrayBufferGrowthAtPeakBytes: this.arrayBuffersAtPeak - this.baselineArrayBuffers,
			// V8's heap (young generation grows under allocation pressure) at the sampled peak.
			heapTotalGrowthAtPeakBytes: this.heapTotalAtPeak - this.baselineHeapTotal,
			samples: this.samples,
			maxSampleGapMs: Math.round(this.maxGapMs),
		};
	}
}

/** Peak memory of one measurement (see RssTracker). */
export interface MemoryReport {
	baselineBytes: number;
	sampledPeakBytes: number;
	hwmPeakBytes: number | undefined;
	peakBytes: number;
	growthBytes: number;
	arrayBufferGrowthAtPeakBytes: number;
	heapTotalGrowthAtPeakBytes: number;
	samples: number;
	maxSampleGapMs: number;
}

/** Markdown table from a header row and rows of cells. */
export function markdownTable(header: unknown[], rows: unknown[][]): string {
	const widths = header.map((cell, i) =>
		Math.max(String(cell).length, ...rows.map((row) => String(row[i] ?? '').length)),
	);
	const line = (cells: unknown[]) =>
		`| ${cells.map((cell, i) => String(cell ?? '').padEnd(widths[i])).join(' | ')} |`;
	return [
		line(header),
		`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
		...rows.map(line),
	].join('\n');
}
