/**
 * What the creates of one run of the node did, kept for n8n's "Retry On Fail": n8n runs the
 * whole `execute` again (same execution, same node, same run index) when it throws or when the
 * first output item carries an error. A job an earlier try created is picked up by its id, an
 * item whose create may have made a job without saying its id is not sent again, and a create
 * CometAPI refused is refused again without a request.
 *
 * Process-local and bounded: only ids and the refusal's (redacted) error are kept, never a
 * prompt or the key; a run's record is dropped when the run succeeds, and otherwise expires
 * soon after the run's last try (n8n waits at most 5 s between tries).
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import type { VideoJob } from '../helpers/job';
import { copyError, createOutcome } from './errors';

type ItemRecord =
	{ state: 'created'; id: string } | { state: 'may-exist' } | { state: 'refused'; error: Error };

interface RunRecord {
	items: Map<number, ItemRecord>;
	/** When a try of this run last ended; running tries keep it at Infinity. */
	endedAt: number;
}

const EXPIRES_AFTER_MS = 10 * 60_000;
const MAX_RUNS = 1000;

const runs = new Map<string, RunRecord>();

function dropExpired(now: number): void {
	for (const [key, run] of runs) {
		if (now - run.endedAt > EXPIRES_AFTER_MS) runs.delete(key);
	}
	// Oldest first (a Map keeps insertion order): the bound holds however many runs there are.
	for (const key of runs.keys()) {
		if (runs.size <= MAX_RUNS) break;
		runs.delete(key);
	}
}

/** How a create that was asked for again is answered from the record. */
export type Reuse =
	| { kind: 'send' }
	| { kind: 'known'; id: string }
	| { kind: 'may-exist' }
	| { kind: 'refused'; error: Error };

export class CreateRecord {
	private constructor(private readonly run: RunRecord | undefined) {}

	/** The record of this execution's run of this node (none where n8n gives no execution id). */
	static of(ctx: IExecuteFunctions): CreateRecord {
		const executionId = ctx.getExecutionId?.();
		if (!executionId) return new CreateRecord(undefined);
		const runIndex = ctx.getWorkflowDataProxy(0).$runIndex as number;
		const key = `${executionId}\n${ctx.getNode().name}\n${runIndex}`;
		dropExpired(Date.now());
		let run = runs.get(key);
		if (!run) {
			run = { items: new Map(), endedAt: Infinity };
			runs.set(key, run);
		}
		run.endedAt = Infinity;
		return new CreateRecord(run);
	}

	/** What an earlier try did for this item. */
	reuse(itemIndex: number): Reuse {
		const item = this.run?.items.get(itemIndex);
		if (!item) return { kind: 'send' };
		if (item.state === 'created') return { kind: 'known', id: item.id };
		if (item.state === 'may-exist') return { kind: 'may-exist' };
		// A copy: whatever n8n or the router does to the error it throws, a replay starts from this one.
		return { kind: 'refused', error: copyError(item.error) };
	}

	/** Runs the create and records what came of it. */
	async create(itemIndex: number, send: () => Promise<VideoJob>): Promise<VideoJob> {
		const sent = await send().then(
			(job) => ({ job }),
			(error: Error) => ({ error }),
		);
		if ('job' in sent) {
			this.run?.items.set(itemIndex, { state: 'created', id: sent.job.id });
			return sent.job;
		}
		const outcome = createOutcome(sent.error);
		if (outcome === 'may-exist') this.run?.items.set(itemIndex, { state: 'may-exist' });
		if (outcome === 'refused')
			this.run?.items.set(itemIndex, { state: 'refused', error: sent.error });
		throw sent.error;
	}

	/** The try ended: a run n8n will not try again is forgotten now, others soon. */
	end(willBeRetried: boolean): void {
		if (!this.run) return;
		if (willBeRetried) {
			this.run.endedAt = Date.now();
			return;
		}
		for (const [key, run] of runs) if (run === this.run) runs.delete(key);
	}
}
