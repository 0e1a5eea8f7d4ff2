/**
 * A self-signed certificate for 127.0.0.1, made once per process with openssl, so a world's link
 * host can be https: a redirect from it to plain http is a downgrade the node must not follow.
 * The client in this process trusts it for 127.0.0.1 only: `tls.connect` (which Node's https
 * agent, hence n8n's HTTP client, calls for every connection) gets it as the CA for that host.
 * Not NODE_TLS_REJECT_UNAUTHORIZED: jest gives each test file its own copy of process.env, which
 * Node's TLS never reads.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

let made: { key: Buffer; cert: Buffer } | undefined;

type Connect = (...args: unknown[]) => unknown;

/** The real module object (an `import *` would be a copy, and patching a copy changes nothing). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tlsModule = require('node:tls') as { connect: Connect };

function trustForLoopback(cert: Buffer): void {
	const connect = tlsModule.connect;
	tlsModule.connect = function (this: unknown, ...args: unknown[]) {
		const options = args.find(
			(arg): arg is { host?: string; ca?: unknown } => !!arg && typeof arg === 'object',
		);
		if (options && options.host === '127.0.0.1' && options.ca === undefined) options.ca = cert;
		return connect.apply(this, args);
	};
}

export function loopbackCertificate(): { key: Buffer; cert: Buffer } {
	if (made) return made;
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'properties-tls-'));
	try {
		const key = path.join(dir, 'key.pem');
		const cert = path.join(dir, 'cert.pem');
		execFileSync(
			'openssl',
			[
				'req',
				'-x509',
				'-newkey',
				'ec',
				'-pkeyopt',
				'ec_paramgen_curve:prime256v1',
				'-nodes',
				'-days',
				'2',
				'-subj',
				'/CN=127.0.0.1',
				'-addext',
				'subjectAltName=IP:127.0.0.1',
				'-keyout',
				key,
				'-out',
				cert,
			],
			{ stdio: 'ignore' },
		);
		made = { key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
	} finally {
		fs.rmSync(dir, { recursive: true, force: true });
	}
	trustForLoopback(made.cert);
	return made;
}
