import { sleep } from 'n8n-workflow';

class ExecutionCancelled extends Error {
	constructor() {
		super('The execution was cancelled');
	}
}

/**
 * Sleeps that end early when the execution is cancelled. One abort listener serves every sleep
 * of the execution, where a listener per sleep would pile up over hundreds of polls.
 */
export class Pause {
	private readonly cancelled: Promise<never>;

	constructor(private readonly signal: AbortSignal | undefined) {
		this.cancelled = new Promise<never>((_, reject) => {
			signal?.addEventListener('abort', () => reject(new ExecutionCancelled()), { once: true });
		});
		// Nobody may be sleeping when the cancel comes; that is not an unhandled rejection.
		this.cancelled.catch(() => undefined);
	}

	get isCancelled(): boolean {
		return this.signal?.aborted ?? false;
	}

	async for(ms: number): Promise<void> {
		if (this.isCancelled) throw new ExecutionCancelled();
		await Promise.race([sleep(Math.max(0, ms)), this.cancelled]);
	}
}
