import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { JobPace } from '../helpers/pace';
import type { Pause } from '../helpers/pause';
import type { Settled } from '../helpers/settle';
import type { CometApiClient } from '../transport';
import type { CreateRecord } from '../transport/create-record';

/** What every item's run shares within one execution of the node. */
export interface RunContext {
	ctx: IExecuteFunctions;
	api: CometApiClient;
	pause: Pause;
	/** What earlier tries of this run (n8n's Retry On Fail) created, per item. */
	creates: CreateRecord;
	/** How long this execution's jobs take, per model, from their polls. */
	pace: JobPace;
}

/**
 * One operation: its parameters, a `prepare` that reads and checks an item's parameters without
 * any request (so bad input fails before money is spent), and an `execute` that does the work.
 */
export interface VideoOperation<Request> {
	description: INodeProperties[];
	prepare(ctx: IExecuteFunctions, itemIndex: number): Promise<Request>;
	execute(run: RunContext, request: Request, itemIndex: number): Promise<INodeExecutionData>;
	/**
	 * A check of the whole batch once every item is prepared and before any item runs (Create's
	 * cost cap and minimum balance): throwing refuses every item, before anything is paid for.
	 */
	checkBatch?(run: RunContext, requests: Array<Settled<Request>>): Promise<void>;
}
