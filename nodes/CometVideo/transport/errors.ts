/**
 * Every error the node raises once it talks to CometAPI is built here: one catalogue of
 * messages and hints, the job id on every error that concerns a job (in the message and in
 * `context.jobId`), and the key redacted before anything is cut to length.
 */
import type { IDataObject, INode, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { Redactor } from '../helpers/redact';
import { shorten } from '../helpers/redact';

/** What one call does, for its errors: which job, which item, and whether it costs money. */
export interface CallContext {
	/** A create costs money: it is repeated only where CometAPI certainly did not get it. */
	kind: 'create' | 'read';
	itemIndex: number;
	jobId?: string;
	/** In words, for messages: "create the video job". */
	action: string;
}

const MESSAGE_LIMIT = 600;
const DESCRIPTION_LIMIT = 1200;
/** Server text quoted inside a message: enough to recognise, never a flood. */
export const QUOTE_LIMIT = 300;

export const HINTS = {
	maybeCreated:
		'The request may have reached CometAPI, so it was not sent again: a second attempt could create (and bill) a second job. Check the task log in your CometAPI console before running this item again.',
	nothingSent: 'Nothing was sent to CometAPI, so no job was created; the item can be run again.',
	checkKey: 'Check the API key in the Comet Video API credential.',
	notReady: 'Download it once Retrieve shows status "completed", or turn on "Wait for Completion".',
	retrieveLater: (id: string) =>
		`The job keeps running at CometAPI. Use the Retrieve operation with id ${id} later to pick it up, or raise "Timeout (Minutes)".`,
	cancelledWait: (id: string) =>
		`The job keeps running at CometAPI. Use the Retrieve operation with id ${id} to pick it up.`,
	noPartialFile: 'No partial file was passed on. Run the Download operation again with the id.',
	storage: "Check n8n's binary data storage (disk space, permissions, its size limit).",
	databaseCap:
		"n8n's database binary data mode stores each file in the database, up to N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE (512 MB unless set). Raise that setting, or store binary data in S3 (N8N_DEFAULT_BINARY_DATA_MODE=s3) or on a filesystem every worker shares (N8N_DEFAULT_BINARY_DATA_MODE=filesystem).",
	jobFailed: (code: string) =>
		`Nothing was rendered for this job, so there is nothing to download. Adjust the prompt or images and create a new job.${code ? ` Provider code: ${code}.` : ''}`,
};

export function jobIdOf(error: unknown): string | undefined {
	const context = (error as { context?: IDataObject } | undefined)?.context;
	return typeof context?.jobId === 'string' ? context.jobId : undefined;
}

/**
 * What a failed create means for sending it again: a job may exist, CometAPI refused it (a 4xx
 * other than 429: the same request is refused again), or neither is certain.
 */
export function createOutcome(error: unknown): 'may-exist' | 'refused' | 'unknown' {
	const { context, httpCode } = (error ?? {}) as { context?: IDataObject; httpCode?: unknown };
	if (context?.mayHaveCreated === true) return 'may-exist';
	const status = Number(httpCode);
	return status >= 400 && status < 500 && status !== 429 ? 'refused' : 'unknown';
}

export class ErrorFactory {
	constructor(
		private readonly node: INode,
		readonly redactor: Redactor,
	) {}

	/** A failure CometAPI (or the way to it) caused. */
	api(
		call: CallContext,
		message: string,
		extra: {
			description?: string;
			httpCode?: string;
			apiError?: IDataObject;
			/** A create whose request may have made (and billed) a job. */
			mayHaveCreated?: boolean;
		} = {},
	): NodeApiError {
		const { text, description } = this.texts(call, message, extra.description);
		const response: JsonObject = { message: text };
		if (extra.apiError) response.error = this.redactor.deep(extra.apiError) as JsonObject;
		const error = new NodeApiError(this.node, response, {
			message: text,
			description,
			httpCode: extra.httpCode,
			itemIndex: call.itemIndex,
		});
		if (call.jobId) error.context.jobId = call.jobId;
		if (extra.mayHaveCreated) error.context.mayHaveCreated = true;
		return error;
	}

	/** A failure on our side of the wire: a wait that ended, a file n8n could not store. */
	operation(
		call: Pick<CallContext, 'itemIndex' | 'jobId'>,
		message: string,
		description?: string,
	): NodeOperationError {
		const texts = this.texts(call, message, description);
		const error = new NodeOperationError(this.node, texts.text, {
			description: texts.description,
			itemIndex: call.itemIndex,
		});
		if (call.jobId) error.context.jobId = call.jobId;
		return error;
	}

	/** Errors that are not n8n's own (a bug, a broken stream) still reach the user as n8n errors. */
	wrap(error: unknown, itemIndex: number): NodeApiError | NodeOperationError {
		if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
		return this.operation({ itemIndex }, (error as Error)?.message ?? String(error));
	}

	private texts(
		call: Pick<CallContext, 'jobId'>,
		message: string,
		description?: string,
	): { text: string; description?: string } {
		const jobNote = call.jobId && !message.includes(call.jobId) ? ` [job ${call.jobId}]` : '';
		return {
			text: shorten(this.redactor.text(message), MESSAGE_LIMIT) + jobNote,
			description:
				description === undefined
					? undefined
					: shorten(this.redactor.text(description), DESCRIPTION_LIMIT),
		};
	}
}

/** Server text inside one of our messages: redacted first, then cut. */
export function quote(redactor: Redactor, text: string): string {
	return shorten(redactor.text(text), QUOTE_LIMIT);
}
