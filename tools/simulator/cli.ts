/**
 * Runs the CometAPI simulator as a standalone process (for the benchmark, or by hand):
 *
 *   npx tsx tools/simulator/cli.ts [--port N] [--host H] [--job-ms N] [--video-bytes N]
 *                                  [--api-key K] [--link-field video_url|metadata.url|none] [--poll-after-ms N] [--quiet]
 *
 * Prints `COMETAPI_SIMULATOR_URL=http://HOST:PORT` once listening, logs one line per request to
 * stderr unless --quiet, and runs until SIGINT or SIGTERM.
 */
import { startSimulator, type SimulatorOptions } from './index';

type NumberOption = 'port' | 'jobDurationMs' | 'videoBytes' | 'pollAfterMs';
type StringOption = 'host' | 'apiKey' | 'linkField';

const FLAGS: Record<string, [NumberOption, typeof Number] | [StringOption, typeof String]> = {
	'--port': ['port', Number],
	'--host': ['host', String],
	'--job-ms': ['jobDurationMs', Number],
	'--video-bytes': ['videoBytes', Number],
	'--api-key': ['apiKey', String],
	'--link-field': ['linkField', String],
	'--poll-after-ms': ['pollAfterMs', Number],
};

function parseArgs(argv: string[]): Partial<SimulatorOptions> {
	const options: Record<string, unknown> = { quiet: false };
	for (let i = 0; i < argv.length; i += 1) {
		const arg = argv[i];
		if (arg === '--quiet') {
			options.quiet = true;
			continue;
		}
		if (!Object.hasOwn(FLAGS, arg) || i + 1 >= argv.length) {
			throw new Error(`Unknown or incomplete argument: ${arg}`);
		}
		const [name, convert] = FLAGS[arg];
		const value = convert(argv[(i += 1)]);
		if (Number.isNaN(value)) throw new Error(`${arg} expects a number`);
		options[name] = value;
	}
	return options as Partial<SimulatorOptions>;
}

async function main(): Promise<void> {
	const sim = await startSimulator(parseArgs(process.argv.slice(2)));
	process.stdout.write(`COMETAPI_SIMULATOR_URL=${sim.url}\n`);
	const stop = async () => {
		await sim.close();
		process.exit(0);
	};
	process.once('SIGINT', stop);
	process.once('SIGTERM', stop);
}

main().catch((error: Error) => {
	process.stderr.write(`cometapi simulator: ${error.message}\n`);
	process.exit(1);
});
