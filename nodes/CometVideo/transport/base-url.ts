/**
 * Where the key may be sent: an https:// Base URL, or plain http:// only to a loopback address
 * or when the user ticked "Allow Plain HTTP". No user name or password (the client would send
 * them as Basic auth instead of the key, and print them in errors), no query and no fragment
 * (they would swallow the API path). The credential's Test button applies the same rule as an
 * n8n expression, which has no URL parser: so the rule reads the URL as typed (scheme, host,
 * port) in steps the expression repeats, and only then asks the URL parser, which both share
 * (the Test button's request goes through it too). A test runs both over one table of URLs and
 * over generated ones.
 */
export const DEFAULT_BASE_URL = 'https://api.cometapi.com';

export type BaseUrlCheck =
	{ ok: true; url: string } | { ok: false; problem: string; hint: string; url?: undefined };

export function isLoopbackHost(hostname: string): boolean {
	return (
		hostname === 'localhost' ||
		hostname === '[::1]' ||
		/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
	);
}

/**
 * Scheme, then any '/' and '\' (the URL parser skips them all after http: and https:), then
 * the authority up to the path, query or fragment.
 */
const PARTS = /^(https?):[/\\]*([^/\\?#]*)/i;

/** The authority: an IPv6 address in brackets or a host name, then maybe a port. */
const ADDRESS = /^(?:\[[0-9a-f:.]+\]|[a-z0-9._~\-\u0080-\uffff]+)(?::(\d*))?$/i;

/**
 * The URL parser's reading, or null. Not `URL.canParse`: on Node 20.20 it answers false for a
 * valid URL with Latin-1 letters ("https://BÜCHER.example") once V8 has optimised the call.
 */
function parse(text: string): URL | null {
	try {
		return new URL(text);
	} catch {
		return null;
	}
}

const VALID_URL_HINT = `Use ${DEFAULT_BASE_URL}, or the full URL of your gateway.`;

export function checkBaseUrl(raw: string | undefined, allowHttp: boolean): BaseUrlCheck {
	const text = (raw ?? '').trim() || DEFAULT_BASE_URL;
	const refuse = (problem: string, hint: string): BaseUrlCheck => ({ ok: false, problem, hint });
	// The URL parser silently drops tabs and line breaks ("ht\ttp://…"): refuse them instead.
	if (/[\u0000-\u001f\u007f]/.test(text)) {
		return refuse('contains a control character (tab or line break)', 'Type the URL again.');
	}
	const parts = PARTS.exec(text);
	if (!parts) {
		return parse(text)
			? refuse('must start with https://', `Use ${DEFAULT_BASE_URL}.`)
			: refuse('is not a valid URL', VALID_URL_HINT);
	}
	const authority = parts[2];
	if (authority.includes('@')) {
		return refuse(
			'contains a user name or password',
			'Remove the "user:password@" part: CometAPI is reached with the API key only.',
		);
	}
	if (text.includes('?') || text.includes('#')) {
		return refuse(
			'contains a query (?) or fragment (#)',
			'Remove everything from the "?" or "#" on: the node adds the API paths itself.',
		);
	}
	const address = ADDRESS.exec(authority);
	const url = address && Number(address[1] || 0) <= 65535 ? parse(text) : null;
	if (!url) {
		return refuse(
			'is not a valid URL',
			`${VALID_URL_HINT} The host is a name (letters, digits, ".", "-", "_", "~"), an IPv4 address or an IPv6 address in brackets; a port is at most 65535.`,
		);
	}
	// "http:host" and "http:/host" parse as http://host: spelled oddly, still plain HTTP. Only a
	// host typed in ASCII counts as loopback ("ｌｏｃａｌｈｏｓｔ" becomes localhost too, but the
	// Test button's expression cannot map Unicode as the URL parser does).
	const loopback = /^[\u0000-\u007f]*$/.test(authority) && isLoopbackHost(url.hostname);
	if (url.protocol === 'http:' && !loopback && !allowHttp) {
		return refuse(
			`uses plain HTTP (${url.host}): the API key would travel unencrypted`,
			'Use an https:// Base URL. For a self-hosted gateway on a private network, tick "Allow Plain HTTP" in the credential.',
		);
	}
	return { ok: true, url: `${url.origin}${url.pathname}`.replace(/\/+$/, '') };
}
