import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { JobPace } from '../helpers/pace';
import { Pause } from '../helpers/pause';
import { settle, type Settled } from '../helpers/settle';
import type { Redactor } from '../helpers/redact';
import { CometApiClient } from '../transport';
import { CreateRecord } from '../transport/create-record';
import { copyError, jobIdOf } from '../transport/errors';
import { readExecutionSettings } from './options';
import type { RunContext, VideoOperation } from './types';
import { operations, type OperationName } from './video';

/**
 * Runs one operation over all input items. Every item is read and checked first, so bad input
 * fails before any job is paid for; then all items run at once (the transport caps requests in
 * flight), so fifty jobs take about as long as the slowest, not as long as all of them together.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const operationName = this.getNodeParameter('operation', 0) as OperationName;
	const operation = operations[operationName] as VideoOperation<unknown> | undefined;
	if (!operation) {
		throw new NodeOperationError(this.getNode(), `The operation "${operationName}" is not known`);
	}
	const items = this.getInputData();
	const continueOnFail = this.continueOnFail();

	const requests = await Promise.all(
		items.map(async (_, i) => await settle(async () => await operation.prepare(this, i))),
	);
	const invalid = requests.find((request) => !request.ok);
	if (invalid && !invalid.ok && !continueOnFail) throw invalid.error;

	const pause = new Pause(this.getExecutionCancelSignal?.());
	const api = await CometApiClient.connect(this, readExecutionSettings(this).transport, pause);
	const creates = CreateRecord.of(this);
	const run: RunContext = { ctx: this, api, pause, creates, pace: new JobPace() };
	let results: Array<Settled<INodeExecutionData>>;
	try {
		const batch = await settle(async () => await operation.checkBatch?.(run, requests));
		if (!batch.ok && !continueOnFail) throw batch.error;
		// Refused whole: under "Continue", every item that was ready carries the refusal.
		if (!batch.ok) results = requests.map((request) => (request.ok ? batch : request));
		else results = await Promise.all(await startInTurn(run, requests, operation));
	} finally {
		api.release();
	}

	const failed = results.findIndex((result) => !result.ok);
	if (failed !== -1 && !continueOnFail) throw withOtherJobs(results, failed);
	const errorOutput = this.getNode().onError === 'continueErrorOutput';
	return [results.map((result, i) => outputItem(result, i, api.redactor, errorOutput))];
}

/**
 * Starts the ready items as the key's request budget lets them in (LimiterSeat.admit): an item
 * not started yet holds only its prepared input, however many wait.
 */
async function startInTurn<Request>(
	run: RunContext,
	requests: Array<Settled<Request>>,
	operation: VideoOperation<Request>,
): Promise<Array<Promise<Settled<INodeExecutionData>>>> {
	const running: Array<Promise<Settled<INodeExecutionData>>> = [];
	for (const [itemIndex, request] of requests.entries()) {
		if (!request.ok) {
			running.push(Promise.resolve(request));
			continue;
		}
		await run.api.admit(run.pause, itemIndex);
		const item = settle(() => operation.execute(run, request.value, itemIndex));
		running.push(item.finally(() => run.api.itemEnded(itemIndex)));
	}
	return running;
}

/**
 * Every output passes the redactor: a server may echo the key in any field of a job. A failed
 * item's JSON holds its message, hint and job id. Under "Continue (using error output)" it also
 * carries the error as `item.error`, which is how n8n-core's `handleNodeErrorOutput` tells it
 * apart; n8n then keeps only `{ error: message }` in its JSON, and the message names the job.
 */
function outputItem(
	result: Settled<INodeExecutionData>,
	itemIndex: number,
	redactor: Redactor,
	errorOutput: boolean,
): INodeExecutionData {
	if (result.ok) return { ...result.value, json: redactor.deep(result.value.json) };
	const id = jobIdOf(result.error);
	const error = copyError(result.error);
	error.message = redactor.text(error.message);
	if (error.description) error.description = redactor.text(error.description);
	return {
		json: {
			error: error.message,
			...(error.description ? { description: error.description } : {}),
			...(id ? { id } : {}),
		},
		...(errorOutput ? { error: error as INodeExecutionData['error'] } : {}),
		pairedItem: { item: itemIndex },
	};
}

/**
 * The execution stops on the first failed item, but the others' jobs were paid for: name them
 * in the error, so none is lost. On a copy: the failed item's error may be one Retry On Fail
 * replays from the create record, and the list must appear once, however often it is thrown.
 */
export function withOtherJobs(results: Array<Settled<INodeExecutionData>>, failed: number): Error {
	const { error } = results[failed] as {
		ok: false;
		error: Error & { description?: string | null };
	};
	const others = results
		.map((result, i) => ({
			i,
			id: result.ok ? (result.value.json.id as string | undefined) : jobIdOf(result.error),
		}))
		.filter(({ i, id }) => i !== failed && id);
	if (others.length === 0) return error;
	const list = others.map(({ i, id }) => `item ${i}: ${id}`).join(', ');
	const named = copyError(error);
	named.description =
		`${error.description ?? ''} Jobs of the other items in this run: ${list}.`.trim();
	return named;
}
