/** What tools, scripts and suites share about this repository, defined once. */
import path from 'node:path';

import { readJson } from './files';

/** The parts of this repository's package.json the tools read. */
export interface PackageManifest {
	name: string;
	version: string;
	n8n: { nodes: string[]; credentials?: string[] };
}

export const REPO_ROOT = path.resolve(__dirname, '..');
export const PKG = readJson<PackageManifest>(path.join(REPO_ROOT, 'package.json'));
/** The node's type in workflow JSON: `<package name>.<node name>`. */
export const NODE_TYPE = `${PKG.name}.cometVideo`;
/** The variant n8n makes of a `usableAsTool` node. */
export const TOOL_TYPE = `${NODE_TYPE}Tool`;
/** The simulator's default API key (tools/simulator's DEFAULT_OPTIONS), for code that has no simulator at hand. */
export const SIMULATOR_KEY = 'sk-sim-test-key';
