/**
 * How dev, demo, bench and every suite reach the CometAPI simulator: its credential (as the
 * harness takes it and as `n8n import:credentials` reads it) and jobs made straight at it.
 */

/** Name the example workflows give their credential; n8n resolves it on import. */
export const CREDENTIAL_NAME = 'CometAPI';
export const CREDENTIAL_TYPE = 'cometVideoApi';

export interface SimulatorAddress {
	apiKey: string;
	url: string;
}

/** The data of a cometVideoApi credential pointing at the simulator (loopback: no Allow Plain HTTP). */
export function simulatorCredentialData(sim: SimulatorAddress) {
	return { apiKey: sim.apiKey, baseUrl: sim.url, allowHttp: false };
}

/** The credential in the shape `n8n import:credentials` reads. */
export function simulatorCredential(id: string, sim: SimulatorAddress) {
	return { id, name: CREDENTIAL_NAME, type: CREDENTIAL_TYPE, data: simulatorCredentialData(sim) };
}

/** What the simulator answers to a create. */
export interface CreatedJob {
	id: string;
	status: string;
	model: string;
}

/** A job made straight at the simulator (not through the node). */
export async function createJob(
	sim: SimulatorAddress,
	{
		model = 'veo3-fast',
		prompt = 'A lighthouse at dusk',
		size,
		seconds,
	}: { model?: string; prompt?: string; size?: string; seconds?: string } = {},
): Promise<CreatedJob> {
	const form = new FormData();
	form.set('model', model);
	form.set('prompt', prompt);
	if (size) form.set('size', size);
	if (seconds) form.set('seconds', seconds);
	const response = await fetch(`${sim.url}/v1/videos`, {
		method: 'POST',
		headers: { authorization: `Bearer ${sim.apiKey}` },
		body: form,
	});
	const job = (await response.json()) as Partial<CreatedJob>;
	if (!response.ok || !job.id) throw new Error(`direct create failed: ${JSON.stringify(job)}`);
	return job as CreatedJob;
}
