/**
 * Credential storage + a credentials helper that behaves like n8n's CLI
 * `CredentialsHelper` (packages/cli/src/credentials-helper.ts) for the parts a node
 * execution touches:
 *  - credentials are stored *encrypted* (n8n-core `Credentials` + the instance key) and
 *    only decrypted in `getDecrypted`, like the CLI reading a DB row;
 *  - `getDecrypted` applies credential-type defaults and resolves expressions;
 *  - `authenticate` calls a function declaration (ours: the Bearer header) as n8n does, or
 *    applies a `generic` one by resolving its `={{$credentials.x}}` expressions against the
 *    decrypted data.
 * Only what our credential uses: no OAuth, no `preAuthentication`, no `extends` (each fails
 * loudly if a credential ever needs it). The database is replaced by
 * an in-memory map keyed by (id, type).
 */

import { Credentials, getAdditionalKeys } from 'n8n-core';
import {
	ICredentialsHelper,
	NodeHelpers,
	UnexpectedError,
	UserError,
	Workflow,
	isExpression,
	type ICredentialDataDecryptedObject,
	type ICredentialsEncrypted,
	type ICredentialsExpressionResolveValues,
	type ICredentialType,
	type IExecuteData,
	type IHttpRequestOptions,
	type INode,
	type INodeCredentials,
	type INodeCredentialsDetails,
	type INodeParameters,
	type INodeProperties,
	type INodeTypes,
	type IRequestOptionsSimplified,
	type IWorkflowDataProxyAdditionalKeys,
	type IWorkflowExecuteAdditionalData,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

/** Stable id per credential type, so `credentialRef()` works before any run exists. */
const idsByType = new Map([['cometVideoApi', '1']]);
const namesByType = new Map([['cometVideoApi', 'CometAPI']]);

export function credentialIdFor(type: string): string {
	let id = idsByType.get(type);
	if (id === undefined) {
		id = String(idsByType.size + 1);
		idsByType.set(type, id);
	}
	return id;
}

/** What a node's `credentials` field holds in n8n workflow JSON for this type. */
export function credentialRef(type = 'cometVideoApi'): INodeCredentials {
	return { [type]: { id: credentialIdFor(type), name: namesByType.get(type) ?? type } };
}

// Mirrors the CLI: credential expressions without an execution context are resolved
// against a throw-away workflow with a single placeholder node.
const mockNode: INode = {
	id: 'mock',
	name: '',
	typeVersion: 1,
	type: 'mock',
	position: [0, 0],
	parameters: {},
};
// No node types at all: n8n's interface promises one per name, nothing asks this one.
const emptyNodeTypes = {
	getByName: () => undefined,
	getByNameAndVersion: () => undefined,
	getKnownTypes: () => ({}),
} as unknown as INodeTypes;

class CredentialNotFoundError extends UserError {
	constructor(id: string, type: string) {
		super(`Credential with ID "${id}" does not exist for type "${type}".`);
	}
}

export class HarnessCredentialsHelper extends ICredentialsHelper {
	private readonly credentialTypes: Map<string, ICredentialType>;
	/** `${id}|${type}` -> the encrypted record, like a database row */
	private readonly store = new Map<string, ICredentialsEncrypted>();

	/**
	 * @param credentialTypes name -> credential type
	 * @param plainCredentials type -> decrypted data (stored encrypted under credentialRef's id)
	 */
	constructor(
		credentialTypes: Map<string, ICredentialType>,
		plainCredentials: Record<string, ICredentialDataDecryptedObject | null | undefined> = {},
	) {
		super();
		this.credentialTypes = credentialTypes;
		for (const [type, data] of Object.entries(plainCredentials)) {
			if (data === undefined || data === null) continue;
			const { id, name } = credentialRef(type)[type];
			const credentials = new Credentials({ id, name }, type);
			credentials.setData(data);
			this.store.set(`${id}|${type}`, credentials.getDataToSave());
		}
	}

	getCredentialType(typeName: string): ICredentialType {
		const type = this.credentialTypes.get(typeName);
		if (!type) throw new UnexpectedError(`Unknown credential type "${typeName}"`);
		return type;
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		incomingRequestOptions: IHttpRequestOptions | IRequestOptionsSimplified,
		workflow: Workflow,
		node: INode,
	): Promise<IHttpRequestOptions> {
		const requestOptions = incomingRequestOptions as IHttpRequestOptions;
		const credentialType = this.getCredentialType(typeName);
		const { authenticate } = credentialType;
		if (!authenticate) return requestOptions;
		// As n8n's own CredentialsHelper does: a function is called with the data and the request.
		if (typeof authenticate === 'function') {
			return await authenticate.call(credentialType, credentials, requestOptions);
		}

		if (typeof authenticate !== 'object' || authenticate.type !== 'generic')
			throw new UnexpectedError(`The harness applies only generic authentication (${typeName})`);
		if (!workflow || !node) {
			throw new UnexpectedError(
				'Workflow and node are required for declarative credential authentication',
			);
		}
		requestOptions.headers ??= {};
		const target = requestOptions as unknown as Record<string, Record<string, string>>;
		for (const [outerKey, outerValue] of Object.entries(authenticate.properties)) {
			for (const [key, value] of Object.entries(outerValue as Record<string, string>)) {
				const keyResolved = this.resolveValue(key, { $credentials: credentials }, workflow, node);
				const valueResolved = this.resolveValue(
					value,
					{ $credentials: credentials },
					workflow,
					node,
				);
				target[outerKey] ??= {};
				target[outerKey][keyResolved] = valueResolved;
			}
		}

		return requestOptions;
	}

	resolveValue(
		parameterValue: string,
		additionalKeys: IWorkflowDataProxyAdditionalKeys,
		workflow: Workflow,
		node: INode,
	): string {
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

	/** No credential of ours expires: nothing to refresh. */
	async preAuthentication(): Promise<undefined> {
		return undefined;
	}

	getParentTypes(): string[] {
		return [];
	}

	getStored(
		nodeCredentials: INodeCredentialsDetails | undefined,
		type: string,
	): ICredentialsEncrypted & { id: string } {
		if (!nodeCredentials?.id) {
			throw new UserError(`Credential "${nodeCredentials?.name}" of type "${type}" has no ID.`);
		}
		const stored = this.store.get(`${nodeCredentials.id}|${type}`);
		if (!stored) throw new CredentialNotFoundError(nodeCredentials.id, type);
		return { ...stored, id: nodeCredentials.id };
	}

	async getCredentials(
		nodeCredentials: INodeCredentialsDetails,
		type: string,
	): Promise<Credentials> {
		const { id, name, data } = this.getStored(nodeCredentials, type);
		return new Credentials({ id, name }, type, data);
	}

	getCredentialsProperties(type: string): INodeProperties[] {
		const credentialType = this.getCredentialType(type);
		if (credentialType.extends)
			throw new UnexpectedError(`The harness does not merge extended credential types (${type})`);
		return credentialType.properties;
	}

	async getDecrypted(
		additionalData: IWorkflowExecuteAdditionalData,
		nodeCredentials: INodeCredentialsDetails,
		type: string,
		mode: WorkflowExecuteMode,
		executeData?: IExecuteData,
		raw?: boolean,
		expressionResolveValues?: ICredentialsExpressionResolveValues,
	): Promise<ICredentialDataDecryptedObject> {
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
		additionalData: IWorkflowExecuteAdditionalData,
		decryptedDataOriginal: ICredentialDataDecryptedObject,
		type: string,
		mode: WorkflowExecuteMode,
		executeData?: IExecuteData,
		expressionResolveValues?: ICredentialsExpressionResolveValues,
	): ICredentialDataDecryptedObject {
		const properties = this.getCredentialsProperties(type);
		// No credential overwrites in the harness; defaults come from the type's properties.
		// Credential data is parameter data to n8n's expression engine (the CLI casts likewise).
		let decryptedData = NodeHelpers.getNodeParameters(
			properties,
			{ ...decryptedDataOriginal } as INodeParameters,
			true,
			false,
			null,
			null,
		) as INodeParameters;

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
				) as INodeParameters;
			} catch (e) {
				(e as Error).message += ' [Error resolving credentials]';
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
			) as INodeParameters;
		}
		return decryptedData as ICredentialDataDecryptedObject;
	}

	async updateCredentials(
		nodeCredentials: INodeCredentialsDetails,
		type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		const stored = this.getStored(nodeCredentials, type);
		const credentials = new Credentials({ id: stored.id, name: stored.name }, type);
		credentials.setData(data);
		this.store.set(`${stored.id}|${type}`, credentials.getDataToSave());
	}

	async updateCredentialsOauthTokenData(): Promise<void> {
		throw new UnexpectedError('The harness holds no OAuth credential');
	}
}
