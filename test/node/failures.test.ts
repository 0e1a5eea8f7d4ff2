/**
 * Jobs that fail, waits that time out or are cancelled, continueOnFail, a bad key and the
 * create retry policy, each in a real workflow execution against the simulator.
 */

import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { sha256 } from '../../tools/files';
import { createParams, requestsTo, runVideoNode } from '../helpers';
import { useSimulator } from './helpers';

const getSim = useSimulator({ jobDurationMs: 400, videoBytes: 64 * 1024 });

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a failed job ends the wait at once, with the reason and the id', () => {
	test.each([
		['[fail]', 'failed', "The prompt was blocked by the provider's safety system."],
		['[fail-noerror]', 'failed', 'the provider gave no reason'],
		['[error]', 'error', 'The provider failed to generate the video.'],
		['[unknown]', 'unknown', 'CometAPI reports the status "unknown"'],
	])('%s -> status "%s"', async (marker, status, reason) => {
		const sim = getSim();
		// The default timeout is 30 min: ending within seconds proves the failure ended the wait.
		const result = await runVideoNode(sim, createParams({ prompt: `A stormy sea ${marker}` }));

		expect(result.status).toBe('error');
		expect(result.error).toBeInstanceOf(NodeApiError);
		const [create] = sim.creates;
		expect(result.error?.message).toMatch(
			new RegExp(
				`^${escapeRegExp(`Video job ${create.id} ended with status "${status}": ${reason}`)}`,
			),
		);
		expect(result.error?.description).toMatch(/create a new job/);
		expect(result.durationMs).toBeLessThan(5000);
		expect(requestsTo(sim, 'retrieve').length).toBeLessThanOrEqual(2);
		expect(requestsTo(sim, 'content')).toHaveLength(0);
		expect(sim.createCount()).toBe(1);
	});

	test('the provider code is passed on in the description', async () => {
		const sim = getSim();
		sim.configure({
			plan: () => ({
				outcome: 'failed',
				errorCode: 'content_policy',
				errorMessage: 'Faces are not allowed',
			}),
		});
		const result = await runVideoNode(sim, createParams({ model: 'sora-2' }));
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(
			/^Video job video_\w+ ended with status "failed": Faces are not allowed$/,
		);
		expect(result.error?.description).toContain('Provider code: content_policy.');
	});
});

describe('timeouts and cancellation', () => {
	test('a job that never finishes: the wait times out, the error names the id and points to Retrieve', async () => {
		const sim = getSim();
		// timeoutMinutes 0.02 = 1.2 s. cancelAfterMs is only a safety net so a broken timeout fails
		// fast (then the status is "canceled" and the error another one).
		const result = await runVideoNode(
			sim,
			createParams({ prompt: 'Forever [never]', options: { timeoutMinutes: 0.02 } }),
			{
				cancelAfterMs: 15_000,
			},
		);

		expect(result.status).toBe('error');
		expect(result.error).toBeInstanceOf(NodeOperationError);
		const { id } = sim.creates[0];
		expect(result.error?.message).toMatch(
			new RegExp(
				`^Video job ${id} did not finish within 0.02 min \\(last status "(queued|in_progress)"`,
			),
		);
		expect(result.error?.description).toContain(`Use the Retrieve operation with id ${id}`);
		expect(result.durationMs).toBeGreaterThanOrEqual(1200);
		expect(result.durationMs).toBeLessThan(8000);
	});

	test('cancelling the execution while waiting: status canceled quickly, no hang, no more polls', async () => {
		const sim = getSim();
		const result = await runVideoNode(sim, createParams({ prompt: 'Forever [never]' }), {
			cancelAfterMs: 700,
		});

		expect(result.status).toBe('canceled');
		expect(result.engineSettled).toBe(true);
		// Well under the harness's 10 s grace for a node that ignores the cancel.
		expect(result.durationMs).toBeLessThan(6000);
		expect(sim.createCount()).toBe(1);
		const seen = sim.requests.length;
		await sleep(1500);
		expect(sim.requests.length).toBe(seen);
	});
});

