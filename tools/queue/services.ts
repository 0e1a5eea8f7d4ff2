/**
 * The services n8n's queue mode needs, run from Debian's packages on loopback ports in a
 * temporary folder: PostgreSQL (n8n's database, shared by main and workers) and Redis (the job
 * queue). Used by the queue-mode suite (test/queue) and the benchmark's queue row.
 *
 *   const teardown = new Teardown();
 *   teardown.stopOnInterruptOrCrash();
 *   const { postgresBinDir, redisServer } = await ensureDebianPackages(console.log);
 *   const postgres = await startPostgres(postgresBinDir, dir, teardown);
 *   const redis = await startRedis(redisServer, dir, teardown);
 *   ...
 *   await teardown.run();
 *
 * Every process is started in its own process group, so a Ctrl-C in the terminal reaches only
 * this script, which then stops them in reverse order (n8n before the database it writes to).
 */
import fs from 'node:fs';
import path from 'node:path';

import { freePort } from '../n8n/install-n8n';
import { mustRun, runProcess, startProcess, tail, type RunningProcess } from '../process';

const READY_TIMEOUT_MS = 60_000;
// Loopback only: nothing here may listen on an address other machines could reach.
export const LOOPBACK = '127.0.0.1';

/** Stops what was started, last first; runs once, whether the script ends, fails or is interrupted. */
export class Teardown {
	private readonly steps: Array<{ name: string; stop: () => Promise<void> }> = [];

	private running: Promise<void> | undefined;

	add(name: string, stop: () => Promise<void>): void {
		this.steps.push({ name, stop });
	}

	run(): Promise<void> {
		this.running ??= (async () => {
			for (const step of this.steps.reverse()) {
				try {
					await step.stop();
				} catch (error) {
					process.stderr.write(`teardown: stopping ${step.name} failed: ${String(error)}\n`);
				}
			}
		})();
		return this.running;
	}

	/**
	 * On Ctrl-C, SIGTERM or a crash (an error nothing caught): stop everything, then exit with
	 * the conventional code, so no database or n8n process outlives the script.
	 */
	stopOnInterruptOrCrash(): void {
		const stopAndExit = (why: string, code: number) => {
			process.stderr.write(`\n${why}: stopping services...\n`);
			void this.run().then(() => process.exit(code));
		};
		process.once('SIGINT', () => stopAndExit('SIGINT', 130));
		process.once('SIGTERM', () => stopAndExit('SIGTERM', 143));
		process.once('uncaughtException', (error) => stopAndExit(String(error.stack ?? error), 1));
		process.once('unhandledRejection', (reason) => stopAndExit(String(reason), 1));
	}
}

