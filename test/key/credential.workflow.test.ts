/**
 * The CometAPI credential as n8n uses it: the Test button's URL goes through n8n-workflow's own
 * expression engine, with the credential data as `$credentials`; the auth header comes from the
 * credential's `authenticate` function, as n8n calls it.
 */
import { CometVideoApi } from '../../dist/credentials/CometVideoApi.credentials';
import { evaluateCredentialExpression, useSimulator } from '../support/helpers';

const credential = new CometVideoApi();
type CredentialData = { apiKey: string; baseUrl?: string; allowHttp?: boolean };
const evaluate = evaluateCredentialExpression;

/** The Authorization header n8n sends with this credential data. */
async function authorizationHeader(data: CredentialData): Promise<unknown> {
	const request = await credential.authenticate(data, { url: '/v1/models', headers: {} });
	return request.headers?.Authorization;
}
const testUrl = (data: CredentialData) => evaluate(credential.test.request.baseURL, data);

describe('CometAPI credential', () => {
	test("keeps the chat package's shape: type cometVideoApi, password field apiKey, Bearer header", async () => {
		expect(credential.name).toBe('cometVideoApi');
		const apiKey = credential.properties.find((property) => property.name === 'apiKey');
		expect(apiKey?.typeOptions?.password).toBe(true);
		expect(await authorizationHeader({ apiKey: 'sk-abc' })).toBe('Bearer sk-abc');
	});

	test('authenticate keeps the request as it is, headers included, and adds only the Bearer header', async () => {
		const request = { url: '/v1/videos', method: 'POST' as const, headers: { 'X-Trace': 'a' } };
		const authenticated = await credential.authenticate({ apiKey: 'sk-abc' }, request);
		expect(authenticated).toEqual({
			...request,
			headers: { 'X-Trace': 'a', Authorization: 'Bearer sk-abc' },
		});
		expect(request.headers).toEqual({ 'X-Trace': 'a' });
	});

	// Where the Test button sends the key, beside the node's rule: test/key/base-url.unit.test.ts.
	test('the Test button calls /v1/models on the default API when no Base URL is stored (chat package credentials)', () => {
		expect(credential.test.request.url).toBe('/v1/models');
		expect(testUrl({ apiKey: 'k' })).toBe('https://api.cometapi.com');
		expect(testUrl({ apiKey: 'k', baseUrl: '' })).toBe('https://api.cometapi.com');
		expect(testUrl({ apiKey: 'k', baseUrl: 'https://gateway.example.com/' })).toBe(
			'https://gateway.example.com',
		);
	});
});

describe('the credential test request against the simulator', () => {
	const getSim = useSimulator();

	async function runCredentialTest(apiKey: string) {
		const data = { apiKey, baseUrl: getSim().url };
		const { url, method } = credential.test.request;
		const response = await fetch(`${testUrl(data)}${url}`, {
			method,
			headers: {
				Authorization: String(await authorizationHeader(data)),
			},
		});
		const body = (await response.json()) as { object?: string; error?: { message: string } };
		return { status: response.status, body };
	}

	test('passes with the right key', async () => {
		const { status, body } = await runCredentialTest(getSim().apiKey);
		expect(status).toBe(200);
		expect(body.object).toBe('list');
	});

	test('fails clearly with a wrong key', async () => {
		const { status, body } = await runCredentialTest('sk-wrong');
		expect(status).toBe(401);
		expect(body.error?.message).toMatch(/key|token/i);
	});
});
