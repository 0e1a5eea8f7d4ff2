'use strict';

/**
 * Credential storage + a credentials helper that behaves like n8n's CLI
 * `CredentialsHelper` (packages/cli/src/credentials-helper.ts) for the parts a node
 * execution touches:
 *  - credentials are stored *encrypted* (n8n-core `Credentials` + the instance key) and
 *    only decrypted in `getDecrypted`, like the CLI reading a DB row;
 *  - `getDecrypted` applies credential-type defaults and resolves expressions;
 *  - `authenticate` applies a function or a `generic` declaration by resolving its
 *    `={{$credentials.x}}` expressions against the decrypted data;
 *  - `preAuthentication` refreshes an expirable hidden property and re-encrypts it.
 * The database is replaced by an in-memory map keyed by (id, type).
 */

const { Credentials, getAdditionalKeys } = require('n8n-core');
const {
	ICredentialsHelper,
	NodeHelpers,
	Workflow,
	UserError,
	UnexpectedError,
	isExpression,
} = require('n8n-workflow');

/** Stable id per credential type, so `credentialRef()` works before any run exists. */
const idsByType = new Map([['cometVideoApi', '1']]);
const namesByType = new Map([['cometVideoApi', 'CometAPI']]);

function credentialIdFor(type) {
	if (!idsByType.has(type)) idsByType.set(type, String(idsByType.size + 1));
	return idsByType.get(type);
}

/** What a node's `credentials` field holds in n8n workflow JSON for this type. */
function credentialRef(type = 'cometVideoApi') {
	return { [type]: { id: credentialIdFor(type), name: namesByType.get(type) ?? type } };
}

// Mirrors the CLI: credential expressions without an execution context are resolved
// against a throw-away workflow with a single placeholder node.
const mockNode = {
	id: 'mock',
	name: '',
	typeVersion: 1,
	type: 'mock',
	position: [0, 0],
	parameters: {},
};
const emptyNodeTypes = {
	getByName: () => undefined,
	getByNameAndVersion: () => undefined,
	getKnownTypes: () => ({}),
};

class CredentialNotFoundError extends UserError {
	constructor(id, type) {
		super(`Credential with ID "${id}" does not exist for type "${type}".`);
	}
}

class HarnessCredentialsHelper extends ICredentialsHelper {
	/**
	 * @param {Map<string, object>} credentialTypes name -> ICredentialType instance
	 * @param {Record<string, object>} plainCredentials type -> decrypted data
	 */
	constructor(credentialTypes, plainCredentials = {}) {
		super();
		this.credentialTypes = credentialTypes;
		/** `${id}|${type}` -> { id, name, type, data: <encrypted string> } */
		this.store = new Map();
		for (const [type, data] of Object.entries(plainCredentials)) {
			if (data === undefined || data === null) continue;
			const { id, name } = credentialRef(type)[type];
			const credentials = new Credentials({ id, name }, type);
			credentials.setData(data);
			this.store.set(`${id}|${type}`, credentials.getDataToSave());
		}
	}

	getCredentialType(typeName) {
		const type = this.credentialTypes.get(typeName);
		if (!type) throw new UnexpectedError(`Unknown credential type "${typeName}"`);
		return type;
	}

	async authenticate(credentials, typeName, incomingRequestOptions, workflow, node) {
		const requestOptions = incomingRequestOptions;
		const credentialType = this.getCredentialType(typeName);
		const { authenticate } = credentialType;
		if (!authenticate) return requestOptions;

		if (typeof authenticate === 'function') {
			return await authenticate(credentials, requestOptions);
		}

		if (typeof authenticate === 'object' && authenticate.type === 'generic') {
			if (!workflow || !node) {
				throw new UnexpectedError(
					'Workflow and node are required for declarative credential authentication',
				);
			}
			requestOptions.headers ??= {};
			for (const [outerKey, outerValue] of Object.entries(authenticate.properties)) {
				for (const [key, value] of Object.entries(outerValue)) {
					const keyResolved = this.resolveValue(key, { $credentials: credentials }, workflow, node);
					const valueResolved = this.resolveValue(
						value,
						{ $credentials: credentials },
						workflow,
						node,
					);
					requestOptions[outerKey] ??= {};
					requestOptions[outerKey][keyResolved] = valueResolved;
				}
			}
		}
		return requestOptions;
	}

	resolveValue(parameterValue, additionalKeys, workflow, node) {
		if (!isExpression(parameterValue)) return parameterValue;
		const value = workflow.expression.getSimpleParameterValue(
			node,
			parameterValue,
			'internal',
			additionalKeys,
			undefined,
			'',
		);
		return value ? value.toString() : '';
	}

