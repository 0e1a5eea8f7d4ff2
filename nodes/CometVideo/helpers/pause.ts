import { sleep } from 'n8n-workflow';

export class ExecutionCancelled extends Error {
	constructor() {
		super('The execution was cancelled');
	}
}

/**
 * An execution's cancel, seen by every sleep and every request of that execution. Each sleep
 * listens only while it sleeps: a listener (or a promise reaction) per sleep that outlived it
 * would pile up over the hundreds of polls of a long batch.
 */
export class Pause {
	private readonly requests = new Set<AbortController>();

	constructor(private readonly cancelSignal: AbortSignal | undefined) {
		cancelSignal?.addEventListener(
			'abort',
			() => {
				for (const request of this.requests) request.abort();
			},
			{ once: true },
		);
	}

	/** The execution's cancel signal, where n8n gives one. */
	get signal(): AbortSignal | undefined {
		return this.cancelSignal;
	}

	get isCancelled(): boolean {
		return this.cancelSignal?.aborted ?? false;
	}

	async for(ms: number): Promise<void> {
		if (this.isCancelled) throw new ExecutionCancelled();
		const signal = this.cancelSignal;
		await new Promise<void>((resolve, reject) => {
			const cancel = () => reject(new ExecutionCancelled());
			signal?.addEventListener('abort', cancel, { once: true });
			void sleep(Math.max(0, ms)).then(() => {
				signal?.removeEventListener('abort', cancel);
				resolve();
			});
		});
	}

	/** Aborts `request` if the execution is cancelled while it runs; call the result when done. */
	track(request: AbortController): () => void {
		if (this.isCancelled) request.abort();
		this.requests.add(request);
		return () => this.requests.delete(request);
	}
}
