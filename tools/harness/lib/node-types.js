'use strict';

/**
 * Node and credential type registry.
 *
 * The package under test is loaded with n8n-core's own `PackageDirectoryLoader`, i.e.
 * the same code path n8n uses for an installed community package: it reads
 * package.json's `n8n` section, instantiates the classes, and applies n8n's
 * post-processing (codex, special parameters, version handling). Types are addressed in
 * workflow JSON as `<package name>.<node name>`, e.g. `n8n-nodes-cometapi-video.cometVideo`;
 * the bare node name is accepted as well.
 */

const path = require('node:path');
const { PackageDirectoryLoader } = require('n8n-core');
const { NodeHelpers, UnexpectedError } = require('n8n-workflow');
const { TestStart, TestCollect } = require('./test-nodes');

const DEFAULT_PACKAGE_DIR = path.resolve(__dirname, '../../..');

/** Accepts a class, an instance, or an array/object of either. */
function instantiateAll(input) {
	if (!input) return [];
	const list = Array.isArray(input)
		? input
		: typeof input === 'function'
			? [input]
			: Object.values(input);
	return list.map((entry) => (typeof entry === 'function' ? new entry() : entry));
}

function typeName(instance) {
	// Versioned node types keep the name on `description` too.
	return instance.description?.name ?? instance.name;
}

let packageCache; // { dir, promise }

/** Loads (once per module instance) the package's nodes and credentials. Never throws. */
function loadPackage(packageDir = DEFAULT_PACKAGE_DIR) {
	if (packageCache?.dir !== packageDir) {
		const promise = (async () => {
			try {
				const loader = new PackageDirectoryLoader(packageDir);
				await loader.loadAll();
				return { loader, packageName: loader.packageName, error: undefined };
			} catch (error) {
				// Keep going (e.g. dist/ not built yet) so workflows that don't use the package
				// still run; using one of its types reports this error.
				let packageName;
				try {
					packageName = require(path.join(packageDir, 'package.json')).name;
				} catch {}
				return { loader: undefined, packageName, error };
			}
		})();
		packageCache = { dir: packageDir, promise };
	}
	return packageCache.promise;
}

/**
 * Builds the registry for one execution.
 * @returns {{ nodeTypes: INodeTypes, credentialTypes: Map<string, ICredentialType>, packageName?: string }}
 */
async function buildRegistry({ packageDir, extraNodeTypes, extraCredentialTypes } = {}) {
	const { loader, packageName, error: packageError } = await loadPackage(packageDir);
	const nodes = new Map(); // type string -> INodeType | IVersionedNodeType
	const credentialTypes = new Map();

	if (loader) {
		for (const [name, { type }] of Object.entries(loader.nodeTypes)) {
			nodes.set(`${packageName}.${name}`, type);
			nodes.set(name, type);
		}
		for (const [name, { type }] of Object.entries(loader.credentialTypes)) {
			credentialTypes.set(name, type);
		}
	}

	for (const [name, Cls] of [
		['test.start', TestStart],
		['test.collect', TestCollect],
	]) {
		nodes.set(name, new Cls());
	}
	for (const instance of instantiateAll(extraNodeTypes)) {
		const name = typeName(instance);
		nodes.set(name, instance);
		nodes.set(`test.${name}`, instance);
	}
	for (const instance of instantiateAll(extraCredentialTypes)) {
		credentialTypes.set(instance.name, instance);
	}

	const lookup = (type) => {
		const found = nodes.get(type);
		if (!found && packageError && packageName && type.startsWith(`${packageName}.`)) {
			throw new UnexpectedError(
				`Could not load package "${packageName}": ${packageError.message}`,
				{
					cause: packageError,
				},
			);
		}
		return found;
	};

	const nodeTypes = {
		getByName: (type) => lookup(type),
		getByNameAndVersion: (type, version) => {
			const found = lookup(type);
			return found === undefined ? undefined : NodeHelpers.getVersionedNodeType(found, version);
		},
		getKnownTypes: () => Object.fromEntries([...nodes.keys()].map((k) => [k, {}])),
	};

	return { nodeTypes, credentialTypes, packageName, packageError };
}

module.exports = { buildRegistry, loadPackage, DEFAULT_PACKAGE_DIR };
