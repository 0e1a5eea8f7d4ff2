/**
 * Where the key may be sent: an https:// Base URL, or plain http:// only to a loopback address
 * or when the user ticked "Allow Plain HTTP". No user name or password (the client would send
 * them as Basic auth instead of the key, and print them in errors), no query and no fragment
 * (they would swallow the API path). The credential's Test button applies the same rule as an
 * n8n expression; a test runs both over one table of URLs.
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

export function checkBaseUrl(raw: string | undefined, allowHttp: boolean): BaseUrlCheck {
	const text = (raw ?? '').trim() || DEFAULT_BASE_URL;
	const refuse = (problem: string, hint: string): BaseUrlCheck => ({ ok: false, problem, hint });
	// The URL parser silently drops tabs and line breaks ("ht\ttp://…"): refuse them instead.
	if (/[\u0000-\u001f\u007f]/.test(text)) {
		return refuse('contains a control character (tab or line break)', 'Type the URL again.');
	}
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		return refuse(
			'is not a valid URL',
			`Use ${DEFAULT_BASE_URL}, or the full URL of your gateway.`,
		);
	}
	if (url.protocol !== 'https:' && url.protocol !== 'http:') {
		return refuse('must start with https://', `Use ${DEFAULT_BASE_URL}.`);
	}
	if (url.username || url.password) {
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
	// "http:host" and "http:/host" parse as http://host: spelled oddly, still plain HTTP.
	if (url.protocol === 'http:' && !isLoopbackHost(url.hostname) && !allowHttp) {
		return refuse(
			`uses plain HTTP (${url.host}): the API key would travel unencrypted`,
			'Use an https:// Base URL. For a self-hosted gateway on a private network, tick "Allow Plain HTTP" in the credential.',
		);
	}
	return { ok: true, url: `${url.origin}${url.pathname}`.replace(/\/+$/, '') };
}
