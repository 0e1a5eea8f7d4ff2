/**
 * The invariants checked after every world. Each returns the violations it found, worded so a
 * reader sees what broke without rerunning: money, ids, key, time, files, routing, status.
 * (Memory is its own property: memory.ts.)
 */
import { createHash } from 'node:crypto';

import type { INodeExecutionData } from 'n8n-workflow';

import { findKey } from '../support/key-scan';
import { serialise } from '../support/serialise';
import {
	POLL_INTERVAL_SECONDS,
	quietLimitMs,
	type ExecutionObservation,
	type WorldRun,
} from './run-world';
import {
	API_ROUTES,
	lastOutcome,
	outcomeOfWord,
	routeOf,
	WORLD_KEY,
	type FileServe,
	type World,
} from './world';

export const INVARIANTS = [
	'money',
	'ids',
	'key',
	'time',
	'files',
	'routing',
	'status',
	'delivery',
	'downgrade',
] as const;
export type Invariant = (typeof INVARIANTS)[number] | 'memory';

export interface Violation {
	invariant: Invariant;
	exec: string;
	detail: string;
}

export function describeViolations(violations: Violation[]): string {
	return violations.map((v) => `  [${v.invariant}] (execution ${v.exec}) ${v.detail}`).join('\n');
}

/** Poll Interval, and room for a busy machine (slot waits, two worlds at once). */
const POLL_GAP_BOUND_MS = POLL_INTERVAL_SECONDS * 1000 + 900;

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function pairedIndex(entry: INodeExecutionData): number | undefined {
	const paired = entry.pairedItem;
	if (typeof paired === 'number') return paired;
	if (Array.isArray(paired)) return paired[0]?.item;
	return paired?.item;
}

/** An output item that reports a failure (n8n's `error`, or the node's `{ error: message }`). */
export function isFailedItem(entry: INodeExecutionData): boolean {
	return entry.error !== undefined || typeof entry.json.error === 'string';
}

/** An output item without its file bytes (binary metadata stays: its name and type are shown). */
function withoutBytes(entry: INodeExecutionData): unknown {
	const binary: Record<string, unknown> = {};
	for (const [name, data] of Object.entries(entry.binary ?? {})) {
		const meta: Record<string, unknown> = { ...data };
		delete meta.data;
		binary[name] = meta;
	}
	return { json: entry.json, error: entry.error, binary, pairedItem: entry.pairedItem };
}

/** Everything a user or operator can read of one execution. */
export function visibleText(execution: ExecutionObservation): string {
	const result = execution.result;
	const error = result?.error;
	return [
		serialise(execution.outputs.map((output) => output.map(withoutBytes))),
		error ? String(error.message) : '',
		error ? String(error.description ?? '') : '',
		error ? serialise(error) : '',
		serialise(result?.run?.data?.resultData?.error ?? null),
		(result?.logs ?? []).map((line) => `${line.text}\n${serialise(line.metadata)}`).join('\n'),
		execution.thrown ?? '',
	].join('\n');
}

function itemText(execution: ExecutionObservation, item: number): string {
	return serialise(
		execution.outputs
			.flat()
			.filter((entry) => pairedIndex(entry) === item)
			.map(withoutBytes),
	);
}

