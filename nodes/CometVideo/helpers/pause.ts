import { sleep } from 'n8n-workflow';

export class ExecutionCancelled extends Error {
	constructor() {
		super('The execution was cancelled');
	}
}

/**
 * An execution's cancel, seen by every sleep and every request of that execution through one
 * abort listener, where a listener per sleep or request would pile up over hundreds of polls.
 */
export class Pause {
	private readonly cancelled: Promise<never>;

	private readonly requests = new Set<AbortController>();

	constructor(private readonly cancelSignal: AbortSignal | undefined) {
		this.cancelled = new Promise<never>((_, reject) => {
			cancelSignal?.addEventListener(
				'abort',
				() => {
					for (const request of this.requests) request.abort();
					reject(new ExecutionCancelled());
				},
				{ once: true },
			);
		});
		// Nobody may be sleeping when the cancel comes; that is not an unhandled rejection.
		this.cancelled.catch(() => undefined);
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
		await Promise.race([sleep(Math.max(0, ms)), this.cancelled]);
	}

	/** Aborts `request` if the execution is cancelled while it runs; call the result when done. */
	track(request: AbortController): () => void {
		if (this.isCancelled) request.abort();
		this.requests.add(request);
		return () => this.requests.delete(request);
	}
}
