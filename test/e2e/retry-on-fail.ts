/*
 * n8n's Retry On Fail (Max Tries 3, Wait Between Tries 0) around the node, in real n8n: however
 * often n8n runs the node again, each item is created at most once and every job id made is in
 * the output or the error.
 */
import { parseExecuteOutput } from '../../tools/n8n/install-n8n';
import { tail } from '../../tools/process';
import { assert, defineCase } from '../../tools/suite';
import { nodeItems, type E2eContext } from './context';

/** POSTs to /v1/videos since the marks, and the ids of the jobs they made. */
function createsSince(
	c: E2eContext,
	mark: { requests: number; creates: number },
): { posts: number; ids: string[] } {
	const posts = c.sim.requests.slice(mark.requests).filter((q) => q.route === 'create').length;
	return { posts, ids: c.sim.creates.slice(mark.creates).map((create) => create.id) };
}

const markOf = (c: E2eContext) => ({
	requests: c.sim.requests.length,
	creates: c.sim.creates.length,
});

export const retryCreate500 = defineCase<E2eContext>(
	'retry-on-fail-create-500',
	'Retry On Fail, a create answered 500: sent once, the "may have been created" error',
	async (c) => {
		const from = markOf(c);
		c.sim.fault('create', { status: 500 });
		const r = await c.execute('e2eRetryOnFail1');
		assert(r.code !== 0, `execute exited 0:\n${tail(r.stdout, 30)}`);
		const message = parseExecuteOutput(r.stdout).data.resultData.error?.message ?? '';
		const { posts } = createsSince(c, from);
		assert(posts === 1, `${posts} POSTs to /v1/videos for one item`);
		assert(/may have been created/.test(message), `error: ${message}`);
		return `POSTs to /v1/videos: ${posts}; error: "${message}"`;
	},
);

async function refusedAndCreated(c: E2eContext, workflowId: string): Promise<string> {
	const from = markOf(c);
	c.sim.fault('create', { status: 400, message: 'prompt refused' });
	const r = await c.execute(workflowId);
	const { posts, ids } = createsSince(c, from);
	assert(posts === 2, `${posts} POSTs to /v1/videos for two items`);
	assert(ids.length === 1, `jobs made: ${ids.join(', ') || 'none'}`);
	const parsed = parseExecuteOutput(r.stdout);
	const shown =
		r.code === 0
			? JSON.stringify(nodeItems(parsed, 'Comet Video').map((item) => item.json))
			: `${parsed.data.resultData.error?.message ?? ''} ${parsed.data.resultData.error?.description ?? ''}`;
	assert(
		shown.includes(ids[0]),
		`job ${ids[0]} is not in the ${r.code === 0 ? 'output' : 'error'}: ${shown}`,
	);
	return `POSTs to /v1/videos: ${posts}; job ${ids[0]} in the ${r.code === 0 ? 'output' : 'error'}: ${shown.slice(0, 400)}`;
}

export const retryRefusedAndCreated = defineCase<E2eContext>(
	'retry-on-fail-refused-and-created',
	'Retry On Fail, item 0 refused and item 1 created: one create per item, the id in the error',
	async (c) => await refusedAndCreated(c, 'e2eRetryOnFail2'),
);

export const retryRefusedAndCreatedContinue = defineCase<E2eContext>(
	'retry-on-fail-continue',
	'Retry On Fail + Continue On Fail, item 0 refused and item 1 created: one create per item, the id in the output',
	async (c) => await refusedAndCreated(c, 'e2eRetryOnFail3'),
);