export function checkWorld(run: WorldRun): Violation[] {
	const violations: Violation[] = [];
	const { world, server } = run;
	const add = (invariant: Invariant, exec: string, detail: string) =>
		violations.push({ invariant, exec, detail });

	// key: no request to another origin than the API's carries the key, in any form.
	for (const request of server.requests) {
		if (request.host === 'api') continue;
		const text = `${request.method} ${request.url}\n${serialise(request.headers)}\n${request.body.toString('latin1')}`;
		const hit = findKey(text, WORLD_KEY);
		if (hit) {
			add(
				'key',
				request.exec ?? '?',
				`the ${request.host} host (another origin) got the key (${hit.form}) in ${request.method} ${request.url.replace(/[?].*/, '?…')}`,
			);
		}
	}

	// routing: every create on the route of the world's model (Kling's by its images), every poll
	// on the poll route of the job's own route (Kling: the action it was created with)
	const expected = routeOf(world);
	const jobRoutes = new Map(server.jobs.map((job) => [job.id, job.route]));
	for (const request of server.requests) {
		const where = `${request.method} ${request.url.replace(/[?].*/, '')}`;
		if (request.kind === 'create' && request.route !== expected) {
			add(
				'routing',
				request.exec ?? '?',
				`item ${request.item}: a ${world.model} job${world.imageUrls ? ` with ${world.imageUrls} image URL(s)` : ''} was created by ${where}, not on ${API_ROUTES[expected].create}`,
			);
		}
		const jobRoute = request.job ? jobRoutes.get(request.job) : undefined;
		if (request.kind === 'poll' && jobRoute && request.route !== jobRoute) {
			add(
				'routing',
				request.exec ?? '?',
				`job ${request.job} (created on ${API_ROUTES[jobRoute].create}) was polled by ${where}, not on ${API_ROUTES[jobRoute].poll}{id}`,
			);
		}
		// delivery: the own routes have no /content; their file comes only from the job's link
		if (request.kind === 'content' && jobRoute && jobRoute !== 'videos') {
			add(
				'delivery',
				request.exec ?? '?',
				`job ${request.job} of ${API_ROUTES[jobRoute].create} (no /content route) was asked for ${where}`,
			);
		}
	}

	// downgrade: a redirect from https to plain http is not followed
	for (const request of server.requests) {
		if (request.host === 'other' && request.url.includes('from=tls')) {
			add(
				'downgrade',
				request.exec ?? '?',
				`a redirect from the https link host to plain http was followed (${request.url.replace(/[?].*/, '')})`,
			);
		}
	}

	for (const execution of run.executions) {
		const exec = execution.exec;
		const result = execution.result;
		const main = execution.role !== 'noise';

		// time
		if (execution.quiet) {
			add(
				'time',
				exec,
				`${execution.role} execution was held: no request of it for ${quietLimitMs(world) / 1000} s, longer than any of its deadlines allows (stopped by the harness after ${execution.durationMs} ms; its bound ${execution.boundMs} ms)`,
			);
		} else if (execution.timedOut || execution.durationMs > execution.boundMs) {
			add(
				'time',
				exec,
				`${execution.role} execution ran ${execution.durationMs} ms, past its bound of ${execution.boundMs} ms${execution.timedOut ? ' (stopped by the harness)' : ''}`,
			);
		}
		if (execution.thrown) add('time', exec, `the harness threw: ${execution.thrown.slice(0, 300)}`);

		// key: in what the user or operator can read
		const hit = findKey(visibleText(execution), WORLD_KEY);
		if (hit)
			add(
				'key',
				exec,
				`the key is readable in the execution's output, error or logs (${hit.form}): ${hit.excerpt}`,
			);

		if (!main || !result) continue;
		const stopped = result.status !== 'success';

		// time: no gap between two polls of a job is longer than Poll Interval allows, where nothing
		// else may stretch it (no faults, no task_not_exist, the earlier poll answered), however
		// the node schedules them (a job's own rate, a server's hint, its model's learned pace)
		if (world.node.wait && world.own.notYet === 0 && noFaults(world)) {
			for (const job of server.jobs.filter((created) => created.exec === exec)) {
				const polls = server.requests.filter(
					(request) => request.job === job.id && request.kind === 'poll',
				);
				for (const [i, poll] of polls.slice(1).entries()) {
					const gap = poll.at - polls[i].at;
					if (polls[i].answer === 'ok' && gap > POLL_GAP_BOUND_MS) {
						add(
							'time',
							exec,
							`job ${job.id} (item ${job.item}) was polled ${gap} ms after its previous poll, past Poll Interval (${POLL_INTERVAL_SECONDS} s)`,
						);
					}
				}
			}
		}

		// money: one create that may have made a job per item, across all tries
		const creates = new Map<number, number>();
		for (const request of server.requests) {
			if (request.kind !== 'create' || request.exec !== exec) continue;
			// A definite refusal made no job: asking again is allowed.
			if (['429', '400', 'echo-401'].includes(request.answer)) continue;
			creates.set(request.item ?? -1, (creates.get(request.item ?? -1) ?? 0) + 1);
		}
		for (const [item, count] of creates) {
			if (count > 1)
				add('money', exec, `item ${item}: ${count} creates that may each have made a job`);
		}

		// ids: every job made for this execution is named where its item (or the stop) is reported
		if (!execution.timedOut) {
			const errorText = stopped
				? serialise(result.error ?? null) + String(result.error?.description ?? '')
				: '';
			for (const job of server.jobs.filter((created) => created.exec === exec)) {
				if (itemText(execution, job.item).includes(job.id) || errorText.includes(job.id)) continue;
				add(
					'ids',
					exec,
					`job ${job.id} (item ${job.item}) appears in neither its item's output nor the error`,
				);
			}
		}

		// files: a stored binary is the world's file, whole
		const expected = sha256(server.file);
		for (const binary of execution.binaries) {
			if (!binary.bytes) {
				add(
					'files',
					exec,
					`item ${binary.item}: a binary that cannot be read (${binary.readError})`,
				);
				continue;
			}
			if (sha256(binary.bytes) !== expected || binary.meta.mimeType !== 'video/mp4') {
				const head = binary.bytes
					.subarray(0, 24)
					.toString('latin1')
					.replace(/[^\x20-\x7e]/g, '.');
				add(
					'files',
					exec,
					`item ${binary.item}: stored ${binary.bytes.length} bytes typed ${binary.meta.mimeType} ("${head}…") where the file is ${server.file.length} bytes of video/mp4`,
				);
			}
		}
		if (world.node.wait && world.node.download && !stopped) {
			for (const entry of execution.outputs[0]) {
				if (!isFailedItem(entry) && !entry.binary?.data) {
					add('files', exec, `item ${pairedIndex(entry)}: a success without the downloaded file`);
				}
			}
		}

		// routing: under 'continueErrorOutput' failures on the error output, successes never there
		if (world.node.onError === 'continueErrorOutput' && !stopped) {
			for (const entry of execution.outputs[0]) {
				if (isFailedItem(entry)) {
					add(
						'routing',
						exec,
						`item ${pairedIndex(entry)} failed ("${String(entry.json.error).slice(0, 80)}") but went down the success output`,
					);
				}
			}
			for (const entry of execution.outputs[1]) {
				if (!isFailedItem(entry) && !entry.json.error) {
					add(
						'routing',
						exec,
						`item ${pairedIndex(entry)} succeeded but went down the error output`,
					);
				}
			}
		}

		// delivery: a finished job whose file one allowed route serves cleanly is downloaded
		if (deliverable(world) && !execution.timedOut) {
			const delivered = execution.binaries.filter(
				(binary) => binary.bytes && sha256(binary.bytes) === expected,
			);
			if (stopped || delivered.length < world.items) {
				add(
					'delivery',
					exec,
					`a finished job whose file a route serves cleanly (Download From ${world.node.downloadFrom}) was not downloaded for ${world.items - delivered.length} item(s)${stopped ? `: ${String(result.error?.message).slice(0, 160)}` : ''}`,
				);
			}
		}

		// delivery, per job on an own route: a job the server told finished, whose link (in that
		// answer) the link host serves cleanly to its item, is downloaded for its item
		if (
			routeOf(world) !== 'videos' &&
			ownLinkClean(world) &&
			world.node.wait &&
			world.node.download &&
			world.node.downloadFrom !== 'content' &&
			!stopped &&
			!execution.timedOut
		) {
			for (const job of server.jobs.filter((created) => created.exec === exec)) {
				const told = server.requests.find(
					(request) =>
						request.job === job.id &&
						request.kind === 'poll' &&
						request.status !== undefined &&
						outcomeOfWord(job.route, request.status) === 'done' &&
						(world.own.link === 'route' || request.wrapped === true),
				);
				if (!told || linkFaulted(world, job.item)) continue;
				const stored = execution.binaries.some(
					(binary) => binary.item === job.item && binary.bytes && sha256(binary.bytes) === expected,
				);
				if (!stored) {
					const entry = execution.outputs.flat().find((output) => pairedIndex(output) === job.item);
					add(
						'delivery',
						exec,
						`job ${job.id} (item ${job.item}) was told "${told.status}" with a link the link host serves cleanly, but its file was not stored${entry?.json.error ? `: ${String(entry.json.error).slice(0, 160)}` : ''}`,
					);
				}
			}
		}

		// status: reason fields on a job that has not failed are no error: an output item that did
		// not fail carries no `error` (on a first item n8n would take it for a failed run).
		if (world.own.chatter && ['absent', 'null'].includes(world.job.error)) {
			for (const entry of execution.outputs.flat()) {
				if (!isFailedItem(entry) && entry.json.error !== undefined) {
					add(
						'status',
						exec,
						`item ${pairedIndex(entry)} did not fail but carries error ${serialise(entry.json.error).slice(0, 120)}`,
					);
				}
			}
		}

		// status: a job that reported a failure word ends the wait as a failure, not a timeout. Judged
		// by what the server told (a job the timeout overtook before its failure word is no case).
		if (world.node.wait) {
			const errorText = stopped ? serialise(result.error ?? null) : '';
			for (const job of server.jobs.filter((created) => created.exec === exec)) {
				const told = server.requests.find(
					(request) =>
						request.job === job.id &&
						request.status !== undefined &&
						outcomeOfWord(job.route, request.status) === 'failed',
				);
				if (!told) continue;
				const text = itemText(execution, job.item) + errorText;
				if (text.includes(job.id) && /did not finish within/.test(text)) {
					add(
						'status',
						exec,
						`job ${job.id} in status "${told.status}" was waited on until the timeout`,
					);
				}
			}
		}
	}
	return violations;
}

