/**
 * Error bodies are bounded: a deep or huge error answer gives the HTTP status and a capped message.
 * Each case runs the built node inside a real n8n-core execution (tools/harness) against a bare
 * HTTP server on loopback that gives the hostile answer.
 */

import { describe, expect, jest, test } from '@jest/globals';

import * as H from '../support/faults';
import { json, raw } from '../support/hostile-server';
import { useHostileNode, retrieve } from '../support/hostile-node';

const { getServer, runNode } = useHostileNode();

// A call the node fails to bound hangs: fail it in 20 s, not the suites' 60.
jest.setTimeout(20_000);

describe('bounded error bodies', () => {
	test('a 150k-deep error body gives the HTTP status, not a RangeError', async () => {
		const depth = 150_000;
		getServer().answer(raw(422, `{"error":${'['.repeat(depth)}${']'.repeat(depth)}}`));
		const result = await runNode(retrieve());

		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/HTTP 422/);
		expect(H.everythingVisible(result)).not.toMatch(/RangeError|call stack/i);
	});

	test('only the envelope code and message survive, capped, with the status', async () => {
		getServer().answer(
			json(403, {
				error: { message: 'm'.repeat(5000), code: 'c'.repeat(5000), extra: { deep: 'x' } },
			}),
		);
		const result = await runNode(retrieve());

		expect(result.error?.message).toMatch(/HTTP 403/);
		const visible = H.everythingVisible(result);
		expect(visible).not.toContain('m'.repeat(400));
		expect(visible).not.toContain('c'.repeat(400));
		expect(visible).not.toContain('deep');
	});
});
