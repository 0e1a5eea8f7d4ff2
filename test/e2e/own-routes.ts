/*
 * Every family in real n8n, the ones on CometAPI's own routes (xAI Grok Imagine, Kling's three
 * actions, Runway) beside those on `/v1/videos`: one real job each, created, waited for and stored
 * (workflows/own-routes.json). The simulator answers the own routes' polls in both shapes by turns
 * (`answerShape: 'alternate'`) and Runway's fresh tasks `task_not_exist` for a while. Checked per
 * job: the route and path the simulator saw, the fields sent (Veo 3.1's two frames as files,
 * Seedance's resolution), the stored bytes against the served video, Grok's real cost; printed:
 * the issue's table, in Markdown.
 */
import { sha256 } from '../../tools/files';
import { assert, defineCase, say } from '../../tools/suite';
import type { AnswerShape, RequestRecord, Simulator } from '../../tools/simulator';
import { spellStatus } from '../../tools/simulator/jobs';
import { grokTicks, pollAnswer, type Snapshot } from '../../tools/simulator/providers';
import { checkStoredVideo, nodeItems, type E2eContext } from './context';

const WORKFLOW_ID = 'e2eOwnRoutes0001';
const FIRST_URL = 'https://images.example/first-frame.png';
const LAST_URL = 'https://images.example/last-frame.png';
const SHAPE: AnswerShape = 'alternate';
const RUNWAY_NOT_YET_MS = 1500;
const TICKS_PER_USD = 1e10;

interface Expected {
	family: string;
	/** The node's `route` output and the create's method and path. */
	route: string;
	create: string;
	/** The poll path before the job's id. */
	poll: string;
	/** Fields the create must carry, with these values (the prompt aside). */
	fields: Record<string, unknown>;
}

const videos = (family: string, fields: Record<string, unknown>): Expected => ({
	family,
	route: 'videos',
	create: 'POST /v1/videos',
	poll: '/v1/videos/',
	fields,
});
const kling = (action: string, fields: Record<string, unknown>): Expected => ({
	family: 'Kling',
	route: `kling-${action}`,
	create: `POST /kling/v1/videos/${action}`,
	poll: `/kling/v1/videos/${action}/`,
	fields,
});

/** Per node of the workflow: what the simulator must have seen. */
const EXPECTED: Record<string, Expected> = {
	'Veo 3.1': videos('Veo 3.1', { model: 'veo3.1', size: '1280x720', seconds: '8' }),
	Seedance: videos('Seedance', {
		model: 'doubao-seedance-1-5-pro',
		size: '16:9',
		seconds: '5',
		resolution: '1080p',
	}),
	Wan: videos('Wan', { model: 'wan2.6', size: '1280x720', seconds: '10' }),
	Vidu: videos('Vidu', { model: 'viduq3', size: '1920x1080', seconds: '4' }),
	HappyHorse: videos('HappyHorse', { model: 'happyhorse-1.0', size: '1440x1440', seconds: '3' }),
	Omni: videos('Omni', {
		model: 'omni-fast',
		seconds: '4',
		aspect_ratio: '16:9',
		resolution: '720p',
	}),
	Grok: {
		family: 'Grok Imagine',
		route: 'grok',
		create: 'POST /grok/v1/videos/generations',
		poll: '/grok/v1/videos/',
		fields: {
			model: 'grok-imagine-video-1.5',
			duration: 3,
			resolution: '720p',
			aspect_ratio: '16:9',
		},
	},
	'Kling Text': kling('text2video', {
		model_name: 'kling-v2-6',
		duration: '10',
		aspect_ratio: '9:16',
		mode: 'pro',
		negative_prompt: 'blur, captions',
		cfg_scale: 0.5,
	}),
	'Kling Image': kling('image2video', {
		model_name: 'kling-v2-master',
		duration: '5',
		aspect_ratio: '16:9',
		mode: 'std',
		image: FIRST_URL,
		image_tail: LAST_URL,
	}),
	'Kling Omni': kling('omni-video', {
		model_name: 'kling-video-o1',
		duration: '7',
		aspect_ratio: '1:1',
		mode: 'std',
	}),
	Runway: {
		family: 'Runway',
		route: 'runway',
		create: 'POST /runwayml/v1/image_to_video',
		poll: '/runwayml/v1/tasks/',
		fields: { model: 'gen4_turbo', promptImage: FIRST_URL, ratio: '720:1280', duration: 10 },
	},
};

