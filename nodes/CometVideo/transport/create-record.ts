/**
 * What the creates of one run of the node did, kept for n8n's "Retry On Fail": n8n runs the
 * whole `execute` again (same execution, same node, same run index) when it throws or when the
 * first output item carries `json.error`. A job an earlier try created is picked up by its id, an
 * item whose create may have made a job without saying its id is not sent again, and a create
 * CometAPI refused is refused again without a request.
 *
 * The record hangs on the run's execute data, the one object n8n hands to every try of that run
 * (n8n-core's `WorkflowExecute` loops over tries with it) and drops when the execution ends. So
 * it lives exactly as long as the execution, whatever other executions do, and needs no bound,
 * no expiry and no guess about whether n8n will try again. Only ids and the refusal's (redacted)
 * error are kept, never a prompt or the key.
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import type { VideoJob } from '../helpers/job';
import { copyError, createOutcome } from './errors';

type ItemRecord =
	{ state: 'created'; id: string } | { state: 'may-exist' } | { state: 'refused'; error: Error };

const runs = new WeakMap<object, Map<number, ItemRecord>>();

/** How a create that was asked for again is answered from the record. */
export type Reuse =
	| { kind: 'send' }
	| { kind: 'known'; id: string }
	| { kind: 'may-exist' }
	| { kind: 'refused'; error: Error };

export class CreateRecord {
	private constructor(private readonly items: Map<number, ItemRecord> | undefined) {}

	/** The record of this run of the node (none where n8n gives no execute data). */
	static of(ctx: IExecuteFunctions): CreateRecord {
		const run = ctx.getExecuteData?.();
		if (!run) return new CreateRecord(undefined);
		let items = runs.get(run);
		if (!items) {
			items = new Map();
			runs.set(run, items);
		}
		return new CreateRecord(items);
	}

	/** What an earlier try did for this item. */
	reuse(itemIndex: number): Reuse {
		const item = this.items?.get(itemIndex);
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
			this.items?.set(itemIndex, { state: 'created', id: sent.job.id });
			return sent.job;
		}
		const outcome = createOutcome(sent.error);
		if (outcome === 'may-exist') this.items?.set(itemIndex, { state: 'may-exist' });
		if (outcome === 'refused') this.items?.set(itemIndex, { state: 'refused', error: sent.error });
		throw sent.error;
	}
}
