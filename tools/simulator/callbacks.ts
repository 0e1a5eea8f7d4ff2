/**
 * Kling's status callbacks (other-routes sheet §2.2: "Kling posts to your callback endpoint
 * whenever task status changes"; clients must "accept repeats"). Each delivery is a JSON POST at
 * the moment the status changes, retried after a failure; every attempt is recorded. Deliveries
 * run on timers and never hold up an API answer; `clear()` stops them (reset, close).
 */

/** One POST to a callback URL. */
export interface CallbackRecord {
	url: string;
	payload: unknown;
	/** 1 for the first try of a delivery, then 2, 3… for its retries. */
	attempt: number;
	/** The status the receiver answered; null when the connection failed. */
	status: number | null;
	/** Why a connection failed (null when the receiver answered). */
	error: string | null;
	/** ms since the epoch, when the POST was sent. */
	at: number;
}

/** Attempts per delivery and the pause between them: the simulator's choice (not documented). */
export const CALLBACK_ATTEMPTS = 3;
export const CALLBACK_RETRY_MS = 100;

export class CallbackSender {
	readonly records: CallbackRecord[] = [];
	readonly #timers = new Set<NodeJS.Timeout>();
	readonly #pending = new Set<Promise<void>>();
	#abort = new AbortController();

	/**
	 * Sends each delivery at its time (ms since the epoch), in order: a delivery waits for the one
	 * before it (its retries included), so a receiver sees a job's statuses in order.
	 */
	schedule(url: string, deliveries: { at: number; payload: () => unknown }[]): void {
		// Taken now: a clear() before a later delivery's time must stop it too.
		const signal = this.#abort.signal;
		let previous: Promise<void> = Promise.resolve();
		for (const { at, payload } of deliveries) {
			const due = this.#sleep(at - Date.now());
			const before = previous;
			previous = this.#track(
				Promise.all([due, before]).then(() => this.#deliver(url, payload(), signal)),
			);
		}
	}

	/** Resolves once every delivery scheduled so far has been sent (or given up). */
	async settled(): Promise<void> {
		while (this.#pending.size) await Promise.all(this.#pending);
	}

	/** Cancels every timer and POST in flight; records stay until the caller empties them. */
	clear(): void {
		for (const timer of this.#timers) clearTimeout(timer);
		this.#timers.clear();
		this.#abort.abort();
		this.#abort = new AbortController();
		this.#pending.clear();
	}

	async #deliver(url: string, payload: unknown, signal: AbortSignal): Promise<void> {
		for (let attempt = 1; attempt <= CALLBACK_ATTEMPTS; attempt++) {
			if (signal.aborted) return;
			const record: CallbackRecord = {
				url,
				payload,
				attempt,
				status: null,
				error: null,
				at: Date.now(),
			};
			this.records.push(record);
			try {
				const response = await fetch(url, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify(payload),
					signal,
				});
				await response.arrayBuffer().catch(() => undefined);
				record.status = response.status;
				if (response.ok) return;
			} catch (error) {
				record.error = (error as Error).message;
			}
			if (attempt < CALLBACK_ATTEMPTS) await this.#sleep(CALLBACK_RETRY_MS);
		}
	}

	#sleep(ms: number): Promise<void> {
		if (ms <= 0) return Promise.resolve();
		return new Promise((resolve) => {
			const timer = setTimeout(() => {
				this.#timers.delete(timer);
				resolve();
			}, ms);
			this.#timers.add(timer);
		});
	}

	#track(delivery: Promise<void>): Promise<void> {
		const tracked = delivery.catch(() => undefined);
		this.#pending.add(tracked);
		void tracked.then(() => this.#pending.delete(tracked));
		return tracked;
	}
}
