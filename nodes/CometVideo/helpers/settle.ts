/** A task's outcome as a value: what it gave, or what it threw. */
export type Settled<T> =
	{ ok: true; value: T } | { ok: false; error: Error & { description?: string | null } };

/**
 * Runs `task` and returns its outcome, so the caller decides what to throw outside a catch
 * clause (where n8n's lint rules ask for n8n's own error classes). Not an async function: ten
 * thousand waiting items would each keep one more suspended frame.
 */
export function settle<T>(task: () => Promise<T>): Promise<Settled<T>> {
	try {
		return task().then(
			(value): Settled<T> => ({ ok: true, value }),
			(error: unknown): Settled<T> => ({ ok: false, error: error as Error }),
		);
	} catch (error) {
		return Promise.resolve({ ok: false, error: error as Error });
	}
}
