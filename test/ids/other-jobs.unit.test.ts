/**
 * The other items' jobs named in the error that stops the execution: once, however often the same
 * error is thrown again (n8n's Retry On Fail replays a refused create's error from the record).
 */
import { NodeApiError } from 'n8n-workflow';

import { withOtherJobs } from '../../dist/nodes/CometVideo/actions/router';
import type { Settled } from '../../dist/nodes/CometVideo/helpers/settle';

const node = {
	id: 'n',
	name: 'Comet Video',
	type: 'cometVideo',
	typeVersion: 1,
	position: [0, 0] as [number, number],
	parameters: {},
};

function refused(): NodeApiError {
	return new NodeApiError(node, { message: 'prompt refused' }, { description: 'It was refused.' });
}

test('the list is added to a copy: the same error thrown again names each job once', () => {
	const error = refused();
	const results = (): Array<Settled<{ json: { id?: string } }>> => [
		{ ok: false, error },
		{ ok: true, value: { json: { id: 'video_made_1' } } },
		{ ok: true, value: { json: {} } },
	];
	const first = withOtherJobs(results(), 0) as NodeApiError;
	const replayed = withOtherJobs(results(), 0) as NodeApiError;

	for (const thrown of [first, replayed]) {
		expect(thrown).toBeInstanceOf(NodeApiError);
		expect(thrown.message).toBe(error.message);
		expect(thrown.description).toBe(
			'It was refused. Jobs of the other items in this run: item 1: video_made_1.',
		);
	}
	expect(error.description).toBe('It was refused.');
});

test('no other job: the error as it is', () => {
	const error = refused();
	expect(withOtherJobs([{ ok: false, error }], 0)).toBe(error);
});