export async function waitFor(
	what: string,
	check: () => boolean | Promise<boolean>,
	{
		timeoutMs = READY_TIMEOUT_MS,
		failIf,
	}: { timeoutMs?: number; failIf?: () => string | undefined } = {},
): Promise<void> {
	const started = Date.now();
	for (;;) {
		if (await check()) return;
		const failure = failIf?.();
		if (failure) throw new Error(`${what}: ${failure}`);
		if (Date.now() - started > timeoutMs)
			throw new Error(`${what}: not ready after ${timeoutMs} ms`);
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}

function exitedWithLogs(service: RunningProcess): () => string | undefined {
	return () => (service.exited() ? `exited early:\n${tail(service.logs())}` : undefined);
}

// ---------------------------------------------------------------- Debian packages

export interface DebianServices {
	/** Folder with Postgres's initdb, postgres, pg_isready and psql. */
	postgresBinDir: string;
	redisServer: string;
}

function findServices(): Partial<DebianServices> {
	const root = '/usr/lib/postgresql';
	const versions = fs.existsSync(root)
		? fs
				.readdirSync(root)
				.filter((name) => fs.existsSync(path.join(root, name, 'bin', 'postgres')))
				.sort((a, b) => Number(b) - Number(a))
		: [];
	return {
		postgresBinDir: versions.length ? path.join(root, versions[0], 'bin') : undefined,
		redisServer: ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((file) =>
			fs.existsSync(file),
		),
	};
}

/**
 * Finds Postgres and Redis, installing Debian's `postgresql` and `redis-server` with apt-get when
 * missing (the package lists are refreshed once if apt cannot find them). Debian's maintainer
 * scripts do not start the services in containers; this suite starts its own instances anyway.
 */
export async function ensureDebianPackages(log: (line: string) => void): Promise<DebianServices> {
	let found = findServices();
	const missing = [
		found.postgresBinDir ? undefined : 'postgresql',
		found.redisServer ? undefined : 'redis-server',
	].filter((name): name is string => name !== undefined);
	if (missing.length) {
		if (process.getuid?.() !== 0)
			throw new Error(`${missing.join(' and ')} missing: install with apt-get (needs root)`);
		log(`apt-get install ${missing.join(' ')}`);
		const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
		const install = () =>
			runProcess(
				'apt-get',
				['install', '-y', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=300', ...missing],
				{ env: aptEnv },
			);
		let result = await install();
		if (result.code !== 0) {
			log('apt-get install failed; running apt-get update and trying again');
			await mustRun('apt-get', ['update', '-o', 'DPkg::Lock::Timeout=300'], { env: aptEnv });
			result = await install();
		}
		if (result.code !== 0)
			throw new Error(
				`apt-get install ${missing.join(' ')} failed:\n${tail(result.stdout + result.stderr)}`,
			);
		found = findServices();
	}
	if (!found.postgresBinDir || !found.redisServer)
		throw new Error('postgres or redis-server not found after installing their packages');
	return { postgresBinDir: found.postgresBinDir, redisServer: found.redisServer };
}

// ---------------------------------------------------------------- PostgreSQL

export interface Postgres {
	port: number;
	user: string;
	database: string;
	/** Runs SQL through psql; rows come back as arrays of column texts. */
	query(sql: string): Promise<string[][]>;
}

function systemUser(name: string): { uid: number; gid: number } | undefined {
	const line = fs
		.readFileSync('/etc/passwd', 'utf8')
		.split('\n')
		.find((entry) => entry.startsWith(`${name}:`));
	if (!line) return undefined;
	const [, , uid, gid] = line.split(':');
	return { uid: Number(uid), gid: Number(gid) };
}

/**
 * initdb and postgres refuse to run as root: as root they run as the `postgres` user that
 * Debian's package creates, in a data folder that user owns.
 */
function postgresIdentity(dataDir: string): { uid?: number; gid?: number } {
	if (process.getuid?.() !== 0) return {};
	const owner = systemUser('postgres');
	if (!owner) throw new Error('running as root but there is no `postgres` user to run Postgres as');
	fs.chownSync(dataDir, owner.uid, owner.gid);
	return owner;
}

/** A fresh cluster in <dir>/postgres, trusting local connections, tuned for speed not safety. */
export async function startPostgres(
	binDir: string,
	dir: string,
	teardown: Teardown,
): Promise<Postgres> {
	const dataDir = path.join(dir, 'postgres');
	fs.mkdirSync(dataDir, { mode: 0o700 });
	// The postgres user must be able to reach its data folder inside our temporary folder.
	fs.chmodSync(dir, 0o755);
	const identity = postgresIdentity(dataDir);
	const user = 'n8n';
	const env = { ...process.env, HOME: dataDir, LC_ALL: 'C' };
	await mustRun(
		path.join(binDir, 'initdb'),
		[
			'-D',
			dataDir,
			'-U',
			user,
			'--auth=trust',
			'--encoding=UTF8',
			'--no-sync',
			'--no-instructions',
		],
		{ ...identity, env },
	);
	const port = await freePort();
	const server = startProcess(
		path.join(binDir, 'postgres'),
		[
			'-D',
			dataDir,
			'-p',
			String(port),
			'-c',
			`listen_addresses=${LOOPBACK}`,
			'-c',
			`unix_socket_directories=${dataDir}`,
			'-c',
			'fsync=off',
			'-c',
			'synchronous_commit=off',
			'-c',
			'full_page_writes=off',
			'-c',
			'max_connections=200',
		],
		{ ...identity, env },
	);
	// SIGINT is Postgres's fast shutdown: it does not wait for clients to disconnect.
	teardown.add('postgres', () => server.stop('SIGINT'));
	const psqlArgs = ['-h', LOOPBACK, '-p', String(port), '-U', user, '-d', 'postgres'];
	await waitFor(
		'postgres',
		async () =>
			(await runProcess(path.join(binDir, 'pg_isready'), psqlArgs.slice(0, 6))).code === 0,
		{ failIf: exitedWithLogs(server) },
	);
	return {
		port,
		user,
		database: 'postgres',
		async query(sql) {
			const { stdout: output } = await mustRun(path.join(binDir, 'psql'), [
				...psqlArgs,
				'-X',
				'-A',
				'-t',
				'-F',
				'\t',
				'-v',
				'ON_ERROR_STOP=1',
				'-c',
				sql,
			]);
			return output
				.split('\n')
				.filter((line) => line !== '')
				.map((line) => line.split('\t'));
		},
	};
}

// ---------------------------------------------------------------- Redis

export interface Redis {
	port: number;
}

/** A Redis without persistence in <dir>/redis, on a loopback port. */
export async function startRedis(
	redisServer: string,
	dir: string,
	teardown: Teardown,
): Promise<Redis> {
	const dataDir = path.join(dir, 'redis');
	fs.mkdirSync(dataDir);
	const port = await freePort();
	const server = startProcess(
		redisServer,
		[
			'--port',
			String(port),
			'--bind',
			LOOPBACK,
			'--dir',
			dataDir,
			'--save',
			'',
			'--appendonly',
			'no',
			'--daemonize',
			'no',
		],
		{ cwd: dataDir },
	);
	teardown.add('redis', () => server.stop());
	await waitFor('redis', () => /Ready to accept connections/.test(server.logs()), {
		failIf: exitedWithLogs(server),
	});
	return { port };
}
