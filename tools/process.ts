/**
 * The one way tools, scripts and suites run a child process: in its own process group (so n8n's
 * task runner and npm's children go with it), output captured, bounded in time, stopped as a group.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface ProcessOptions {
	cwd?: string;
	env?: NodeJS.ProcessEnv;
	uid?: number;
	gid?: number;
}

export interface RunOptions extends ProcessOptions {
	/** The whole group is killed after this long; the result then says `timedOut`. */
	timeoutMs?: number;
	input?: string;
	/** Also appends the output here, so a long npm run leaves evidence when it fails. */
	logFile?: string;
}

export interface ProcessResult {
	/** -1 when a signal or the timeout ended it. */
	code: number;
	timedOut: boolean;
	stdout: string;
	stderr: string;
	ms: number;
}

/** A started long-running process, with what it printed so far. */
export interface RunningProcess {
	pid: number;
	logs(): string;
	exited(): boolean;
	/** Resolves with the exit code (null when a signal ended it). */
	finished: Promise<number | null>;
	/** SIGTERM (or `signal`) to the group, SIGKILL after 15 s; a process gone already is left alone. */
	stop(signal?: NodeJS.Signals): Promise<void>;
}

const STOP_GRACE_MS = 15_000;

/** A duration as people read it: "3.2 s", "1.5 min". */
export function seconds(ms: number): string {
	return ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`;
}

/** The last `lines` lines of a command's output. */
export function tail(text: string, lines = 40): string {
	return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Signals a whole process group (a no-op when it is gone). */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
	try {
		process.kill(-pid, signal);
	} catch {
		// The group is gone already.
	}
}

export function startProcess(
	command: string,
	args: string[],
	options: ProcessOptions & {
		logFile?: string;
		stdin?: 'ignore' | 'pipe';
		/** Called with each chunk as it arrives, for output read line by line. */
		onOutput?: (text: string, stream: 'stdout' | 'stderr') => void;
	} = {},
): RunningProcess & { write(input?: string): void; stdout: string[]; stderr: string[] } {
	const { logFile, stdin = 'ignore', onOutput, ...spawnOptions } = options;
	const child = spawn(command, args, {
		...spawnOptions,
		stdio: [stdin, 'pipe', 'pipe'],
		detached: true,
	});
	const stdout: string[] = [];
	const stderr: string[] = [];
	let output = '';
	const log = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : undefined;
	const keep = (into: string[]) => (chunk: Buffer) => {
		const text = chunk.toString('utf8');
		into.push(text);
		onOutput?.(text, into === stdout ? 'stdout' : 'stderr');
		output += text;
		log?.write(chunk);
	};
	child.stdout?.on('data', keep(stdout));
	child.stderr?.on('data', keep(stderr));
	child.on('error', (error) => keep(stderr)(Buffer.from(`\n${String(error.stack ?? error)}\n`)));
	const finished = new Promise<number | null>((resolve) =>
		child.once('close', (code) => {
			log?.end();
			resolve(code);
		}),
	);
	const exited = () => child.exitCode !== null || child.signalCode !== null;
	return {
		pid: child.pid ?? -1,
		stdout,
		stderr,
		logs: () => output,
		exited,
		finished,
		write: (input) => child.stdin?.end(input),
		async stop(signal = 'SIGTERM') {
			if (child.pid === undefined || exited()) return;
			signalGroup(child.pid, signal);
			const timer = setTimeout(() => signalGroup(child.pid as number, 'SIGKILL'), STOP_GRACE_MS);
			await finished;
			clearTimeout(timer);
		},
	};
}

/** Runs a command to its end (or its timeout) and returns what it printed. */
export async function runProcess(
	command: string,
	args: string[],
	{ timeoutMs, input, ...options }: RunOptions = {},
): Promise<ProcessResult> {
	const started = Date.now();
	const child = startProcess(command, args, { ...options, stdin: 'pipe' });
	child.write(input);
	let timedOut = false;
	const timer = timeoutMs
		? setTimeout(() => {
				timedOut = true;
				signalGroup(child.pid, 'SIGKILL');
			}, timeoutMs)
		: undefined;
	const code = await child.finished;
	clearTimeout(timer);
	return {
		code: timedOut || code === null ? -1 : code,
		timedOut,
		stdout: child.stdout.join(''),
		stderr: child.stderr.join(''),
		ms: Date.now() - started,
	};
}

/** runProcess that throws, with the output's tail, unless the command exits 0. */
export async function mustRun(
	command: string,
	args: string[],
	options?: RunOptions,
): Promise<ProcessResult> {
	const result = await runProcess(command, args, options);
	if (result.code !== 0)
		throw new Error(
			`${path.basename(command)} ${args.join(' ')} exited ${result.code}${result.timedOut ? ' (timed out)' : ''}:\n${tail(result.stdout + result.stderr)}`,
		);
	return result;
}
