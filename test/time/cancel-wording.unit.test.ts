/**
 * A cancel's message names the step it stopped in (a download, a wait to try again, a wait for a
 * request slot), not always "before CometAPI answered", and keeps the job id.
 */
import { describe, expect, test } from '@jest/globals';
import type { INode } from 'n8n-workflow';

import { Redactor } from '../../dist/nodes/CometVideo/helpers/redact';
import { ErrorFactory, Failures, SLOT_WAIT } from '../../dist/nodes/CometVideo/transport/errors';
import type { CallContext } from '../../dist/nodes/CometVideo/transport/errors';
import { classify, Fault, type FailureFacts } from '../../dist/nodes/CometVideo/transport/retry';

const node = { name: 'Comet Video', type: 'x', typeVersion: 1, position: [0, 0], parameters: {} };
const failures = new Failures(
	new ErrorFactory(node as unknown as INode, new Redactor('sk-cancel-0123456789')),
	'https://api.cometapi.com',
);
const download: CallContext = {
	kind: 'read',
	target: 'download',
	itemIndex: 0,
	jobId: 'task_abc',
	action: 'download the video through the content route',
};
const create: CallContext = {
	kind: 'create',
	target: 'api',
	itemIndex: 1,
	action: 'create the video job',
};

function worded(facts: Omit<FailureFacts, 'request'>, call: CallContext) {
	const fault = new Fault({ ...facts, request: call.kind });
	const error = failures.word(fault, classify(fault.facts), 1, call) as Error & {
		description?: string;
	};
	return `${error.message}\n${error.description ?? ''}`;
}

describe('a cancel names the step it stopped in', () => {
	test('mid-download: the download, and the job id', () => {
		const text = worded({ kind: 'cancelled' }, download);
		expect(text).toMatch(/cancelled while the node was trying to download the video/);
		expect(text).toContain('task_abc');
	});

	test('during the back-off before trying again: not sent again, and the job keeps running', () => {
		const text = worded({ kind: 'cancelled-waiting', detail: 'to try again' }, download);
		expect(text).toMatch(/cancelled while waiting to try again/);
		expect(text).toMatch(/not sent again/);
		expect(text).toContain('task_abc');
	});

	test('while waiting for a request slot: nothing was sent', () => {
		const text = worded({ kind: 'cancelled-waiting', detail: SLOT_WAIT }, create);
		expect(text).toMatch(/cancelled while waiting for a free request slot/);
		expect(text).toMatch(/Nothing was sent to create the video job/);
	});

	test('mid-create: the create, and that a job may exist', () => {
		const text = worded({ kind: 'cancelled' }, create);
		expect(text).toMatch(/cancelled while the node was trying to create the video job/);
		expect(text).toMatch(/may have reached CometAPI/);
	});
});
