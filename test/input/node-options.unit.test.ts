/** The shipped node declares its Options, so the settings the workflow tests use take effect. */
import * as path from 'node:path';

import type { INodeType } from 'n8n-workflow';

import * as H from '../support/faults';

describe('node Options', () => {
	test('O-declared: the shipped node declares its "Options" collection, so retry/timeout/poll settings take effect', async () => {
		// n8n hands a node only the parameters its description declares: without this, every
		// option the matrix sets would be dropped silently and the slow defaults would apply.
		const { CometVideo } = (await import(
			path.join(H.PACKAGE_DIR, 'dist/nodes/CometVideo/CometVideo.node.js')
		)) as { CometVideo: new () => INodeType };
		const names = new CometVideo().description.properties.map((property) => property.name);
		expect(names).toContain('options');
	});
});
