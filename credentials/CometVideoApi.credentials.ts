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

	// The Test button must not send the key over plain HTTP either: a non-loopback http:// URL
	// without "Allow Plain HTTP" is tested over https://, so the key only travels encrypted.
	// Keep the loopback rule in step with isLoopback() in the node's transport.
	test: ICredentialTestRequest = {
		request: {
			baseURL:
				'={{ (/^http:\\/\\/(?!(localhost|127(\\.\\d{1,3}){3}|\\[::1\\])(:\\d+)?(\\/|$))/i.test(($credentials.baseUrl || "").trim()) && !$credentials.allowHttp ? $credentials.baseUrl.trim().replace(/^http:/i, "https:") : ($credentials.baseUrl || "https://api.cometapi.com").trim()).replace(/\\/+$/, "") }}',
			url: '/v1/models',
			method: 'GET',
		},
	};
}