/** Where each route keeps the link, in the provider's own object. */
const LINK_PLACE: Record<string, string> = {
	videos: 'video_url',
	grok: 'video.url',
	kling: 'task_result.videos[0].url',
	runway: 'output[0]',
};

/** The two PNGs of the workflow's Code node, as it writes them. */
function framesOf(c: E2eContext): { first: Buffer; last: Buffer } {
	const code = c.workflows.get(WORKFLOW_ID)?.nodes.find((n) => n.name === 'Two Frames');
	const js = String(code?.parameters.jsCode);
	const read = (name: string) => {
		const base64 = new RegExp(`${name}: '([^']+)'`).exec(js)?.[1];
		assert(base64, `own-routes.json: the Code node has no ${name} PNG`);
		return Buffer.from(base64, 'base64');
	};
	return { first: read('first'), last: read('last') };
}

function shortValue(value: unknown): string {
	if (typeof value === 'string') {
		const dataUri = /^(data:[^;,]+;base64,)(.*)$/.exec(value);
		if (dataUri) return `${dataUri[1]}… (${dataUri[2].length} base64 chars)`;
		return value;
	}
	if (value && typeof value === 'object' && !Array.isArray(value))
		return `{ ${Object.entries(value)
			.map(([k, v]) => `${k}: ${shortValue(v)}`)
			.join(', ')} }`;
	return JSON.stringify(value);
}

/** The create's fields as sent (the prompt left out), then its file parts in order. */
function fieldsSent(create: RequestRecord): string {
	const fields = Object.entries(create.fields)
		.filter(([name]) => !['prompt', 'promptText'].includes(name))
		.map(([name, value]) => `${name}=${shortValue(value)}`);
	const files = create.files.map(
		(f, i) =>
			`${f.fieldName}#${i + 1}=${f.fileName} (${f.mimeType}, ${f.size} B, sha256 ${f.sha256.slice(0, 12)}…)`,
	);
	return [...fields, ...files].join('; ');
}

function statusWordOf(answer: unknown, wrapped: boolean): string {
	const body = answer as { status?: string; data?: { status?: string; task_status?: string } };
	if (wrapped) return String(body.data?.status);
	return body.data?.task_status ?? body.status ?? '(none: {request_id} only)';
}

interface Polls {
	/** The status words answered, in order, repeats folded. */
	words: string[];
	/** The shapes of the answers that carried the job (200s). */
	shapes: Set<string>;
	/** The shape of the last answer, the one the link was read from. */
	last: 'plain' | 'wrapped' | undefined;
	paths: Set<string>;
}

/*
 * The simulator keeps no answer bodies: each poll's answer is rebuilt from its record (arrival
 * time, HTTP status), the job's timeline and, on the own routes, the simulator's own answer builder
 * (`pollAnswer`) in the shape that poll's turn gave (answerShape 'alternate': plain first).
 */
function pollsOf(sim: Simulator, id: string, shape: AnswerShape): Polls {
	const job = sim.jobs.get(id);
	const polls = sim.requests.filter((q) => q.route === 'retrieve' && q.path.endsWith(`/${id}`));
	const result: Polls = { words: [], shapes: new Set(), last: undefined, paths: new Set() };
	if (!job) return result;
	let answered = 0;
	for (const q of polls) {
		result.paths.add(`${q.method} ${q.path}`);
		let word: string;
		if (q.status !== 200) {
			word =
				job.task?.provider === 'runway' && q.status === 400
					? 'task_not_exist (400)'
					: `HTTP ${q.status}`;
		} else if (!job.task) {
			word = spellStatus(job.state(q.at).status, 'current');
		} else {
			const turn = answered++;
			const wrapped = shape === 'wrapped' || (shape === 'alternate' && turn % 2 === 1);
			const { status, progress } = job.state(q.at);
			const snap: Snapshot = {
				status,
				progress,
				at: q.at,
				changedAt: q.at,
				link: status === 'completed' ? 'link' : null,
			};
			const kind = wrapped ? 'wrapped' : 'plain';
			result.shapes.add(kind);
			result.last = kind;
			word = `${statusWordOf(pollAnswer(job, job.task, snap, wrapped), wrapped)} (${kind})`;
		}
		if (result.words[result.words.length - 1] !== word) result.words.push(word);
	}
	return result;
}

