/** Small helpers shared by the bench's rows: medians, Markdown tables, a process's memory. */

import fs from 'node:fs';

export const MiB = 1024 * 1024;

export function median(values: number[]): number {
	if (values.length === 0) return NaN;
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

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

/** Peak (VmHWM) and current RSS of a process, in bytes (Linux); undefined once it has exited. */
export function processMemory(pid: number): { hwm: number; rss: number } | undefined {
	try {
		const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
		const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
		const rss = /VmRSS:\s+(\d+) kB/.exec(status);
		return hwm && rss ? { hwm: Number(hwm[1]) * 1024, rss: Number(rss[1]) * 1024 } : undefined;
	} catch {
		return undefined;
	}
}
