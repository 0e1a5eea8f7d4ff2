/**
 * Where the key goes for the balance: CometAPI's own query host for the default Base URL, the
 * gateway's own Base URL otherwise, and only in that URL's query (encoded).
 */
import { balanceUrl } from '../../dist/nodes/CometVideo/transport';

describe('the balance URL', () => {
	test("the default Base URL: CometAPI's balance host", () => {
		expect(balanceUrl('https://api.cometapi.com', 'sk-abc')).toBe(
			'https://query.cometapi.com/user/quota?key=sk-abc',
		);
	});

	test('any other Base URL: a gateway mirroring CometAPI serves /user/quota itself', () => {
		expect(balanceUrl('https://gw.example.com/comet', 'sk-abc')).toBe(
			'https://gw.example.com/comet/user/quota?key=sk-abc',
		);
	});

	test('the key is encoded for the query', () => {
		expect(balanceUrl('https://gw.example.com', 'sk a&b=c')).toBe(
			'https://gw.example.com/user/quota?key=sk%20a%26b%3Dc',
		);
	});
});
