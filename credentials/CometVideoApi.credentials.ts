import type {
	Icon,
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

/**
 * A type name of our own: n8n keeps only one credential type per name, so sharing `cometApi` with
 * CometAPI's chat package let whichever package loaded last replace the other's fields.
 */
export class CometVideoApi implements ICredentialType {
	name = 'cometVideoApi';

	displayName = 'Comet Video API';

	icon: Icon = {
		light: 'file:../nodes/CometVideo/cometVideo.svg',
		dark: 'file:../nodes/CometVideo/cometVideo.dark.svg',
	};

	documentationUrl = 'https://api.cometapi.com/doc';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description:
				'Your CometAPI key (starts with sk-), from the API keys page of the CometAPI console',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.cometapi.com',
			description:
				'Leave as is for CometAPI. Change only for a gateway that mirrors its API. The key is sent only over HTTPS, or to a loopback address.',
		},
		{
			displayName: 'Allow Plain HTTP',
			name: 'allowHttp',
			type: 'boolean',
			default: false,
			description:
				'Whether to send the key over unencrypted HTTP to a non-loopback Base URL (only for a self-hosted gateway on a private network)',
		},
	];

	/**
	 * The key as a Bearer header. A function, not a generic `=Bearer {{$credentials.apiKey}}`: n8n
	 * resolves a generic one through its expression engine for every request (a fresh expression
	 * context each time), a third of the node's own work for a batch of ten thousand polls.
	 */
	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		return {
			...requestOptions,
			headers: {
				...requestOptions.headers,
				Authorization: `Bearer ${String(credentials.apiKey ?? '')}`,
			},
		};
	}

	// The Test button follows the node's Base URL rule (transport/base-url.ts; a test runs both
	// over one table of URLs and over generated ones): a refused URL is replaced by a host under
	// ".invalid", which never resolves, so the key goes nowhere and the failure names what to fix.
	// Expressions have no URL parser, so this reads the URL as the parser would: IPv4 in its short,
	// octal and hex forms (127.1 is 127.0.0.1), IPv6 with "::" and a dotted tail ([0:0:0:0:0:0:0:1]
	// is [::1]). A host typed in Unicode (an IDN, or "xn--" punycode) is left to n8n's URL parser,
	// the one the node uses: the request fails with "Invalid URL" where the node refuses it.
	test: ICredentialTestRequest = {
		request: {
			baseURL: String.raw`={{ ((raw, allowHttp) => {
				const text = String(raw || '').trim() || 'https://api.cometapi.com';
				const refused = (why) => 'https://' + why + '.invalid';
				if (/[\u0000-\u001f\u007f]/.test(text)) return refused('base-url-has-a-control-character');
				const parts = /^(https?):[\/\\]*([^\/\\?#]*)([^]*)$/i.exec(text);
				if (!parts) return refused('base-url-must-start-with-https');
				if (/[?#]/.test(text) || parts[2].includes('@')) return refused('base-url-must-not-hold-user-query-or-fragment');
				const address = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9._~\-\u0080-\uffff]+))(?::(\d*))?$/i.exec(parts[2]);
				if (!address || Number(address[3] || 0) > 65535) return refused('base-url-is-not-valid');
				const number = (part) => /^0x[0-9a-f]*$/i.test(part) ? parseInt(part.slice(2) || '0', 16)
					: /^0[0-7]+$/.test(part) ? parseInt(part, 8) : /^(0|[1-9][0-9]*)$/.test(part) ? Number(part) : NaN;
				const ipv4 = (host) => {
					const numbers = host.replace(/\.$/, '').split('.').map(number);
					const last = numbers.length - 1;
					if (last > 3 || !numbers.every((n, i) => n < Math.pow(256, i === last ? 4 - last : 1))) return null;
					return numbers.reduce((sum, n, i) => sum + n * Math.pow(256, i === last ? 0 : 3 - i), 0);
				};
				const ipv6 = (host) => {
					const tail = /:((0|[1-9]\d{0,2})(\.(0|[1-9]\d{0,2})){3})$/.exec(host);
					const bytes = tail ? tail[1].split('.').map(Number) : [];
					if (bytes.some((n) => n > 255)) return null;
					const hex = !tail ? host : host.slice(0, tail.index + 1)
						+ (bytes[0] * 256 + bytes[1]).toString(16) + ':' + (bytes[2] * 256 + bytes[3]).toString(16);
					const halves = hex.split('::').map((half) => (half ? half.split(':') : []));
					const count = halves.flat().length;
					if (halves.length > 2 || (halves.length === 1 ? count !== 8 : count > 7)) return null;
					if (!halves.flat().every((piece) => /^[0-9a-f]{1,4}$/i.test(piece))) return null;
					return [...halves[0], ...Array(8 - count).fill('0'), ...(halves[1] || [])].map((piece) => parseInt(piece, 16));
				};
				let loopback = false;
				if (address[1]) {
					const pieces = ipv6(address[1]);
					if (!pieces) return refused('base-url-is-not-valid');
					loopback = pieces.join() === '0,0,0,0,0,0,0,1';
				} else if (/^[\u0000-\u007f]*$/.test(address[2])) {
					const host = address[2].toLowerCase();
					const last = host.replace(/\.$/, '').split('.').pop();
					if (/^[0-9]+$/.test(last) || !Number.isNaN(number(last))) {
						const value = ipv4(host);
						if (value === null) return refused('base-url-is-not-valid');
						loopback = Math.floor(value / 16777216) === 127;
					} else loopback = host === 'localhost';
				}
				const scheme = parts[1].toLowerCase();
				if (scheme === 'http' && !loopback && allowHttp !== true) return refused('plain-http-refused-tick-allow-plain-http');
				return (scheme + '://' + parts[2] + parts[3].replace(/\\/g, '/')).replace(/\/+$/, '');
			})($credentials.baseUrl, $credentials.allowHttp) }}`,
			url: '/v1/models',
			method: 'GET',
			// A redirect means a wrong Base URL; following it could carry the key elsewhere.
			disableFollowRedirect: true,
		},
	};
}