/**
 * An own route's link that must be fetched: a link in the answer, without the key unless on the
 * API's own origin (fetched with it), served cleanly; the job's model and error hold nothing odd.
 */
function ownLinkClean(world: World): boolean {
	return (
		world.job.link !== 'none' &&
		(world.job.linkKey === 'none' || world.job.linkHost === 'api') &&
		cleanServe(world.link) &&
		['absent', 'null'].includes(world.job.error) &&
		world.job.modelEcho === 'none'
	);
}

/** The item meets a fault on the link host. */
function linkFaulted(world: World, item: number): boolean {
	const targeted =
		world.faultItems === 'all' ||
		(world.faultItems === 'first' && item === 0) ||
		(world.faultItems === 'last' && item === world.items - 1) ||
		(world.faultItems === 'odd' && item % 2 === 1);
	return targeted && world.faults.link.some((fault) => fault !== 'ok');
}

/** A file answer any careful client takes as it is. */
function cleanServe(serve: FileServe): boolean {
	return (
		serve.body === 'mp4' &&
		['video/mp4', 'application/octet-stream', 'none'].includes(serve.type) &&
		serve.status === 200 &&
		(serve.length === 'right' || serve.length === 'absent') &&
		serve.encoding === 'none' &&
		(serve.redirect === 'none' || serve.redirect === 'link-host')
	);
}

