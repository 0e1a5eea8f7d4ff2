/**
 * What the simulator's own tests share: requests to a running simulator over real HTTP (global
 * fetch), the way a client makes them.
 */
import type { Simulator, VideoView } from '../../tools/simulator';

export type Fields = Record<string, string | string[]>;

export interface FilePart {
	name?: string;
	bytes: Buffer;
	type?: string;
	fileName?: string;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const auth = (sim: Simulator) => ({ authorization: `Bearer ${sim.apiKey}` });

export function form(fields: Fields, files: FilePart[] = []): FormData {
	const body = new FormData();
	for (const [name, value] of Object.entries(fields)) {
		for (const item of [value].flat()) body.append(name, item);
	}
	for (const {
		name = 'input_reference',
		bytes,
		type = 'image/png',
		fileName = 'frame.png',
	} of files) {
		body.append(name, new Blob([bytes], { type }), fileName);
	}
	return body;
}

export function create(sim: Simulator, fields: Fields, files?: FilePart[]): Promise<Response> {
	return fetch(`${sim.url}/v1/videos`, {
		method: 'POST',
		headers: auth(sim),
		body: form(fields, files),
	});
}

export async function createJob(
	sim: Simulator,
	fields: Fields,
	files?: FilePart[],
): Promise<VideoView> {
	const response = await create(sim, fields, files);
	expect(response.status).toBe(200);
	return (await response.json()) as VideoView;
}

export const retrieve = (sim: Simulator, id: string) =>
	fetch(`${sim.url}/v1/videos/${id}`, { headers: auth(sim) });

export const retrieveView = async (sim: Simulator, id: string) =>
	(await (await retrieve(sim, id)).json()) as VideoView;

export const content = (
	sim: Simulator,
	id: string,
	init: { headers?: Record<string, string> } = {},
) =>
	fetch(`${sim.url}/v1/videos/${id}/content`, {
		...init,
		headers: { ...auth(sim), ...init.headers },
	});

/** Polls until the job's status is one of `statuses` (spelled as the simulator answers them). */
export async function waitFor(
	sim: Simulator,
	id: string,
	statuses = ['completed', 'failed', 'error', 'unknown'],
): Promise<VideoView> {
	for (;;) {
		const job = await retrieveView(sim, id);
		if (statuses.includes(job.status)) return job;
		await sleep(20);
	}
}

/** The shared error envelope; `message` ends with a request id unless `exactMessage` is given. */
export function expectEnvelope(
	body: unknown,
	{
		type = 'comet_api_error',
		code,
		exactMessage,
	}: { type?: string; code?: string; exactMessage?: string } = {},
) {
	expect(body).toEqual({
		error: {
			message: exactMessage ?? expect.stringMatching(/\(request id: \w+\)$/),
			type,
			param: '',
			code: code ?? expect.any(String),
		},
	});
}

/** A JSON create on a provider route (Grok, Kling, Runway), with the key. */
export function postJson(
	sim: Simulator,
	path: string,
	body: unknown,
	headers: Record<string, string> = {},
): Promise<Response> {
	return fetch(`${sim.url}${path}`, {
		method: 'POST',
		headers: { ...auth(sim), 'content-type': 'application/json', ...headers },
		body: JSON.stringify(body),
	});
}

/** A GET with the key: the status and the parsed JSON body. */
export async function getJson<T = Record<string, unknown>>(
	sim: Simulator,
	path: string,
): Promise<{ status: number; body: T }> {
	const response = await fetch(`${sim.url}${path}`, { headers: auth(sim) });
	return { status: response.status, body: (await response.json()) as T };
}
