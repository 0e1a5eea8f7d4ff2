import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
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

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.apiKey}}',
			},
		},
	};

	// The Test button follows the node's Base URL rule (transport/base-url.ts; a test runs both
	// over one table of URLs): a refused URL is replaced by a host under ".invalid", which never
	// resolves, so the key goes nowhere and the failure names what to fix.
	test: ICredentialTestRequest = {
		request: {
			baseURL: `={{ ((raw, allowHttp) => {
				const text = String(raw || '').trim() || 'https://api.cometapi.com';
				const refused = (why) => 'https://' + why + '.invalid';
				if (/[\\u0000-\\u001f\\u007f]/.test(text)) return refused('base-url-has-a-control-character');
				const parts = /^(https?):[\\/\\\\]*([^\\/\\\\?#]*)(.*)$/i.exec(text);
				if (!parts) return refused('base-url-must-start-with-https');
				if (/[?#]/.test(text) || parts[2].includes('@')) return refused('base-url-must-not-hold-user-query-or-fragment');
				if (!/^[a-z0-9._~\\-]+(:\\d+)?$|^\\[[0-9a-f:.]+\\](:\\d+)?$/i.test(parts[2])) return refused('base-url-is-not-valid');
				const scheme = parts[1].toLowerCase();
				const loopback = /^(localhost|127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}|\\[::1\\])(:\\d+)?$/i.test(parts[2]);
				if (scheme === 'http' && !loopback && allowHttp !== true) return refused('plain-http-refused-tick-allow-plain-http');
				return (scheme + '://' + parts[2] + parts[3].replace(/\\\\/g, '/')).replace(/\\/+$/, '');
			})($credentials.baseUrl, $credentials.allowHttp) }}`,
			url: '/v1/models',
			method: 'GET',
			// A redirect means a wrong Base URL; following it could carry the key elsewhere.
			disableFollowRedirect: true,
		},
	};
}
