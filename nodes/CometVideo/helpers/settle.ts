/** A task's outcome as a value: what it gave, or what it threw. */
export type Settled<T> =
	{ ok: true; value: T } | { ok: false; error: Error & { description?: string | null } };

/**
 * Runs `task` and returns its outcome, so the caller decides what to throw outside a catch
 * clause (where n8n's lint rules ask for n8n's own error classes).
 */
export async function settle<T>(task: () => Promise<T>): Promise<Settled<T>> {
	try {
		return { ok: true, value: await task() };
	} catch (error) {
		return { ok: false, error: error as Error };
	}
}
