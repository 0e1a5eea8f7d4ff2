/**
 * Helpers for the workflow tests against the simulator, on top of the shared ones (./helpers): the suite's
 * simulator settings, image bytes for the reference-image cases, and the auth check.
 */
import * as crypto from 'node:crypto';

import type { StartBinary } from '../../tools/harness';
import type { Simulator, SimulatorOptions } from '../../tools/simulator';
import * as shared from './helpers';

/** A small buffer that starts with a real PNG signature (enough for any sniffer), then random bytes. */
export function pngBytes(size = 1500): Buffer {
	const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
	return Buffer.concat([signature, crypto.randomBytes(size)]);
}

/** Same for JPEG (SOI + APP0 marker). */
export function jpegBytes(size = 1500): Buffer {
	return Buffer.concat([
		Buffer.from('ffd8ffe000104a464946', 'hex'),
		crypto.randomBytes(size),
		Buffer.from('ffd9', 'hex'),
	]);
}

/** A binary entry for the test.start node. */
export function binaryEntry(buffer: Buffer, mimeType: string, fileName: string): StartBinary {
	return { base64: buffer.toString('base64'), mimeType, fileName };
}

/** Every request the simulator got carried its key as a Bearer token. */
export function expectAuthorized(sim: Simulator): void {
	expect(sim.requests.length).toBeGreaterThan(0);
	for (const request of sim.requests)
		expect(request.headers.authorization).toBe(`Bearer ${sim.apiKey}`);
}

/** A simulator for one test file (short jobs, small videos); reset before every test. */
export function useSimulator(options: Partial<SimulatorOptions> = {}): () => Simulator {
	return shared.useSimulator({ jobDurationMs: 500, videoBytes: 96 * 1024, ...options });
}