describe('continueOnFail', () => {
	const items = [
		{ json: { prompt: 'A calm lake' } },
		{ json: { prompt: 'Something blocked [fail]' } },
		{ json: { prompt: 'A busy market' } },
	];

	test('on: the failed item becomes { error, id } paired with its input, the others succeed', async () => {
		const sim = getSim();
		const result = await runVideoNode(sim, createParams({ prompt: '={{ $json.prompt }}' }), {
			items,
			continueOnFail: true,
		});

		expect(result.status).toBe('success');
		expect(result.items).toHaveLength(3);
		const failedJob = sim.creates.find((create) => create.prompt.includes('[fail]'));
		expect(result.items[1]).toEqual({
			json: {
				error: `Video job ${failedJob?.id} ended with status "failed": The prompt was blocked by the provider's safety system.`,
				description: expect.stringContaining('Provider code: moderation_blocked.'),
				id: failedJob?.id,
			},
			pairedItem: { item: 1 },
		});
		for (const index of [0, 2]) {
			const item = result.items[index];
			expect(item.pairedItem).toEqual({ item: index });
			expect(item.json).toMatchObject({ status: 'completed', prompt: items[index].json.prompt });
			expect(sha256(await result.readBinary(item.binary?.data))).toBe(
				sim.videoSha256(item.json.id),
			);
		}
		expect(sim.createCount()).toBe(3);
	});

	test('off: the execution fails with our message, naming the jobs of the other items', async () => {
		const sim = getSim();
		const result = await runVideoNode(sim, createParams({ prompt: '={{ $json.prompt }}' }), {
			items,
		});

		expect(result.status).toBe('error');
		expect(result.error).toBeInstanceOf(NodeApiError);
		const failedJob = sim.creates.find((create) => create.prompt.includes('[fail]'));
		expect(result.error?.message).toBe(
			`Video job ${failedJob?.id} ended with status "failed": The prompt was blocked by the provider's safety system.`,
		);
		const others = sim.creates.filter((create) => create !== failedJob).map((create) => create.id);
		for (const id of others) expect(result.error?.description).toContain(id);
		expect(result.error?.description).toMatch(
			/Jobs of the other items in this run: item \d: \w+, item \d: \w+\./,
		);
		expect(result.items).toEqual([]);
	});
});

describe('bad key', () => {
	test('401: a NodeApiError with a clear message, the key nowhere in it, no retry', async () => {
		const sim = getSim();
		const badKey = 'sk-this-key-is-wrong-0123456789';
		const result = await runVideoNode(sim, createParams(), { credential: { apiKey: badKey } });

		expect(result.status).toBe('error');
		expect(result.error).toBeInstanceOf(NodeApiError);
		expect(result.error?.httpCode).toBe('401');
		expect(result.error?.message).toMatch(
			/^CometAPI could not create the video job: Invalid token/,
		);
		expect(result.error?.description).toBe('Check the API key in the Comet Video API credential.');
		const everything = JSON.stringify({
			message: result.error?.message,
			description: result.error?.description,
			context: result.error?.context,
			cause: result.error?.cause,
		});
		expect(everything).not.toContain(badKey);
		expect(JSON.stringify(result.run?.data.resultData.error)).not.toContain(badKey);
		for (const line of result.logs) expect(line.text).not.toContain(badKey);
		// The key was sent as a Bearer token, once: a 401 is not retried.
		expect(sim.requests).toHaveLength(1);
		expect(sim.requests[0].headers.authorization).toBe(`Bearer ${badKey}`);
		expect(sim.createCount()).toBe(0);
	});
});

describe('create retry policy (a create costs money)', () => {
	test('429 on create: retried, one job in the end', async () => {
		const sim = getSim();
		sim.fault('create', { status: 429, headers: { 'retry-after': '0' } });
		const result = await runVideoNode(sim, createParams({ waitForCompletion: false }));

		expect(result.status).toBe('success');
		expect(requestsTo(sim, 'create').map((request) => request.status)).toEqual([429, 200]);
		expect(sim.createCount()).toBe(1);
		expect(result.items[0].json.id).toBe(sim.creates[0].id);
	});

	test('503 after the job was made: not sent again, the error warns a job may exist', async () => {
		const sim = getSim();
		sim.fault('create', { status: 503, acceptThenFail: true, headers: { 'retry-after': '0' } });
		const result = await runVideoNode(sim, createParams({ waitForCompletion: false }));

		expect(result.status).toBe('error');
		expect(result.error).toBeInstanceOf(NodeApiError);
		expect(result.error?.message).toMatch(/a job may have been created/);
		expect(result.error?.description).toMatch(/not sent again/);
		expect(requestsTo(sim, 'create')).toHaveLength(1);
		expect(sim.createCount()).toBe(1);
	});

	test('a 503 while polling is retried and the wait goes on', async () => {
		const sim = getSim();
		sim.fault('retrieve', { status: 503, headers: { 'retry-after': '0' } });
		const result = await runVideoNode(sim, createParams());

		expect(result.status).toBe('success');
		const retrieves = requestsTo(sim, 'retrieve');
		expect(retrieves[0].status).toBe(503);
		expect(retrieves.at(-1)?.status).toBe(200);
		expect(sim.createCount()).toBe(1);
		const [item] = result.items;
		expect(sha256(await result.readBinary(item.binary?.data))).toBe(sim.videoSha256(item.json.id));
	});
});
