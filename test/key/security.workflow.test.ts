/**
 * Security of the API key, in real n8n workflow executions against the simulator:
 *   - servers that echo the key in HTTP errors: it is redacted from messages, descriptions,
 *     continue-on-fail output, serialised errors and logs (a failed job's reason and code: the
 *     fault matrix's J-failed and I-failed-job);
 *   - a download redirected to another origin carries no Authorization header there, and still
 *     delivers the right bytes;
 *   - the key goes only over https, unless the Base URL is loopback or "Allow Plain HTTP" is on
 *     (the plain-HTTP cases reach a simulator under an /etc/hosts alias of 127.0.0.1, and are
 *     skipped where there is none: these tests only ever talk to loopback);
 *   - a redirect on an API call does not carry the key to another origin.
 * Every run also gets the shared scan (H.expectNoKeyLeak) over everything the user can read.
 */
import * as fs from 'node:fs';

import type { INodeExecutionData } from 'n8n-workflow';

import type { Simulator } from '../../tools/simulator';
import * as H from '../support/faults';

const getSim = H.useSimulator();

/**
 * A host name that /etc/hosts maps to 127.0.0.1 but that is not "localhost": the node must treat
 * it as remote (it cannot know where a name resolves), while the traffic stays on this machine.
 * Tests never send anything beyond loopback, so without such an alias they are skipped.
 */
function loopbackAlias() {
	let hosts = '';
	try {
		hosts = fs.readFileSync('/etc/hosts', 'utf8');
	} catch {
		return undefined;
	}
	for (const line of hosts.split('\n')) {
		const [address, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
		if (!/^127\./.test(address ?? '')) continue;
		const alias = names.find(
			(name) =>
				name &&
				name !== 'localhost' &&
				!name.startsWith('localhost.') &&
				/^[a-z0-9.-]+$/i.test(name),
		);
		if (alias) return alias;
	}
	return undefined;
}

describe('the key is redacted wherever a server echoes it', () => {
	test.each([
		[
			'S-401-echo: a 401 whose message echoes the key shows "***" instead, and points at the credential',
			false,
		],
		['S-401-echo-cof: the same with Continue On Fail: the output item is redacted too', true],
	])('%s', async (_name, continueOnFail) => {
		const sim = getSim();
		sim.fault('create', { status: 401, message: `Invalid token ${H.API_KEY}` });
		const result = await H.runVideoNode(sim, H.createParams({ waitForCompletion: false }), {
			continueOnFail,
		});

		H.expectNoKeyLeak(result);
		expect(result.status).toBe(continueOnFail ? 'success' : 'error');
		const [item] = result.items;
		const { message, description } = continueOnFail
			? { message: item.json.error, description: item.json.description }
			: { message: result.error?.message, description: result.error?.description };
		expect(message).toMatch(/Invalid token \*\*\*/);
		expect(description).toMatch(/Check the API key in the Comet Video API credential/);
		expect(sim.createCount()).toBe(0);
		// The key did reach the API itself, once, as the Bearer header (the scan is not vacuous).
		expect(sim.requests.map((request) => request.headers.authorization)).toEqual([
			`Bearer ${H.API_KEY}`,
		]);
	});

	test('S-5xx-echo: a retried read failing with the key in message AND error code is redacted in the error object', async () => {
		const sim = getSim();
		const id = await H.seedJob(sim);
		sim.fault('retrieve', {
			status: 503,
			code: `key_${H.API_KEY}`,
			message: `upstream refused key ${H.API_KEY}`,
			times: 3,
		});
		const result = await H.runVideoNode(sim, H.retrieveParams(id));

		H.expectNoKeyLeak(result);
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/upstream refused key \*\*\*/);
		expect(result.error?.message).toContain(id);
		expect(H.requestsTo(sim, 'retrieve')).toHaveLength(3);
	});

	// A failed job's reason and code echoing the key, while waiting and when downloading it:
	// J-failed and I-failed-job (ids/ and files/fault-matrix.workflow.test.ts).
});

describe('downloads redirected to another origin', () => {
	test('S-redirect: no Authorization header reaches the storage origin; the file arrives byte-exact', async () => {
		const sim = getSim();
		const id = await H.seedJob(sim);
		sim.fault('content', { kind: 'redirect' });
		const result = await H.runVideoNode(sim, H.downloadParams(id));

		H.expectNoKeyLeak(result);
		expect(result.status).toBe('success');
		// The API origin got the key; the other origin got the request, without it.
		expect(H.requestsTo(sim, 'content').map((request) => request.status)).toEqual([302]);
		expect(H.requestsTo(sim, 'content')[0].headers.authorization).toBe(`Bearer ${H.API_KEY}`);
		expect(sim.redirectRequests).toHaveLength(1);
		expect(sim.redirectRequests[0].status).toBe(200);
		expect(sim.redirectRequests[0].headers.authorization).toBeUndefined();
		expect(JSON.stringify(sim.redirectRequests[0].headers)).not.toContain(H.API_KEY);
		const [item] = result.output(H.NODE_NAME);
		const bytes = await result.readBinary(item.binary?.data);
		expect(bytes.equals(sim.videoBuffer(id))).toBe(true);
	});

	// Create + wait + download takes the same download path (downloadContent): J-completed shows
	// it stores the exact bytes.
});

