'use strict';
/**
 * The simulator in its own process, driven over IPC by scripts/bench.js, so that the node's
 * requests really travel between two processes (each with its own core) and the simulator's
 * request log and in-flight counter can still be read.
 *
 * Messages in: { id, cmd, args }. cmd: 'reset' | 'configure' | 'latency' | 'stats' | 'sha256' | 'close'.
 * Messages out: { ready: true, url, apiKey } once listening; { id, result } or { id, error }.
 */
const path = require('node:path');
const { startSimulator } = require(path.join(__dirname, '..', '..', 'tools/simulator'));
const { median } = require('./lib');

/** What the simulator saw since the last reset: request counts and poll timing per job. */
function stats(sim) {
	const byRoute = { create: 0, retrieve: 0, content: 0, other: 0 };
	const pollsByJob = new Map();
	for (const record of sim.requests) {
		byRoute[record.route in byRoute ? record.route : 'other'] += 1;
		if (record.route === 'retrieve') {
			const id = decodeURIComponent(record.path.split('/')[3]);
			if (!pollsByJob.has(id)) pollsByJob.set(id, []);
			pollsByJob.get(id).push(record.at);
		}
	}
	const firstPoll = [];
	const seenDoneLag = [];
	const creates = [];
	for (const job of sim.jobs.values()) {
		creates.push(job.createdAt);
		const polls = pollsByJob.get(job.id) ?? [];
		if (polls.length) firstPoll.push(polls[0] - job.createdAt);
		const done = polls.find((at) => job.endsAt !== null && at >= job.endsAt);
		if (done !== undefined) seenDoneLag.push(done - job.endsAt);
	}
	return {
		jobs: sim.jobs.size,
		creates: byRoute.create,
		polls: byRoute.retrieve,
		downloads: byRoute.content,
		other: byRoute.other,
		statuses: sim.requests.reduce(
			(acc, r) => ((acc[r.status] = (acc[r.status] ?? 0) + 1), acc),
			{},
		),
		// From the first job's creation to the last one's: how long creating the batch took.
		createSpreadMs: creates.length ? Math.max(...creates) - Math.min(...creates) : 0,
		firstPollMs: {
			median: median(firstPoll),
			min: Math.min(...firstPoll),
			max: Math.max(...firstPoll),
		},
		seenDoneLagMs: { median: median(seenDoneLag), max: Math.max(...seenDoneLag) },
		maxInFlight: sim.maxInFlight,
		maxConcurrentJobs: sim.maxConcurrentJobs(),
	};
}

async function main() {
	const options = JSON.parse(process.argv[2] ?? '{}');
	const sim = await startSimulator(options);
	let latencyMs = 0;
	const applyLatency = () => {
		// A 'slow' fault on every route: each answer waits this long, like a remote API would.
		if (latencyMs > 0) sim.fault('*', { kind: 'slow', delayMs: latencyMs, times: 1e9 });
	};
	const handlers = {
		reset() {
			sim.reset();
			applyLatency();
		},
		configure(partial) {
			sim.configure(partial);
		},
		latency(ms) {
			latencyMs = ms;
			sim.reset();
			applyLatency();
		},
		stats() {
			return stats(sim);
		},
		sha256(ids) {
			return Object.fromEntries(ids.map((id) => [id, sim.videoSha256(id)]));
		},
		async close() {
			await sim.close();
			setImmediate(() => process.exit(0));
		},
	};
	process.on('message', async ({ id, cmd, args }) => {
		try {
			process.send({ id, result: await handlers[cmd](...(args ?? [])) });
		} catch (error) {
			process.send({ id, error: String(error?.stack ?? error) });
		}
	});
	process.on('disconnect', () => process.exit(0));
	process.send({ ready: true, url: sim.url, apiKey: sim.apiKey });
}

main().catch((error) => {
	process.stderr.write(`sim-server: ${error.stack}\n`);
	process.exit(1);
});
