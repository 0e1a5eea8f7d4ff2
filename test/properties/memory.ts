/**
 * The memory invariant: what one item holds does not grow with the number of polls. A poll is a
 * sleep (the node's Pause) and a request; a wait of hours is thousands of them. Measured on the
 * built node's own Pause with a live (never aborted) cancel signal, as n8n hands one to every
 * execution, with a forced garbage collection before and after.
 */
import * as path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { REPO_ROOT } from '../../tools/constants';

type PauseClass = new (signal: AbortSignal | undefined) => { for(ms: number): Promise<void> };

function loadPause(): PauseClass {
	const dir = process.env.COMET_VIDEO_PACKAGE_DIR || REPO_ROOT;
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const module = require(path.join(dir, 'dist/nodes/CometVideo/helpers/pause.js')) as {
		Pause: PauseClass;
	};
	return module.Pause;
}

function collector(): () => void {
	const existing = (globalThis as { gc?: () => void }).gc;
	if (existing) return existing;
	setFlagsFromString('--expose-gc');
	return runInNewContext('gc') as () => void;
}

export interface PollMemory {
	sleeps: number;
	grewBytes: number;
	perSleepBytes: number;
	boundBytes: number;
	ok: boolean;
}

/**
 * Heap growth over `sleeps` sleeps of one execution, after as many to settle; the bound is 64 kB,
 * whatever the count.
 */
export async function pollMemory(sleeps = 30_000): Promise<PollMemory> {
	const Pause = loadPause();
	const gc = collector();
	const cancel = new AbortController();
	const pause = new Pause(cancel.signal);
	const heapAfter = async (count: number) => {
		for (let i = 0; i < count; i++) await pause.for(0);
		gc();
		gc();
		return process.memoryUsage().heapUsed;
	};
	// A first round takes what is allocated once (JIT, the heap's own bookkeeping); the second,
	// as long, shows what each sleep keeps.
	const before = await heapAfter(sleeps);
	const grewBytes = (await heapAfter(sleeps)) - before;
	const boundBytes = 64 * 1024;
	// The execution is still running: its Pause must stay reachable to the end.
	void pause;
	cancel.abort();
	return {
		sleeps,
		grewBytes,
		perSleepBytes: Math.round(grewBytes / sleeps),
		boundBytes,
		ok: grewBytes <= boundBytes,
	};
}