/** A world whose server answers every request cleanly (no fault of any kind). */
function noFaults(world: World): boolean {
	return Object.values(world.faults).every((list) => list.every((fault) => fault === 'ok'));
}

/**
 * A world in which every item must end with the file: no faults, a finished job without an error,
 * time enough to see it finish, and a route Download From allows that serves the file cleanly
 * (for Automatic: the content route, or the job's link when the content route says it cannot
 * serve the file, or a link-first family's link).
 */
export function deliverable(world: World): boolean {
	const n = world.node;
	if (!n.wait || !n.download) return false;
	if (lastOutcome(world) !== 'done') return false;
	if (world.job.statuses.length > 3 && n.timeoutMinutes < 0.05) return false;
	// After a task_not_exist the node waits its own poll gap (up to the 1 s Poll Interval).
	if (world.own.notYet > 0 && (n.timeoutMinutes < 0.05 || world.job.statuses.length > 1))
		return false;
	if (!noFaults(world)) return false;
	if (!['absent', 'null'].includes(world.job.error) || world.job.modelEcho !== 'none') return false;
	const route = routeOf(world);
	if (route !== 'videos') {
		// No /content: only the link, in the route's place or (on a wrapped answer) fail_reason. A
		// link on the API's own origin may carry the key; one on another host never is fetched.
		// Download From Content on such a route is not judged here.
		if (n.downloadFrom === 'content' || world.job.link === 'none') return false;
		const polls = world.job.statuses.length;
		const lastWrapped =
			world.own.shape === 'wrapped' || (world.own.shape === 'alternate' && polls % 2 === 0);
		if (world.own.link === 'fail-reason' && !lastWrapped) return false;
		const keyAllowed = world.job.linkKey === 'none' || world.job.linkHost === 'api';
		return keyAllowed && cleanServe(world.link);
	}
	const content = world.content.route === 'file' && cleanServe(world.content);
	const link = world.job.link !== 'none' && world.job.linkKey === 'none' && cleanServe(world.link);
	const linkFirst = /^doubao-seedance-/.test(world.model);
	switch (n.downloadFrom) {
		case 'content':
			return content;
		case 'link':
			return link;
		case 'automatic':
			return linkFirst ? link : content || (link && world.content.route !== 'file');
	}
}
