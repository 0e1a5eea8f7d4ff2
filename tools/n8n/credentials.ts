/**
 * The Comet Video API credential for a simulator, in the shape n8n's `import:credentials` reads.
 * Named "CometAPI", the name the example workflows refer to.
 */
export function simulatorCredential(id: string, simulator: { apiKey: string; url: string }) {
	return {
		id,
		name: 'CometAPI',
		type: 'cometVideoApi',
		data: { apiKey: simulator.apiKey, baseUrl: simulator.url, allowHttp: false },
	};
}