	async preAuthentication(helpers, credentials, typeName, node, credentialsExpired) {
		const credentialType = this.getCredentialType(typeName);
		const expirable = credentialType.properties.find(
			(p) => p.type === 'hidden' && p.typeOptions?.expirable === true,
		);
		if (expirable?.name === undefined || typeof credentialType.preAuthentication !== 'function') {
			return undefined;
		}
		if (credentials[expirable.name] !== '' && !credentialsExpired) return undefined;

		const output = await credentialType.preAuthentication.call(helpers, credentials);
		if (output[expirable.name] === undefined) return undefined;
		if (node.credentials) {
			await this.updateCredentials(node.credentials[credentialType.name], credentialType.name, {
				...credentials,
				...output,
			});
		}
		return Object.assign(credentials, output);
	}

	getParentTypes(typeName) {
		const type = this.credentialTypes.get(typeName);
		if (!type?.extends) return [];
		const parents = [];
		for (const parent of type.extends) {
			parents.push(parent, ...this.getParentTypes(parent));
		}
		return parents;
	}

	getStored(nodeCredentials, type) {
		if (!nodeCredentials?.id) {
			throw new UserError(`Credential "${nodeCredentials?.name}" of type "${type}" has no ID.`);
		}
		const stored = this.store.get(`${nodeCredentials.id}|${type}`);
		if (!stored) throw new CredentialNotFoundError(nodeCredentials.id, type);
		return stored;
	}

	async getCredentials(nodeCredentials, type) {
		const { id, name, data } = this.getStored(nodeCredentials, type);
		return new Credentials({ id, name }, type, data);
	}

	getCredentialsProperties(type) {
		const credentialType = this.getCredentialType(type);
		if (credentialType.extends === undefined) {
			if (['oAuth1Api', 'oAuth2Api'].includes(type)) {
				return [
					...credentialType.properties,
					{
						displayName: 'oauthTokenData',
						name: 'oauthTokenData',
						type: 'json',
						required: false,
						default: {},
					},
				];
			}
			return credentialType.properties;
		}
		const combined = [];
		for (const parent of credentialType.extends) {
			NodeHelpers.mergeNodeProperties(combined, this.getCredentialsProperties(parent));
		}
		NodeHelpers.mergeNodeProperties(combined, credentialType.properties);
		return combined;
	}

	async getDecrypted(
		additionalData,
		nodeCredentials,
		type,
		mode,
		executeData,
		raw,
		expressionResolveValues,
	) {
		const credentials = await this.getCredentials(nodeCredentials, type);
		const decryptedDataOriginal = credentials.getData();
		if (raw === true) return decryptedDataOriginal;
		return this.applyDefaultsAndOverwrites(
			additionalData,
			decryptedDataOriginal,
			type,
			mode,
			executeData,
			expressionResolveValues,
		);
	}

	applyDefaultsAndOverwrites(
		additionalData,
		decryptedDataOriginal,
		type,
		mode,
		executeData,
		expressionResolveValues,
	) {
		const properties = this.getCredentialsProperties(type);
		// No credential overwrites in the harness; defaults come from the type's properties.
		let decryptedData = NodeHelpers.getNodeParameters(
			properties,
			{ ...decryptedDataOriginal },
			true,
			false,
			null,
			null,
		);
		if (decryptedDataOriginal.oauthTokenData !== undefined) {
			decryptedData.oauthTokenData = decryptedDataOriginal.oauthTokenData;
		}

		// Same additional keys the CLI passes ($vars, $execution, ...), built from the
		// real additionalData so credential expressions see the running execution.
		const additionalKeys = getAdditionalKeys(additionalData, mode, null, { secretsEnabled: false });

		if (expressionResolveValues) {
			try {
				decryptedData = expressionResolveValues.workflow.expression.getParameterValue(
					decryptedData,
					expressionResolveValues.runExecutionData,
					expressionResolveValues.runIndex,
					expressionResolveValues.itemIndex,
					expressionResolveValues.node.name,
					expressionResolveValues.connectionInputData,
					mode,
					additionalKeys,
					executeData,
					false,
					decryptedData,
				);
			} catch (e) {
				e.message += ' [Error resolving credentials]';
				throw e;
			}
		} else {
			const workflow = new Workflow({
				nodes: [mockNode],
				connections: {},
				active: false,
				nodeTypes: emptyNodeTypes,
			});
			decryptedData = workflow.expression.getComplexParameterValue(
				mockNode,
				decryptedData,
				mode,
				additionalKeys,
				undefined,
				undefined,
				decryptedData,
			);
		}
		return decryptedData;
	}

	async updateCredentials(nodeCredentials, type, data) {
		const stored = this.getStored(nodeCredentials, type);
		const credentials = new Credentials({ id: stored.id, name: stored.name }, type);
		credentials.setData(data);
		this.store.set(`${stored.id}|${type}`, credentials.getDataToSave());
	}

	async updateCredentialsOauthTokenData(nodeCredentials, type, data) {
		const credentials = await this.getCredentials(nodeCredentials, type);
		credentials.updateData({ oauthTokenData: data.oauthTokenData });
		this.store.set(`${credentials.id}|${type}`, credentials.getDataToSave());
	}
}

module.exports = { HarnessCredentialsHelper, credentialRef, credentialIdFor };
