/**
 * The CometAPI credential as n8n evaluates it: the Test button's URL and the auth header go
 * through n8n-workflow's own expression engine, with the credential data as `$credentials`.
 */
import type { IAuthenticateGeneric } from 'n8n-workflow';

import { CometVideoApi } from '../../dist/credentials/CometVideoApi.credentials';
import { evaluateCredentialExpression, useSimulator } from '../support/helpers';

const credential = new CometVideoApi();
type CredentialData = { apiKey: string; baseUrl?: string; allowHttp?: boolean };
const evaluate = evaluateCredentialExpression;

const authorizationHeader = (credential.authenticate as IAuthenticateGeneric).properties.headers
	?.Authorization as string;
const testUrl = (data: CredentialData) => evaluate(credential.test.request.baseURL, data);

describe('CometAPI credential', () => {
	test("keeps the chat package's shape: type cometVideoApi, password field apiKey, Bearer header", () => {
		expect(credential.name).toBe('cometVideoApi');
		const apiKey = credential.properties.find((property) => property.name === 'apiKey');
		expect(apiKey?.typeOptions?.password).toBe(true);
		expect(evaluate(authorizationHeader, { apiKey: 'sk-abc' })).toBe('Bearer sk-abc');
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
				Authorization: String(evaluate(authorizationHeader, data)),
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
