/**
 * Worlds run in worker threads (world-worker.ts), so that no world can hang the test process: a
 * world that blocks its thread's event loop (no heartbeat for BLOCKED_MS) or outlives its bound by
 * far is ended with its thread, reported as a 'time' violation, and the thread replaced.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

import type { Violation } from './invariants';
import { boundMs } from './run-world';
import type { World } from './world';
import type { WorkerMessage } from './world-worker';

/** No heartbeat for this long: the world's thread is blocked (a CPU spin). */
export const BLOCKED_MS = 5000;

export interface WorldVerdict {
	violations: Violation[];
	durationMs: number;
}

const WORKER_FILE = path.join(__dirname, 'world-worker.ts');

function startWorker(): Worker {
	// The worker is TypeScript: tsx compiles it there (jest's transform does not reach threads).
	return new Worker(`require('tsx/cjs'); require(${JSON.stringify(WORKER_FILE)});`, {
		eval: true,
		env: process.env,
	});
}

/** A thread loads tsx, n8n-core and the node before its first beat: this long at most. */
const STARTUP_MS = 60_000;

class Slot {
	private worker!: Worker;

	/** When the thread last beat; undefined until its first beat (it is still loading). */
	private lastBeat: number | undefined;

	private startedAt = 0;

	private nextId = 0;

	constructor() {
		this.start();
	}

	private start(): void {
		this.worker = startWorker();
		this.lastBeat = undefined;
		this.startedAt = Date.now();
		this.worker.on('message', (message: WorkerMessage) => {
			if (message.type === 'beat') this.lastBeat = Date.now();
		});
	}

	async run(world: World): Promise<WorldVerdict> {
		const id = ++this.nextId;
		const worker = this.worker;
		const began = Date.now();
		const limit = boundMs(world) + 30_000;
		return await new Promise<WorldVerdict>((resolve) => {
			const finish = (verdict: WorldVerdict) => {
				clearInterval(monitor);
				worker.off('message', onMessage);
				worker.off('error', onError);
				resolve(verdict);
			};
			const replace = (detail: string) => {
				void worker.terminate();
				this.start();
				finish({
					violations: [{ invariant: 'time', exec: 'a', detail }],
					durationMs: Date.now() - began,
				});
			};
			const onMessage = (message: WorkerMessage) => {
				if (message.type === 'done' && message.id === id) finish(message);
			};
			const onError = (error: Error) => replace(`the world's thread failed: ${String(error)}`);
			const monitor = setInterval(() => {
				const now = Date.now();
				if (this.lastBeat === undefined) {
					if (now - this.startedAt > STARTUP_MS) replace('the world thread did not start');
				} else if (now - this.lastBeat > BLOCKED_MS) {
					replace(
						`the execution blocked its process: no event-loop turn for ${Math.round((now - this.lastBeat) / 1000)} s (a CPU spin), ended by the harness after ${now - began} ms`,
					);
				} else if (now - began > limit) {
					replace(`the world ran past its bound by 30 s (${limit} ms): ended by the harness`);
				}
			}, 250);
			worker.on('message', onMessage);
			worker.on('error', onError);
			worker.postMessage({ id, world });
		});
	}

	async close(): Promise<void> {
		await this.worker.terminate();
	}
}

export class WorldPool {
	private readonly free: Slot[];

	private readonly waiting: Array<(slot: Slot) => void> = [];

	constructor(size: number) {
		this.free = Array.from({ length: Math.max(1, size) }, () => new Slot());
		this.all = [...this.free];
	}

	private readonly all: Slot[];

	async run(world: World): Promise<WorldVerdict> {
		const slot =
			this.free.pop() ?? (await new Promise<Slot>((resolve) => this.waiting.push(resolve)));
		try {
			return await slot.run(world);
		} finally {
			const next = this.waiting.shift();
			if (next) next(slot);
			else this.free.push(slot);
		}
	}

	async close(): Promise<void> {
		await Promise.all(this.all.map(async (slot) => await slot.close()));
	}
}
