/**
 * One Base URL rule in two places: the node's `checkBaseUrl` and the credential Test button's
 * n8n expression. Both run over the same table, and over generated URL-like texts, and must
 * agree on what is refused and where the key may go.
 */
import fc from 'fast-check';

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

/**
 * Where the Test button's request goes: a URL, a stand-in host under ".invalid" (the key goes
 * nowhere, the host names what to fix), or a text n8n's URL parser (the node's too) refuses,
 * so the request fails with "Invalid URL" before anything is sent. The last only for a host
 * the expression leaves to that parser: one typed in Unicode, or with an "xn--" label.
 */
type Target = { url: URL } | { refused: 'stand-in' | 'invalid-url' };

function testButtonTarget(baseUrl: string | undefined, allowHttp: boolean): Target {
	let url: URL;
	try {
		// Not URL.canParse: on Node 20.20 it refuses Latin-1 letters once optimised.
		url = new URL(testButtonUrl(baseUrl, allowHttp));
	} catch {
		return { refused: 'invalid-url' };
	}
	return url.hostname.endsWith('.invalid') ? { refused: 'stand-in' } : { url };
}

/** Whether the expression leaves this text's host to the URL parser. */
const leftToParser = (text: string) =>
	/[^\u0000-\u007f]|xn--/i.test(/^[^:]*:[/\\]*([^/\\?#]*)/.exec(text)?.[1] ?? '');

type Row = [
	label: string,
	baseUrl: string | undefined,
	allowHttp: boolean,
	expected: string | null | 'invalid-url',
];
// expected: the URL the key goes to, null where both refuse (the Test button with a stand-in
// host), or 'invalid-url' where the Test button's URL is one the URL parser refuses.
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
	// The URL parser reads IPv4 in short, octal and hex forms, and IPv6 with "::" or a dotted tail.
	['127.1 is 127.0.0.1', 'http://127.1', false, 'http://127.0.0.1'],
	['0x7f.1 is 127.0.0.1', 'http://0x7f.1:8080/', false, 'http://127.0.0.1:8080'],
	['2130706433 is 127.0.0.1', 'http://2130706433', false, 'http://127.0.0.1'],
	['0177.0.0.1 (octal) is 127.0.0.1', 'http://0177.0.0.1', false, 'http://127.0.0.1'],
	['127.0.0.1 with a trailing dot', 'http://127.0.0.1.:5690', false, 'http://127.0.0.1:5690'],
	['10.1 is not loopback', 'http://10.1', false, null],
	['10.1 over https', 'https://10.1', false, 'https://10.0.0.1'],
	['an IPv4 part over 255', 'https://127.0.0.256', false, null],
	['a name ending in a number', 'https://gateway.1', false, null],
	['[0:0:0:0:0:0:0:1] is [::1]', 'http://[0:0:0:0:0:0:0:1]:5690', false, 'http://[::1]:5690'],
	['[::0.0.0.1] is [::1]', 'http://[::0.0.0.1]', false, 'http://[::1]'],
	['IPv4-mapped 127.0.0.1 is not loopback', 'http://[::ffff:127.0.0.1]', false, null],
	['IPv4-mapped over https', 'https://[::FFFF:127.0.0.1]/', false, 'https://[::ffff:7f00:1]'],
	['IPv6 with two "::"', 'https://[1::2::3]', false, null],
	['IDN', 'https://bücher.example/v1/', false, 'https://xn--bcher-kva.example/v1'],
	['IDN as punycode', 'https://xn--bcher-kva.example', false, 'https://xn--bcher-kva.example'],
	['IDN over plain http', 'http://bücher.example', false, null],
	['IDN over plain http, allowed', 'http://bücher.example', true, 'http://xn--bcher-kva.example'],
	['punycode that does not decode', 'https://xn--abc.example', false, 'invalid-url'],
	['an IDN the URL parser refuses', 'https://a\u00a0b.example', false, 'invalid-url'],
	[
		'localhost in full-width letters over plain http',
		'http://ｌｏｃａｌｈｏｓｔ:5690',
		false,
		null,
	],
	['port 65535', 'https://gateway.example.com:65535', false, 'https://gateway.example.com:65535'],
	['port 99999', 'https://gateway.example.com:99999', false, null],
	['empty port', 'https://gateway.example.com:/v1', false, 'https://gateway.example.com/v1'],
	['empty user name', 'https://@gateway.example.com', false, null],
	['"!" in the host', 'https://gate!way.example.com', false, null],
	['a percent-encoded host', 'https://gate%77ay.example.com', false, null],
	[
		'a line separator in the path',
		'https://gateway.example.com/a\u2028b',
		false,
		'https://gateway.example.com/a%E2%80%A8b',
	],
];

describe('the Base URL rule: node and credential Test button agree', () => {
	test.each(TABLE)('%s', (_label, baseUrl, allowHttp, expected) => {
		const nodeVerdict = checkBaseUrl(baseUrl, allowHttp);
		const target = testButtonTarget(baseUrl, allowHttp);
		if (expected === null || expected === 'invalid-url') {
			expect(nodeVerdict.ok).toBe(false);
			// The Test button's stand-in host can never resolve: the key goes nowhere.
			expect(target).toEqual({ refused: expected ?? 'stand-in' });
		} else {
			expect(nodeVerdict).toEqual({ ok: true, url: expected });
			expect('url' in target && target.url.href).toBe(new URL(expected).href);
		}
	});

	test('every refusal says what to fix', () => {
		for (const [, baseUrl, allowHttp, expected] of TABLE) {
			if (expected !== null && expected !== 'invalid-url') continue;
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

describe('the Base URL rule: node and Test button agree on generated URL-like texts', () => {
	const pick = <T>(...values: T[]) => fc.constantFrom(...values);
	const maybe = (text: fc.Arbitrary<string>) => fc.oneof(fc.constant(''), text);
	const join = (parts: fc.Arbitrary<string>[]) => fc.tuple(...parts).map((texts) => texts.join(''));

	const scheme = fc.oneof(
		pick('https', 'http', 'HTTPS', 'Http', 'hTTp'),
		pick('ftp', 'ws', 'htp', 'https+x', ''),
	);
	const separator = pick('://', ':', ':/', ':\\\\', ':///', ':/\\/', '://\\', ' ://', '//', '');
	const userinfo = pick('user@', 'user:pw@', '@', ':@', 'a%40b@', 'u@v@');

	/** An IPv4 number as the URL parser reads it: decimal, octal, hex, too big, or not one. */
	const ipv4Number = fc.oneof(
		fc.integer({ min: 0, max: 300 }).map(String),
		fc.integer({ min: 0, max: 2 ** 32 + 5 }).map(String),
		fc.integer({ min: 0, max: 0o777 }).map((n) => `0${n.toString(8)}`),
		fc.integer({ min: 0, max: 0x1ff }).map((n) => `0x${n.toString(16)}`),
		fc.integer({ min: 0, max: 2 ** 32 + 5 }).map((n) => `0X${n.toString(16).toUpperCase()}`),
		pick('127', '0', '00', '0x', '08', '09', '0xg', '', '1e2', '-1', '4294967296'),
	);
	const ipv4 = fc
		.tuple(fc.array(ipv4Number, { minLength: 1, maxLength: 5 }), pick('', '.', '..'))
		.map(([numbers, end]) => numbers.join('.') + end);

	const hexPiece = fc.oneof(
		fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16)),
		pick('0', '1', '00000', 'ffff', 'FFFF', 'g', '', '0001'),
	);
	const dotted = fc
		.array(fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), pick('01', '')), {
			minLength: 3,
			maxLength: 5,
		})
		.map((numbers) => numbers.join('.'));
	const ipv6 = fc.oneof(
		fc
			.tuple(
				fc.array(hexPiece, { maxLength: 9 }),
				fc.nat(9),
				fc.boolean(),
				fc.oneof(
					fc.constant(''),
					dotted.map((tail) => `:${tail}`),
				),
			)
			.map(([pieces, at, compress, tail]) => {
				const list = [...pieces];
				if (compress) list.splice(Math.min(at, list.length), 0, '');
				const text = list
					.join(':')
					.replace(/^:(?!:)/, '::')
					.replace(/(?<!:):$/, '::');
				return `[${text}${tail}]`;
			}),
		pick(
			'[::1]',
			'[0:0:0:0:0:0:0:1]',
			'[::0:1]',
			'[0::1]',
			'[::0.0.0.1]',
			'[::ffff:127.0.0.1]',
			'[::127.0.0.1]',
			'[1:2:3:4:5:6:7::]',
			'[1:2:3:4:5:6:7::8]',
			'[::1:2:3:4:5:6:7:8]',
			'[::1',
			'[]',
			'[::1%25eth0]',
			'[v1.x]',
		),
	);
	const name = fc.oneof(
		pick(
			'localhost',
			'LOCALHOST',
			'localhost.',
			'localhost.evil.com',
			'gateway.example.com',
			'api.cometapi.com',
			'bücher.example',
			'BÜCHER.example',
			'例え.テスト',
			'пример.рф',
			'xn--bcher-kva.example',
			'xn--abc',
			'XN--BCHER-KVA.EXAMPLE',
			'ｌｏｃａｌｈｏｓｔ',
			'１２７．０．０．１',
			'127。0。0。1',
			'local\u00adhost',
			'bücher.1',
			'a..b',
			'.',
			'a_b~c',
			'gate!way',
			'gate%77ay',
			'a b',
			'a\u00a0b',
		),
		fc.string({
			unit: pick(
				'a',
				'x',
				'n',
				'-',
				'.',
				'_',
				'~',
				'0',
				'1',
				'7',
				'ü',
				'é',
				'例',
				'%',
				'!',
				'*',
				'^',
			),
			minLength: 1,
			maxLength: 12,
		}),
	);
	const host = fc.oneof(ipv4, ipv6, name);
	const port = maybe(
		fc.oneof(
			fc.integer({ min: 0, max: 70_000 }).map((n) => `:${n}`),
			pick(':', ':0080', ':00000000000000443', ':8o', ':-1', ':1:2'),
		),
	);
	const path = pick(
		'',
		'/',
		'/v1',
		'/comet/',
		'/a/./b/',
		'/a/..',
		'\\gw\\',
		'//x//',
		'/a b',
		'/ü',
		'/a\u2028b',
		'/%2e%2e/',
	);
	const tail = maybe(pick('?x=1', '#frag', '?', '#', '/?', '@evil.com'));
	const space = pick('', ' ', '\u00a0', '\ufeff', '\n');

	const urlLike = fc.oneof(
		{
			weight: 8,
			arbitrary: join([space, scheme, separator, maybe(userinfo), host, port, path, tail, space]),
		},
		{
			weight: 1,
			arbitrary: fc
				.tuple(
					join([scheme, separator, host, port, path]),
					fc.nat(40),
					pick('\t', '\n', '\r', '\u0000', '\u007f', '\u001b'),
				)
				.map(([text, at, control]) => text.slice(0, at) + control + text.slice(at)),
		},
		{ weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
	);

	test('both let the same texts through, to the same host and path', () => {
		fc.assert(
			fc.property(urlLike, fc.boolean(), (text, allowHttp) => {
				const node = checkBaseUrl(text, allowHttp);
				const button = testButtonTarget(text, allowHttp);
				expect('url' in button).toBe(node.ok);
				if (!('url' in button)) {
					// Only a host the expression leaves to the URL parser may fail there.
					if (button.refused === 'invalid-url') expect(leftToParser(text.trim())).toBe(true);
					return;
				}
				const nodeUrl = new URL(node.ok ? node.url : '');
				expect(button.url.origin).toBe(nodeUrl.origin);
				expect(button.url.pathname.replace(/\/+$/, '')).toBe(nodeUrl.pathname.replace(/\/+$/, ''));
			}),
			{ numRuns: 5000 },
		);
	});
});
