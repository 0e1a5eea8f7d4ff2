import { sleep } from 'n8n-workflow';

export class ExecutionCancelled extends Error {
	constructor() {
		super('The execution was cancelled');
	}
}

/** What waits on an execution's cancel: a sleep, a request, a wait for a request slot. */
export interface Cancellation {
	readonly isCancelled: boolean;
	/** Calls `onCancel` if the execution is cancelled; call the result when no longer waiting. */
	subscribe(onCancel: () => void): () => void;
}

/**
 * An execution's cancel, seen by every sleep, request and slot wait of that execution through
 * one listener on n8n's signal and a set of who waits now. A listener per waiter on n8n's signal
 * would cost a walk over all the others each time one is added (ten thousand waiting items made
 * that a third of a batch's time), and a promise reaction per sleep would outlive the sleep.
 */
export class Pause implements Cancellation {
	private readonly waiting = new Set<() => void>();

	constructor(private readonly cancelSignal: AbortSignal | undefined) {
		cancelSignal?.addEventListener(
			'abort',
			() => {
				for (const onCancel of [...this.waiting]) onCancel();
				this.waiting.clear();
			},
			{ once: true },
		);
	}

	get isCancelled(): boolean {
		return this.cancelSignal?.aborted ?? false;
	}

	subscribe(onCancel: () => void): () => void {
		if (this.isCancelled) {
			onCancel();
			return () => undefined;
		}
		this.waiting.add(onCancel);
		return () => this.waiting.delete(onCancel);
	}

	async for(ms: number): Promise<void> {
		if (this.isCancelled) throw new ExecutionCancelled();
		await new Promise<void>((resolve, reject) => {
			const leave = this.subscribe(() => reject(new ExecutionCancelled()));
			void sleep(Math.max(0, ms)).then(() => {
				leave();
				resolve();
			});
		});
	}

	/** Aborts `request` if the execution is cancelled while it runs; call the result when done. */
	track(request: AbortController): () => void {
		return this.subscribe(() => request.abort());
	}
}