/** Where the stored file came from: the link (storage host) in the route's place, or `/content`. */
function linkRead(
	sim: Simulator,
	id: string,
	from: number,
	route: string,
	last: Polls['last'],
): string {
	const served = sim
		.requestLog()
		.slice(from)
		.filter((q) => q.path.includes(id) && q.status === 200 && q.method === 'GET');
	if (served.some((q) => q.host === 'storage')) {
		const place = LINK_PLACE[route.replace(/-.*$/, '')];
		if (route === 'videos') return `${place} (storage host)`;
		// Kling's plain answer is its `{ code, message, data }` envelope; the wrapper nests the
		// provider's object in `data.data`.
		const prefix = last === 'wrapped' ? 'data.data.' : route.startsWith('kling') ? 'data.' : '';
		return `${prefix}${place} (${last} answer; storage host)`;
	}
	if (served.some((q) => q.host === 'api' && q.path.endsWith('/content')))
		return '/content (API host)';
	return 'none';
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

function markdown(header: string[], rows: string[][]): string {
	const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
	return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export const ownRoutes = defineCase<E2eContext>(
	'own-routes',
	`one real job per family, own routes too (${Object.keys(EXPECTED).join(', ')}), answers in both shapes: route, fields, status words, link, bytes`,
	async (c) => {
		const { sim } = c;
		const frames = framesOf(c);
		const fromLog = sim.requestLog().length;
		const fromRequests = sim.requests.length;
		sim.configure({ answerShape: SHAPE, runwayNotYetMs: RUNWAY_NOT_YET_MS });
		const parsed = await c
			.executeOk(WORKFLOW_ID)
			.finally(() => sim.configure({ answerShape: 'plain', runwayNotYetMs: 300 }));
		const workflow = c.workflows.get(WORKFLOW_ID);
		const problems: string[] = [];
		const wire: string[] = [];
		const rows = Object.entries(EXPECTED).map(([name, expected]) => {
			const params = workflow?.nodes.find((n) => n.name === name)?.parameters ?? {};
			const model = String((params.model as { value?: string }).value);
			const [item] = nodeItems(parsed, name);
			const id = String(item?.json.id ?? '');
			const create = sim.creates.find((x) => x.id === id);
			// A create's record and the job's share the fields object.
			const request = sim.requests
				.slice(fromRequests)
				.find((q) => q.route === 'create' && create && q.fields === create.fields);
			const polls = pollsOf(sim, id, SHAPE);
			let bytes = 'none';
			const check = (ok: unknown, message: string) => {
				if (!ok) problems.push(`${name} (${model}): ${message}`);
			};
			try {
				assert(!item?.json.error, `error: ${String(item?.json.error)}`);
				assert(create && request, `no create seen (output ${JSON.stringify(item?.json)})`);
				check(item.json.route === expected.route, `route output ${String(item.json.route)}`);
				check(
					`${request.method} ${request.path}` === expected.create,
					`created at ${request.method} ${request.path}`,
				);
				const wrong = Object.entries(expected.fields).filter(
					([field, value]) => JSON.stringify(request.fields[field]) !== JSON.stringify(value),
				);
				check(
					!wrong.length,
					`sent ${wrong.map(([f]) => `${f}=${JSON.stringify(request.fields[f])}`).join(', ')}; expected ${wrong.map(([f, v]) => `${f}=${JSON.stringify(v)}`).join(', ')}`,
				);
				const otherPolls = [...polls.paths].filter((p) => p !== `GET ${expected.poll}${id}`);
				check(polls.paths.size && !otherPolls.length, `polled ${[...polls.paths].join(', ')}`);
				if (expected.route !== 'videos')
					check(
						polls.shapes.size === 2,
						`answer shapes seen: ${[...polls.shapes].join(', ') || 'none'} (both wanted)`,
					);
				bytes = String(checkStoredVideo(c, item, 'video').size);
			} catch (error) {
				problems.push(`${name} (${model}): ${(error as Error).message}`);
			}
			if (request && name === 'Veo 3.1') {
				const [f1, f2] = request.files;
				check(
					request.files.length === 2 &&
						f1.fieldName === 'input_reference' &&
						f1.sha256 === sha256(frames.first) &&
						f2.fieldName === 'input_reference' &&
						f2.sha256 === sha256(frames.last),
					`files ${JSON.stringify(request.files)}: not the first and last frame, in order`,
				);
				wire.push(
					`Veo 3.1 create on the wire (${request.method} ${request.path}, multipart): fields ${JSON.stringify(request.fields)}`,
					...request.files.map(
						(f, i) =>
							`  file part ${i + 1}: ${f.fieldName} "${f.fileName}" ${f.mimeType} ${f.size} B sha256 ${f.sha256} (= the ${i ? 'last' : 'first'} frame PNG: ${f.sha256 === sha256(i ? frames.last : frames.first)})`,
					),
				);
			}
			if (request && name === 'Seedance')
				wire.push(
					`Seedance create on the wire (${request.method} ${request.path}, multipart): fields ${JSON.stringify(request.fields)}`,
				);
			if (request && name === 'Grok') {
				const url = String((request.fields.image as { url?: string } | undefined)?.url);
				const sent = /^data:image\/png;base64,(.+)$/.exec(url)?.[1];
				check(
					sent && Buffer.from(sent, 'base64').equals(frames.first),
					`image ${shortValue(url)} is not the first frame as a data URI`,
				);
				const job = sim.jobs.get(id);
				const ticks = job?.task ? grokTicks(job.task) : NaN;
				check(
					item?.json.costUsd === ticks / TICKS_PER_USD,
					`costUsd ${String(item?.json.costUsd)}, the simulator billed ${ticks} ticks`,
				);
				wire.push(
					`Grok: image.url = the first frame PNG as a data URI; usage.cost_in_usd_ticks ${ticks} -> costUsd ${String(item?.json.costUsd)}`,
				);
			}
			if (request && name === 'Runway')
				check(
					request.headers['x-runway-version'] === '2024-11-06',
					`X-Runway-Version ${String(request.headers['x-runway-version'])}`,
				);
			return [
				expected.family === name ? name : `${expected.family} (${name})`,
				model,
				request
					? `${request.method} ${request.path}; polled GET ${expected.poll}{id} (route "${String(item?.json.route)}")`
					: 'no create',
				request ? fieldsSent(request) : 'none',
				polls.words.join(' > ') || 'none',
				id ? linkRead(sim, id, fromLog, expected.route, polls.last) : 'no job',
				bytes,
			];
		});
		say(
			[
				`answer shape: ${SHAPE} (own routes: polls answered plain and wrapped by turns, plain first); Runway's fresh task answers task_not_exist for ${RUNWAY_NOT_YET_MS} ms.`,
				'"status words seen": the simulator keeps no answer bodies, so each poll answer is rebuilt from its request record (arrival time, HTTP status), the job\'s timeline and the simulator\'s own answer builder (tools/simulator/providers.ts pollAnswer; /v1/videos: its status words, preset "current"); repeats folded. "where the link was read": the link\'s place in the route\'s answer (in the shape of the last poll) when the storage host served the file, /content when the API host did. "bytes stored": n8n\'s stored binary, sha256 equal to the served video.',
				'',
				markdown(
					[
						'family',
						'model id',
						'route (method path)',
						'fields sent',
						'status words seen',
						'where the link was read',
						'bytes stored',
					],
					rows,
				),
				'',
				...wire,
			].join('\n'),
		);
		assert(!problems.length, problems.join('\n'));
		return `${rows.length} families (5 on own routes), every file stored, both answer shapes seen`;
	},
);
