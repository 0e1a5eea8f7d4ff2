/**
 * A worker thread that runs worlds for the main thread (world-pool.ts): one world at a time, its
 * violations sent back. It beats every 250 ms, so the main thread sees when a world blocks the
 * event loop (a CPU spin in the node or its HTTP client): then it ends this thread and reports it.
 */
import { parentPort } from 'node:worker_threads';

import { checkWorld, type Violation } from './invariants';
import { runWorld } from './run-world';
import type { World } from './world';

export interface WorldRequest {
	id: number;
	world: World;
}

export type WorkerMessage =
	{ type: 'beat' } | { type: 'done'; id: number; violations: Violation[]; durationMs: number };

const port = parentPort;
if (port) {
	setInterval(() => port.postMessage({ type: 'beat' } satisfies WorkerMessage), 250);
	port.on('message', (request: WorldRequest) => {
		const began = Date.now();
		void runWorld(request.world)
			.then((run) => checkWorld(run))
			.catch((error: unknown): Violation[] => [
				{ invariant: 'time', exec: 'a', detail: `the harness failed: ${String(error)}` },
			])
			.then((violations) =>
				port.postMessage({
					type: 'done',
					id: request.id,
					violations,
					durationMs: Date.now() - began,
				} satisfies WorkerMessage),
			);
	});
}