describe('the key travels only over https, unless loopback or "Allow Plain HTTP"', () => {
	const alias = loopbackAlias();
	(alias ? describe : describe.skip)(
		`a server under a non-localhost name (${alias ?? 'no /etc/hosts alias of 127.0.0.1'})`,
		() => {
			// The requests would stay on this machine (the alias is 127.0.0.1), so a regression shows
			// up as requests this simulator received, never as traffic (or a DNS query) leaving it.
			const getLanSim = H.useSimulator();

			function lanUrl(lanSim: Simulator) {
				return `http://${alias}:${new URL(lanSim.url).port}`;
			}

			test('S-http-refused: plain http to a non-loopback name fails before any request with a message about plain HTTP', async () => {
				const lanSim = getLanSim();
				// The job exists there: a request that got through would succeed.
				const id = await H.seedJob(lanSim);
				const result = await H.runVideoNode(lanSim, H.retrieveParams(id), {
					credential: { apiKey: H.API_KEY, baseUrl: lanUrl(lanSim) },
				});

				H.expectNoKeyLeak(result);
				expect(result.status).toBe('error');
				expect(result.error?.message).toMatch(/plain HTTP/);
				expect(result.error?.message).toMatch(/unencrypted/);
				expect(result.error?.description).toMatch(/https:\/\//);
				expect(result.error?.description).toMatch(/Allow Plain HTTP/);
				expect(lanSim.requests).toHaveLength(0);
			});

			// A single Retrieve with no trailing slash: S-http-refused.
			test('S-http-create-refused: a Create (2 items, wait and download) against plain HTTP makes no job and sends nothing', async () => {
				const lanSim = getLanSim();
				const result = await H.runVideoNode(lanSim, H.createParams(), {
					items: H.numberedItems(2),
					credential: { apiKey: H.API_KEY, baseUrl: `${lanUrl(lanSim)}/` },
				});

				H.expectNoKeyLeak(result);
				expect(result.status).toBe('error');
				expect(result.error?.message).toMatch(/plain HTTP/);
				expect(lanSim.requests).toHaveLength(0);
				expect(lanSim.createCount()).toBe(0);
			});

			test('S-lan-allowed: with "Allow Plain HTTP" the same server gets the request and the job is made', async () => {
				const lanSim = getLanSim();
				const result = await H.runVideoNode(lanSim, H.createParams({ waitForCompletion: false }), {
					credential: { apiKey: H.API_KEY, baseUrl: lanUrl(lanSim), allowHttp: true },
				});

				H.expectNoKeyLeak(result);
				expect(result.status).toBe('success');
				expect(lanSim.createCount()).toBe(1);
				expect(result.output(H.NODE_NAME)[0].json.id).toBe(lanSim.creates[0].id);
			});
		},
	);

	// Plain http to 127.0.0.1 without the checkbox: every other run against a simulator.
});

describe('answers that are not the API', () => {
	test('S-moved-cross-origin: a 301 to another origin on a JSON call does not carry the key there', async () => {
		const sim = getSim();
		const id = await H.seedJob(sim);
		sim.fault('retrieve', {
			kind: 'moved',
			headers: { location: `${sim.fileOrigin}/v1/videos/${id}` },
		});
		const result = await H.runVideoNode(sim, H.retrieveParams(id, { options: { maxAttempts: 1 } }));

		H.expectNoKeyLeak(result);
		expect(result.status).toBe('error');
		// Either the node does not follow redirects on API calls at all (0), or it follows this one
		// (1, today) — then without the key.
		expect(sim.redirectRequests.length).toBeLessThanOrEqual(1);
		for (const request of sim.redirectRequests) {
			expect(request.headers.authorization).toBeUndefined();
			expect(JSON.stringify(request)).not.toContain(H.API_KEY);
		}
		expect(result.error?.message).toContain(id);
	});
});

describe('the leak scan itself', () => {
	function fakeResult({
		output = [],
		error,
		logs = [],
	}: Partial<Pick<H.RunView, 'error' | 'logs'>> & { output?: INodeExecutionData[] }): H.RunView {
		return { output: () => output, error, logs, run: { data: {} } };
	}

	test('S-scan: it finds the key in output, error description, error context and log metadata', () => {
		const planted = [
			fakeResult({ output: [{ json: { note: `x ${H.API_KEY} y` } }] }),
			fakeResult({
				error: Object.assign(new Error('boom'), { description: `Bearer ${H.API_KEY}` }),
			}),
			fakeResult({
				error: Object.assign(new Error('boom'), {
					context: { request: { headers: { authorization: H.API_KEY } } },
				}),
			}),
			fakeResult({
				logs: [{ text: 'ok', metadata: { headers: { Authorization: `Bearer ${H.API_KEY}` } } }],
			}),
		];
		for (const result of planted) expect(() => H.expectNoKeyLeak(result)).toThrow(/API key leaked/);
		expect(() =>
			H.expectNoKeyLeak(fakeResult({ output: [{ json: { note: 'clean ***' } }] })),
		).not.toThrow();
	});
});
