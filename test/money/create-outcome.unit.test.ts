/** The create record's outcome rule: which failed creates may be sent again. */
import { describe, expect, test } from '@jest/globals';

import { createOutcome } from '../../dist/nodes/CometVideo/transport/errors';

describe('createOutcome: may a failed create be sent again?', () => {
	test.each([
		[{ context: { mayHaveCreated: true }, httpCode: '500' }, 'may-exist'],
		[{ context: {}, httpCode: '400' }, 'refused'],
		[{ context: {}, httpCode: '429' }, 'unknown'],
		[{ context: {} }, 'unknown'],
	])('%j -> %s', (error, outcome) => {
		expect(createOutcome(error)).toBe(outcome);
	});
});
