/**
 * Built-in helper nodes (n8n-nodes-base is not installed). Registered as `test.start`
 * and `test.collect`.
 */
import type {
	IBinaryData,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

/**
 * A binary for the start node to emit: bytes given as a Buffer, base64 or text, stored through
 * `helpers.prepareBinaryData` like any real node's output.
 */
export interface StartBinary {
	buffer?: Buffer;
	base64?: string;
	text?: string;
	mimeType?: string;
	fileName?: string;
}

/** An item for the start node's `items` parameter. */
export interface StartItem {
	json?: IDataObject;
	binary?: Record<string, StartBinary>;
}

/**
 * Start node: like n8n's legacy `n8n-nodes-base.start`, a regular node with no inputs,
 * so `WorkflowExecute.run({ startNode })` can begin the execution from it. It emits the
 * items given in its `items` parameter; binary entries given as
 * `{ base64 | text, mimeType, fileName }` go through `helpers.prepareBinaryData`, so they
 * land in the BinaryDataService of the run's mode like any real node's output would.
 * Note: string values starting with "=" are evaluated as n8n expressions (it's a node
 * parameter).
 */
export class TestStart implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Test Start',
		name: 'start',
		group: ['input'],
		version: 1,
		description: 'Emits fixed items (harness)',
		defaults: { name: 'Start' },
		inputs: [],
		outputs: ['main'],
		properties: [
			{
				displayName: 'Items',
				name: 'items',
				type: 'json',
				default: '[{"json":{}}]',
				description: 'Array of { json, binary? } (or a JSON string of it)',
			},
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		let items = this.getNodeParameter('items', 0) as StartItem[] | StartItem | string;
		if (typeof items === 'string') items = JSON.parse(items) as StartItem[] | StartItem;
		if (!Array.isArray(items)) items = [items];

		const output: INodeExecutionData[] = [];
		for (const [index, item] of items.entries()) {
			const json = item?.json ?? {};
			const out: INodeExecutionData = { json, pairedItem: { item: 0 } };
			if (item?.binary) {
				const binary: Record<string, IBinaryData> = {};
				for (const [key, spec] of Object.entries(item.binary)) {
					binary[key] = await toBinary(this, spec, `${key}-${index}`);
				}
				out.binary = binary;
			}
			output.push(out);
		}
		return [output];
	}
}

async function toBinary(
	context: IExecuteFunctions,
	spec: StartBinary,
	fallbackName: string,
): Promise<IBinaryData> {
	let buffer: Buffer;
	if (Buffer.isBuffer(spec.buffer)) buffer = spec.buffer;
	else if (spec.base64 !== undefined) buffer = Buffer.from(spec.base64, 'base64');
	else if (spec.text !== undefined) buffer = Buffer.from(String(spec.text), 'utf8');
	else throw new Error(`test.start: binary "${fallbackName}" needs base64 or text`);
	return await context.helpers.prepareBinaryData(
		buffer,
		spec.fileName ?? fallbackName,
		spec.mimeType,
	);
}

/** Pass-through node, handy as a downstream sink to assert on what arrived. */
export class TestCollect implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Test Collect',
		name: 'collect',
		group: ['transform'],
		version: 1,
		description: 'Passes items through (harness)',
		defaults: { name: 'Collect' },
		inputs: ['main'],
		outputs: ['main'],
		properties: [],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [this.getInputData()];
	}
}
