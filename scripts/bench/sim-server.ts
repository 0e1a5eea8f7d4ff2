/**
 * The simulator in its own process, driven over IPC by scripts/bench.ts, so that the node's
 * requests really travel between two processes (each with its own core) and the simulator's
 * request log and in-flight counter can still be read. Both halves live here: the child's
 * main() (run when this file is the forked process) and startSimulatorServer() for the bench.
 *
 * Messages in: { id, cmd, args }. Messages out: { ready: true, url, apiKey } once listening,
 * then { id, result } or { id, error }. Disconnecting stops the simulator and the process.
 */
import { fork } from 'node:child_process';

import {
	startSimulator,
	type RuntimeOptions,
	type Simulator,
	type SimulatorOptions,
} from '../../tools/simulator';
import { TYPESCRIPT_NODE_FLAGS } from '../../tools/typescript-runner';
import { median } from './lib';

export type SimulatorStats = ReturnType<typeof stats>;

/** The commands the bench sends, with their arguments and results. */
interface SimulatorCommands {
	reset(): void;
	configure(partial: Partial<RuntimeOptions>): void;
	latency(ms: number): void;
	stats(): SimulatorStats;
	/** The bench key's requests in flight now and the most since the last sample; 429s sent. */
	sample(): { now: number; peak: number; rateLimited: number };
	sha256(ids: string[]): Record<string, string>;
}
type Command = keyof SimulatorCommands;

interface CommandMessage {
	id: number;
	cmd: Command;
	args: unknown[];
}

type ReplyMessage =
	| { ready: true; url: string; apiKey: string }
	| { ready?: undefined; id: number; result?: unknown; error?: string };

/** What the simulator saw since the last reset: request counts and poll timing per job. */
function stats(sim: Simulator) {
	const byRoute: Record<string, number> = { create: 0, retrieve: 0, content: 0, other: 0 };
	const pollsByJob = new Map<string, number[]>();
	for (const record of sim.requests) {
		byRoute[record.route in byRoute ? record.route : 'other'] += 1;
		if (record.route === 'retrieve') {
			const id = decodeURIComponent(record.path.split('/')[3]);
			const polls = pollsByJob.get(id) ?? [];
			polls.push(record.at);
			pollsByJob.set(id, polls);
		}
	}
	const firstPoll: number[] = [];
	const seenDoneLag: number[] = [];
	const creates: number[] = [];
	for (const job of sim.jobs.values()) {
		creates.push(job.createdAt);
		const polls = pollsByJob.get(job.id) ?? [];
		if (polls.length) firstPoll.push(polls[0] - job.createdAt);
		const done = polls.find((at) => job.endsAt !== null && at >= job.endsAt);
		if (done !== undefined && job.endsAt !== null) seenDoneLag.push(done - job.endsAt);
	}
	return {
		jobs: sim.jobs.size,
		creates: byRoute.create,
		polls: byRoute.retrieve,
		downloads: byRoute.content,
		other: byRoute.other,
		statuses: sim.requests.reduce<Record<string, number>>((acc, r) => {
			acc[String(r.status)] = (acc[String(r.status)] ?? 0) + 1;
			return acc;
		}, {}),
		// From the first job's creation to the last one's: how long creating the batch took.
		createSpreadMs: creates.length ? Math.max(...creates) - Math.min(...creates) : 0,
		firstPollMs: {
			median: median(firstPoll),
			min: Math.min(...firstPoll),
			max: Math.max(...firstPoll),
		},
		seenDoneLagMs: { median: median(seenDoneLag), max: Math.max(...seenDoneLag) },
		maxInFlight: sim.maxInFlight,
		// 429s sent by keyConcurrencyLimit.
		rateLimited: sim.rateLimited(),
		maxConcurrentJobs: sim.maxConcurrentJobs(),
	};
}

async function main(): Promise<void> {
	const sim = await startSimulator(JSON.parse(process.argv[2]) as Partial<SimulatorOptions>);
	let latencyMs = 0;
	const applyLatency = () => {
		// A 'slow' fault on every route: each answer waits this long, like a remote API would.
		if (latencyMs > 0) sim.fault('*', { kind: 'slow', delayMs: latencyMs, times: 1e9 });
	};
	const handlers: SimulatorCommands = {
		reset() {
			sim.reset();
			applyLatency();
		},
		configure(partial) {
			sim.configure(partial);
		},
		latency(ms) {
			latencyMs = ms;
			handlers.reset();
		},
		stats() {
			return stats(sim);
		},
		sample() {
			return { ...sim.sampleInFlight(sim.apiKey), rateLimited: sim.rateLimited() };
		},
		sha256(ids) {
			return Object.fromEntries(ids.map((id) => [id, sim.videoSha256(id)]));
		},
	};
	const reply = (message: ReplyMessage) => process.send?.(message);
	process.on('message', ({ id, cmd, args }: CommandMessage) => {
		try {
			const handler = handlers[cmd] as (...a: unknown[]) => unknown;
			reply({ id, result: handler(...args) });
		} catch (error) {
			reply({ id, error: String((error as Error)?.stack ?? error) });
		}
	});
	process.on('disconnect', () => void sim.close().finally(() => process.exit(0)));
	reply({ ready: true, url: sim.url, apiKey: sim.apiKey });
}

/** The bench's handle on the simulator process. */
export interface SimulatorServer {
	url: string;
	apiKey: string;
	call<K extends Command>(
		cmd: K,
		...args: Parameters<SimulatorCommands[K]>
	): Promise<ReturnType<SimulatorCommands[K]>>;
	close(): Promise<void>;
}

export async function startSimulatorServer(
	options: Partial<SimulatorOptions>,
): Promise<SimulatorServer> {
	const child = fork(__filename, [JSON.stringify(options)], {
		stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
		execArgv: [...TYPESCRIPT_NODE_FLAGS],
	});
	const exited = new Promise((resolve) => child.once('exit', resolve));
	const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
	let nextId = 0;
	const { url, apiKey } = await new Promise<{ url: string; apiKey: string }>((resolve, reject) => {
		void exited.then((code) => reject(new Error(`simulator process exited (${code})`)));
		child.on('message', (message: ReplyMessage) => {
			if (message.ready) return resolve(message);
			const waiter = pending.get(message.id);
			pending.delete(message.id);
			if (message.error) waiter?.reject(new Error(message.error));
			else waiter?.resolve(message.result);
		});
	});
	return {
		url,
		apiKey,
		call: (cmd, ...args) =>
			new Promise((resolve, reject) => {
				const id = ++nextId;
				pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
				child.send({ id, cmd, args } satisfies CommandMessage);
			}),
		async close() {
			child.disconnect();
			await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
			if (child.exitCode === null) child.kill('SIGTERM');
		},
	};
}

if (require.main === module)
	main().catch((error: Error) => {
		process.stderr.write(`sim-server: ${error.stack}\n`);
		process.exit(1);
	});
