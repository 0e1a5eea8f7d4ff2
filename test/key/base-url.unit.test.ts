/**
 * One Base URL rule in two places: the node's `checkBaseUrl` and the credential Test button's
 * n8n expression. Both run over the same table and must agree on what is refused and where
 * the key may go.
 */
import { CometVideoApi } from '../../dist/credentials/CometVideoApi.credentials';
import { checkBaseUrl } from '../../dist/nodes/CometVideo/transport/base-url';
import { evaluateCredentialExpression } from '../support/helpers';

const testRequest = new CometVideoApi().test.request;

/** Where the Test button sends the key, as n8n's expression engine resolves it. */
function testButtonUrl(baseUrl: string | undefined, allowHttp: boolean): string {
	return String(
		evaluateCredentialExpression(testRequest.baseURL as string, {
			apiKey: 'k',
			baseUrl,
			allowHttp,
		}),
	);
}

type Row = [
	label: string,
	baseUrl: string | undefined,
	allowHttp: boolean,
	expected: string | null,
];
// expected: the URL the key goes to, or null where both must refuse.
const TABLE: Row[] = [
	['no Base URL', undefined, false, 'https://api.cometapi.com'],
	['empty', '', false, 'https://api.cometapi.com'],
	['https with slash', 'https://gateway.example.com/', false, 'https://gateway.example.com'],
	[
		'https with path',
		'https://gw.example.com:8443/comet/',
		false,
		'https://gw.example.com:8443/comet',
	],
	['https: without slashes', 'https:gateway.example.com', false, 'https://gateway.example.com'],
	['plain http', 'http://gateway.example.com', false, null],
	['plain http, allowed', 'http://gateway.example.com', true, 'http://gateway.example.com'],
	['loopback 127.x', 'http://127.0.0.1:8080/', false, 'http://127.0.0.1:8080'],
	['localhost', 'http://localhost:5690', false, 'http://localhost:5690'],
	['[::1]', 'http://[::1]:5690', false, 'http://[::1]:5690'],
	['localhost as a subdomain', 'http://localhost.evil.com:80/', false, null],
	['http:host', 'http:host', false, null],
	['http:/host', 'http:/host', false, null],
	['http:\\\\host', 'http:\\\\host', false, null],
	['tab inside the scheme', 'ht\ttp://host', false, null],
	['line break', 'https://gate\nway.example.com', false, null],
	['user and password', 'https://admin:pw@gateway.example.com', false, null],
	['user and password on loopback', 'http://admin:pw@127.0.0.1:1', false, null],
	['fragment', 'http://127.0.0.1:1/#frag', false, null],
	['query', 'https://gateway.example.com/gw?tenant=a', false, null],
	['ftp', 'ftp://gateway.example.com', false, null],
	['not a URL', 'not a url', false, null],
];

describe('the Base URL rule: node and credential Test button agree', () => {
	test.each(TABLE)('%s', (_label, baseUrl, allowHttp, expected) => {
		const nodeVerdict = checkBaseUrl(baseUrl, allowHttp);
		const testUrl = testButtonUrl(baseUrl, allowHttp);
		if (expected === null) {
			expect(nodeVerdict.ok).toBe(false);
			// The Test button's stand-in host can never resolve: the key goes nowhere.
			expect(new URL(testUrl).hostname).toMatch(/\.invalid$/);
		} else {
			expect(nodeVerdict).toEqual({ ok: true, url: expected });
			expect(new URL(testUrl).href).toBe(new URL(expected).href);
		}
	});

	test('every refusal says what to fix', () => {
		for (const [, baseUrl, allowHttp, expected] of TABLE) {
			if (expected !== null) continue;
			const verdict = checkBaseUrl(baseUrl, allowHttp);
			expect(verdict.ok || (verdict.problem.length > 0 && verdict.hint.length > 0)).toBe(true);
		}
		expect(checkBaseUrl('ftp://127.0.0.1:1', false)).toMatchObject({
			problem: 'must start with https://',
		});
		expect(checkBaseUrl('api.cometapi.com', false)).toMatchObject({
			problem: 'is not a valid URL',
			hint: expect.stringContaining('https://api.cometapi.com'),
		});
		// The Test button's stand-in host says what to do.
		expect(testButtonUrl('http://gateway.example.com', false)).toBe(
			'https://plain-http-refused-tick-allow-plain-http.invalid',
		);
	});
});
