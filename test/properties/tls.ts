/**
 * A self-signed certificate for 127.0.0.1, made once per process with openssl, so a world's link
 * host can be https: a redirect from it to plain http is a downgrade the node must not follow.
 * The client in this process is told to accept it (NODE_TLS_REJECT_UNAUTHORIZED=0: the only TLS
 * peers of a test process are these servers).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

let made: { key: Buffer; cert: Buffer } | undefined;

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
	process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
	return made;
}
