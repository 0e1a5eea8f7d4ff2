/**
 * The known findings, each as an explicit world the harness must judge broken until the node is
 * fixed (and clean afterwards): the invariant it breaks is named, so a fix shows up as the
 * example passing.
 */
import { baseWorld, type FileServe, type World } from './world';
import type { Invariant } from './invariants';

export interface Example {
	name: string;
	/** The finding number (or 'low'). */
	finding: string;
	/** What the world shows when the node is wrong. */
	breaks: Invariant;
	world: World;
	/** Slow (thousands of executions): only in the long run or with PROPERTY_EXPENSIVE=1. */
	expensive?: boolean;
}

const base = baseWorld();
const node = (fields: Partial<World['node']>): World['node'] => ({ ...base.node, ...fields });
const job = (fields: Partial<World['job']>): World['job'] => ({ ...base.job, ...fields });
const serve = (fields: Partial<FileServe>): FileServe => ({ ...base.link, ...fields });

export const EXAMPLES: Example[] = [
	{
		name: 'Retry On Fail creates again when item 0 carries error: {}',
		finding: '1',
		breaks: 'money',
		world: baseWorld({ node: node({ retryOnFail: true }), job: job({ error: 'empty-object' }) }),
	},
	{
		name: "Retry On Fail creates again when item 0 carries error: { code: '', message: '' } (wait off)",
		finding: '1',
		breaks: 'money',
		world: baseWorld({
			items: 2,
			node: node({ retryOnFail: true, maxTries: 2, wait: false }),
			job: job({ error: 'empty-strings', errorItems: 'first' }),
		}),
	},
	{
		name: 'the Retry On Fail record of a running execution is evicted by 1001 failing runs elsewhere',
		finding: '2',
		breaks: 'money',
		expensive: true,
		world: baseWorld({
			node: node({ retryOnFail: true, maxTries: 2, download: false, timeoutMinutes: 0.75 }),
			job: job({ statuses: ['queued'] }),
			company: 'noise',
			noiseRuns: 1001,
		}),
	},
	{
		name: "a 401 echoing the key as base64 of 'Bearer ' + key (another alignment) reaches the error",
		finding: '3',
		breaks: 'key',
		world: baseWorld({
			echoForm: 'bearer-base64',
			faults: { ...base.faults, create: ['echo-401'] },
		}),
	},
	{
		name: 'a 401 echoing the key as base64url reaches the error',
		finding: '3',
		breaks: 'key',
		world: baseWorld({ echoForm: 'base64url', faults: { ...base.faults, poll: ['echo-401'] } }),
	},
	{
		name: "a 401 echoing base64 of ':' + key (Basic auth) reaches the error",
		finding: '3',
		breaks: 'key',
		world: baseWorld({ echoForm: 'basic-colon', faults: { ...base.faults, create: ['echo-401'] } }),
	},
	{
		name: 'a 401 echoing the key in hex reaches the error',
		finding: '3',
		breaks: 'key',
		world: baseWorld({ echoForm: 'hex-lower', faults: { ...base.faults, create: ['echo-401'] } }),
	},
	{
		name: "the job's model id carrying the key as base64 of 'x' + key reaches the output",
		finding: '3',
		breaks: 'key',
		world: baseWorld({ node: node({ wait: false }), job: job({ modelEcho: 'base64-x' }) }),
	},
	{
		name: 'a download error body that sends one byte and then nothing holds the execution',
		finding: '4',
		breaks: 'time',
		world: baseWorld({ faults: { ...base.faults, content: ['endless-error'] } }),
	},
	{
		name: 'an untyped zstd body that breaks off before 12 bytes spins the CPU (found by world 268 of seed 202020)',
		finding: 'new',
		breaks: 'time',
		world: baseWorld({
			model: 'doubao-seedance-2-0',
			node: node({ downloadFrom: 'link' }),
			job: job({ link: 'metadata.url', linkHost: 'link' }),
			link: serve({ body: 'empty', type: 'none', length: 'short', encoding: 'zstd' }),
		}),
	},
	{
		name: "'Continue (using error output)' sends a failed item down the success output",
		finding: '5',
		breaks: 'routing',
		world: baseWorld({
			node: node({ onError: 'continueErrorOutput' }),
			job: job({ statuses: ['queued', 'failed'] }),
		}),
	},
	{
		name: "the key inside the job's result link is sent to the link host",
		finding: '6',
		breaks: 'key',
		world: baseWorld({
			node: node({ downloadFrom: 'link' }),
			job: job({ link: 'video_url', linkHost: 'link', linkKey: 'query' }),
		}),
	},
	{
		name: 'the key inside a redirect Location is sent to the link host',
		finding: '6',
		breaks: 'key',
		world: baseWorld({ content: { ...base.content, redirect: 'key-query' } }),
	},
	{
		name: 'a redirect from an https result link to plain http is followed',
		finding: '6',
		breaks: 'downgrade',
		world: baseWorld({
			node: node({ downloadFrom: 'link' }),
			job: job({ link: 'video_url', linkHost: 'link' }),
			link: serve({ redirect: 'http' }),
			linkTls: true,
		}),
	},
	{
		name: 'Automatic does not fall back to the result link when /content answers 400 for a finished job',
		finding: '7',
		breaks: 'delivery',
		world: baseWorld({
			content: { ...base.content, route: '400' },
			job: job({ link: 'video_url', linkHost: 'link' }),
		}),
	},
	{
		name: 'an HTML page typed video/mp4 is stored as the video',
		finding: 'low',
		breaks: 'files',
		world: baseWorld({ content: { ...base.content, body: 'html' } }),
	},
	{
		name: 'a 0-byte body typed video/mp4 is stored as the video',
		finding: 'low',
		breaks: 'files',
		world: baseWorld({
			node: node({ downloadFrom: 'link' }),
			job: job({ link: 'metadata.url', linkHost: 'link' }),
			link: serve({ body: 'empty' }),
		}),
	},
	{
		name: 'a zstd-encoded body is stored undecoded',
		finding: 'low',
		breaks: 'files',
		world: baseWorld({ content: { ...base.content, encoding: 'zstd' } }),
	},
	{
		name: 'a body longer than its Content-Length is stored',
		finding: 'low',
		breaks: 'files',
		world: baseWorld({
			content: { ...base.content, length: 'long', type: 'application/octet-stream' },
		}),
	},
	{
		name: 'a job in status FAIL is waited on until the timeout',
		finding: 'low',
		breaks: 'status',
		world: baseWorld({
			node: node({ timeoutMinutes: 0.03 }),
			job: job({ statuses: ['queued', 'FAIL'] }),
		}),
	},
	{
		name: 'a job in status CANCELED_BY_USER is waited on until the timeout',
		finding: 'low',
		breaks: 'status',
		world: baseWorld({
			node: node({ timeoutMinutes: 0.03 }),
			job: job({ statuses: ['CANCELED_BY_USER'] }),
		}),
	},
];
