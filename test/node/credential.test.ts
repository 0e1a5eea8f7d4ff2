/**
 * The CometAPI credential as n8n evaluates it: the Test button's URL and the auth header go
 * through n8n-workflow's own expression engine, with the credential data as `$credentials`.
 */
import type { IAuthenticateGeneric } from 'n8n-workflow';

import { CometVideoApi } from '../../dist/credentials/CometVideoApi.credentials';
import { evaluateCredentialExpression, useSimulator } from '../helpers';

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

	test('the Test button calls /v1/models on the default API when no Base URL is stored (chat package credentials)', () => {
		expect(credential.test.request.url).toBe('/v1/models');
		expect(testUrl({ apiKey: 'k' })).toBe('https://api.cometapi.com');
		expect(testUrl({ apiKey: 'k', baseUrl: '' })).toBe('https://api.cometapi.com');
		expect(testUrl({ apiKey: 'k', baseUrl: 'https://gateway.example.com/' })).toBe(
			'https://gateway.example.com',
		);
	});

	// The whole rule, beside the node's, is tested over one table in test/unit/base-url.test.ts.
	test('the Test button never sends the key over plain HTTP to a non-loopback host unless allowed', () => {
		const refused = 'https://plain-http-refused-tick-allow-plain-http.invalid';
		expect(testUrl({ apiKey: 'k', baseUrl: 'http://gateway.example.com' })).toBe(refused);
		expect(testUrl({ apiKey: 'k', baseUrl: 'http://localhost.evil.com:80/' })).toBe(refused);
		expect(testUrl({ apiKey: 'k', baseUrl: 'http://gateway.example.com', allowHttp: true })).toBe(
			'http://gateway.example.com',
		);
		expect(testUrl({ apiKey: 'k', baseUrl: 'http://127.0.0.1:8080/' })).toBe(
			'http://127.0.0.1:8080',
		);
		expect(testUrl({ apiKey: 'k', baseUrl: 'http://localhost:5690' })).toBe(
			'http://localhost:5690',
		);
		expect(testUrl({ apiKey: 'k', baseUrl: 'http://[::1]:5690' })).toBe('http://[::1]:5690');
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
