/** The retry decision as one table: what failed, for which kind of call, and what follows. */
import {
	classify,
	type FailureFacts,
	type RetryDecision,
} from '../../dist/nodes/CometVideo/transport/retry';

type Row = [label: string, facts: FailureFacts, expected: RetryDecision];
const retry = (mayHaveCreated = false, nothingSent = false): RetryDecision => ({
	retry: true,
	mayHaveCreated,
	nothingSent,
});
const stop = (mayHaveCreated = false, nothingSent = false): RetryDecision => ({
	retry: false,
	mayHaveCreated,
	nothingSent,
});

const TABLE: Row[] = [
	['read 429', { kind: 'status', request: 'read', status: 429 }, retry()],
	[
		'create 429: certainly turned away',
		{ kind: 'status', request: 'create', status: 429 },
		retry(),
	],
	['read 500', { kind: 'status', request: 'read', status: 500 }, retry()],
	['read 502', { kind: 'status', request: 'read', status: 502 }, retry()],
	['read 503', { kind: 'status', request: 'read', status: 503 }, retry()],
	['read 504', { kind: 'status', request: 'read', status: 504 }, retry()],
	['read 524', { kind: 'status', request: 'read', status: 524 }, retry()],
	['create 500: a job may exist', { kind: 'status', request: 'create', status: 500 }, stop(true)],
	['create 503: a job may exist', { kind: 'status', request: 'create', status: 503 }, stop(true)],
	['create 502: a job may exist', { kind: 'status', request: 'create', status: 502 }, stop(true)],
	['create 504: a job may exist', { kind: 'status', request: 'create', status: 504 }, stop(true)],
	['create 524: a job may exist', { kind: 'status', request: 'create', status: 524 }, stop(true)],
	[
		'read 500 invalid_request',
		{ kind: 'status', request: 'read', status: 500, apiCode: 'invalid_request' },
		stop(),
	],
	[
		'create 500 invalid_request',
		{ kind: 'status', request: 'create', status: 500, apiCode: 'invalid_request' },
		stop(),
	],
	['read 400', { kind: 'status', request: 'read', status: 400 }, stop()],
	['read 401', { kind: 'status', request: 'read', status: 401 }, stop()],
	['create 403', { kind: 'status', request: 'create', status: 403 }, stop()],
	['read 404', { kind: 'status', request: 'read', status: 404 }, stop()],
	['read 403', { kind: 'status', request: 'read', status: 403 }, stop()],
	['read 409', { kind: 'status', request: 'read', status: 409 }, stop()],
	['read 422', { kind: 'status', request: 'read', status: 422 }, stop()],
	['read reset', { kind: 'network', request: 'read', errno: 'ECONNRESET' }, retry()],
	[
		'create reset: may have arrived',
		{ kind: 'network', request: 'create', errno: 'ECONNRESET' },
		stop(true),
	],
	[
		'create refused: nothing sent',
		{ kind: 'network', request: 'create', errno: 'ECONNREFUSED' },
		retry(false, true),
	],
	['read refused', { kind: 'network', request: 'read', errno: 'ECONNREFUSED' }, retry(false, true)],
	[
		'create host unknown: nothing sent, not retried',
		{ kind: 'network', request: 'create', errno: 'ENOTFOUND' },
		stop(false, true),
	],
	[
		'create DNS try again',
		{ kind: 'network', request: 'create', errno: 'EAI_AGAIN' },
		retry(false, true),
	],
	['read unknown errno', { kind: 'network', request: 'read' }, stop()],
	['create unknown errno', { kind: 'network', request: 'create' }, stop(true)],
	['read timeout', { kind: 'timeout', request: 'read' }, retry()],
	['create timeout', { kind: 'timeout', request: 'create' }, stop(true)],
	['read JSON cut off', { kind: 'unreadable', request: 'read', claimedJson: true }, retry()],
	['read HTML on 2xx', { kind: 'unreadable', request: 'read', claimedJson: false }, stop()],
	[
		'create unreadable 2xx',
		{ kind: 'unreadable', request: 'create', claimedJson: true },
		stop(true),
	],
	['read too large', { kind: 'too-large', request: 'read' }, stop()],
	['create too large', { kind: 'too-large', request: 'create' }, stop(true)],
	['download broke off', { kind: 'truncated', request: 'read' }, retry()],
	['download not a file (206, HTML)', { kind: 'not-a-file', request: 'read' }, stop()],
	['store failed', { kind: 'storage', request: 'read' }, stop()],
];

describe('classify: the retry decision', () => {
	test.each(TABLE)('%s', (_label, facts, expected) => {
		expect(classify(facts)).toEqual(expected);
	});

	test('a create is retried only where nothing can have reached CometAPI, or it said 429', () => {
		for (const [, facts, decision] of TABLE) {
			if (facts.request === 'create' && decision.retry) {
				expect(decision.nothingSent || facts.status === 429).toBe(true);
			}
		}
	});
});
