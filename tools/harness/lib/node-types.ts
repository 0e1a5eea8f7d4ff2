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
import * as path from 'node:path';

import { PackageDirectoryLoader } from 'n8n-core';
import {
	NodeHelpers,
	UnexpectedError,
	type ICredentialType,
	type INodeType,
	type INodeTypes,
	type IVersionedNodeType,
} from 'n8n-workflow';

import { REPO_ROOT } from '../../constants';
import { readJson } from '../../files';
import { TestCollect, TestStart } from './test-nodes';

export const DEFAULT_PACKAGE_DIR = REPO_ROOT;

type AnyNodeType = INodeType | IVersionedNodeType;

type TypeOrClass<T> = T | (new () => T);

/** Extra types for a run: a class, or a list or object of classes and instances. */
export type TypesInput<T> = (new () => T) | TypeOrClass<T>[] | Record<string, TypeOrClass<T>>;

function instantiateAll<T>(input: TypesInput<T> | undefined): T[] {
	if (!input) return [];
	const list: TypeOrClass<T>[] = Array.isArray(input)
		? input
		: typeof input === 'function'
			? [input]
			: Object.values(input);
	return list.map((entry) =>
		typeof entry === 'function' ? new (entry as new () => T)() : (entry as T),
	);
}

function typeName(instance: AnyNodeType): string {
	// Versioned node types keep the name on `description` too.
	return instance.description.name;
}

interface LoadedPackage {
	loader: PackageDirectoryLoader | undefined;
	packageName: string | undefined;
	error: Error | undefined;
}

let packageCache: { dir: string; promise: Promise<LoadedPackage> } | undefined;

/** Loads (once per module instance) the package's nodes and credentials. Never throws. */
export function loadPackage(packageDir = DEFAULT_PACKAGE_DIR): Promise<LoadedPackage> {
	if (packageCache?.dir !== packageDir) {
		const promise = (async (): Promise<LoadedPackage> => {
			try {
				const loader = new PackageDirectoryLoader(packageDir);
				await loader.loadAll();
				return { loader, packageName: loader.packageName, error: undefined };
			} catch (error) {
				// Keep going (e.g. dist/ not built yet) so workflows that don't use the package
				// still run; using one of its types reports this error.
				let packageName: string | undefined;
				try {
					packageName = readJson<{ name: string }>(path.join(packageDir, 'package.json')).name;
				} catch {
					// No readable package.json either: the type lookup just finds nothing.
				}
				return { loader: undefined, packageName, error: error as Error };
			}
		})();
		packageCache = { dir: packageDir, promise };
	}
	return packageCache.promise;
}

/** The types one execution can use. */
export interface Registry {
	nodeTypes: INodeTypes;
	credentialTypes: Map<string, ICredentialType>;
	packageName: string | undefined;
	packageError: Error | undefined;
}

/** Builds the registry for one execution. */
export async function buildRegistry({
	packageDir,
	extraNodeTypes,
	extraCredentialTypes,
}: {
	packageDir?: string;
	extraNodeTypes?: TypesInput<AnyNodeType>;
	extraCredentialTypes?: TypesInput<ICredentialType>;
} = {}): Promise<Registry> {
	const { loader, packageName, error: packageError } = await loadPackage(packageDir);
	const nodes = new Map<string, AnyNodeType>();
	const credentialTypes = new Map<string, ICredentialType>();

	if (loader) {
		for (const [name, { type }] of Object.entries(loader.nodeTypes)) {
			nodes.set(`${packageName}.${name}`, type);
			nodes.set(name, type);
		}
		for (const [name, { type }] of Object.entries(loader.credentialTypes)) {
			credentialTypes.set(name, type);
		}
	}

	nodes.set('test.start', new TestStart());
	nodes.set('test.collect', new TestCollect());
	for (const instance of instantiateAll(extraNodeTypes)) {
		const name = typeName(instance);
		nodes.set(name, instance);
		nodes.set(`test.${name}`, instance);
	}
	for (const instance of instantiateAll(extraCredentialTypes)) {
		credentialTypes.set(instance.name, instance);
	}

	const lookup = (type: string): AnyNodeType | undefined => {
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

	// n8n's INodeTypes promises a type for every name; the engine checks for a missing one
	// itself (it reports the workflow's issues), so unknown names give undefined here.
	const nodeTypes: INodeTypes = {
		getByName: (type) => lookup(type) as AnyNodeType,
		getByNameAndVersion: (type, version) => {
			const found = lookup(type);
			return (
				found === undefined ? undefined : NodeHelpers.getVersionedNodeType(found, version)
			) as INodeType;
		},
		getKnownTypes: () => Object.fromEntries([...nodes.keys()].map((k) => [k, {}])),
	};

	return { nodeTypes, credentialTypes, packageName, packageError };
}
