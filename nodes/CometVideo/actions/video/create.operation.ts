import type {
	IDisplayOptions,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import {
	ALL_RULES,
	DEFAULT_MODEL,
	FAMILIES,
	FIELD_NAMES,
	FIELDS,
	fieldProblem,
	referenceProblem,
	type FieldName,
	type FieldRule,
	type ModelRules,
} from '../../helpers/families';
import { balanceProblem } from '../../helpers/balance';
import { checkImage, readImagePart, type ImageReference } from '../../helpers/images';
import type { MultipartPart } from '../../helpers/multipart';
import { capProblem, estimateCost, type Estimate, type SentFields } from '../../helpers/prices';
import { shorten } from '../../helpers/redact';
import { completeJob, createOnce, readCompletion, type CompletionRequest } from '../completion';
import { completionProperties, promptProperty } from '../descriptions';
import { readCostSettings, type CostSettings } from '../options';
import type { RunContext, VideoOperation } from '../types';
import { readPrompt, readText, readTextList } from './inputs';

// Every field follows the model's family, also for ids typed by hand: n8n tests the locator's
// value against each pattern. Only "hide" rules are used, because a "show" rule counts an
// expression as a match: an expression (or an id of no known family) gets the unchecked fields.
const anyOf = (patterns: string[]) => patterns.map((regex) => ({ _cnd: { regex } }));
const notMatching = (pattern: string) => `^(?!(?:${pattern}))`;
const onlyFor = (pattern: string): IDisplayOptions => ({
	hide: { model: anyOf([notMatching(pattern)]) },
});
const forUnknownModels: IDisplayOptions = {
	hide: { model: anyOf(ALL_RULES.map((rules) => rules.pattern)) },
};

const UNCHECKED_HINT =
	'Sent as typed; empty: not sent. Unchecked, unless an expression names a model the node knows.';

function familyField(rules: ModelRules, name: FieldName, rule: FieldRule): INodeProperties {
	const common = {
		displayName: FIELDS[name].label,
		name,
		default: rule.default,
		description: rule.description ? `${rules.name}: ${rule.description}` : undefined,
		displayOptions: onlyFor(rules.pattern),
	};
	// No range is documented for such a field: any whole number, the choices only as examples.
	if (rule.anyWholeNumber) {
		const examples = rule.choices.map((choice) => choice.value).join(', ');
		return { ...common, type: 'string', placeholder: `e.g. ${examples}` };
	}
	return { ...common, type: 'options', options: rule.choices };
}

function uncheckedField(name: FieldName): INodeProperties {
	return {
		displayName: FIELDS[name].label,
		name,
		type: 'string',
		default: '',
		hint: UNCHECKED_HINT,
		displayOptions: forUnknownModels,
	};
}

/** Each field once per rule set that takes it, then once for models of no known rules. */
const familyFields: INodeProperties[] = FIELD_NAMES.flatMap((name) => [
	...ALL_RULES.flatMap((rules) => {
		const rule = rules.fields[name];
		return rule ? [familyField(rules, name, rule)] : [];
	}),
	uncheckedField(name),
]);

const notices: INodeProperties[] = [
	...FAMILIES.filter((family) => family.retired).map((family): INodeProperties => ({
		displayName: `${family.retired}. CometAPI may no longer serve ${family.name}: prefer a current model.`,
		name: 'retiredNotice',
		type: 'notice',
		default: '',
		displayOptions: onlyFor(family.pattern),
	})),
	{
		displayName:
			'The node knows no rules for this model ID (or it is an expression): only the prompt and the fields you fill in are sent, unchecked.',
		name: 'uncheckedNotice',
		type: 'notice',
		default: '',
		displayOptions: forUnknownModels,
	},
];

const binaryFieldsProperty = (hint: string, displayOptions: IDisplayOptions): INodeProperties => ({
	displayName: 'Binary Fields',
	name: 'imageBinaryProperties',
	type: 'string',
	default: 'data',
	placeholder: 'e.g. first, last',
	hint,
	displayOptions: {
		...displayOptions,
		show: { ...displayOptions.show, referenceImages: ['binary'] },
	},
});

const referenceProperties: INodeProperties[] = [
	{
		displayName: 'Reference Images',
		name: 'referenceImages',
		type: 'options',
		default: 'none',
		description: 'Images sent as files with the prompt, where the model takes them',
		options: [
			{ name: 'None (Text to Video)', value: 'none' },
			{
				name: 'From Binary Fields',
				value: 'binary',
				description: 'Images an earlier node put on the item',
			},
		],
		displayOptions: {
			hide: {
				model: anyOf(
					ALL_RULES.filter((rules) => rules.references.max === 0).map((rules) => rules.pattern),
				),
			},
		},
	},
	...ALL_RULES.filter((rules) => rules.references.max > 0).map((rules) =>
		binaryFieldsProperty(
			`Comma-separated names of input binary fields, at most ${rules.references.max}: ${rules.references.order}`,
			onlyFor(rules.pattern),
		),
	),
	binaryFieldsProperty(
		'Comma-separated names of input binary fields, sent in order, unchecked',
		forUnknownModels,
	),
];

const properties: INodeProperties[] = [
	{
		displayName: 'Model',
		name: 'model',
		type: 'resourceLocator',
		default: { mode: 'list', value: DEFAULT_MODEL },
		required: true,
		description:
			"The video model: Veo, Seedance, Wan, Vidu, HappyHorse, Omni or Sora (retired upstream). The fields below follow the model's family.",
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: 'searchModels', searchable: true },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: 'e.g. doubao-seedance-2-0',
			},
		],
	},
	promptProperty,
	...notices,
	...familyFields,
	...referenceProperties,
	...completionProperties(true),
];

export const description = updateDisplayOptions({ show: { operation: ['create'] } }, properties);

export interface CreateRequest {
	model: string;
	/** The form's text fields, in order. */
	fields: MultipartPart[];
	/** What the item is estimated to cost (helpers/prices). */
	estimate: Estimate;
	cost: CostSettings;
	/** Checked now, read just before the create goes out, so memory holds only those in flight. */
	images: ImageReference[];
	completion: CompletionRequest;
}

type Fail = (message: string, description?: string) => NodeOperationError;

/** The Reference Images of one item, checked by metadata; their count against the model. */
async function readReferences(
	ctx: IExecuteFunctions,
	itemIndex: number,
	model: string,
	fail: Fail,
): Promise<ImageReference[]> {
	const source = ctx.getNodeParameter('referenceImages', itemIndex, 'none') as unknown;
	if (source === 'none') return [];
	if (source !== 'binary') {
		throw fail(
			`Reference Images: "${shorten(String(source), 60)}" is not a choice`,
			'Use none or binary. Images go as files: fetch a picture first (for example with an HTTP Request node).',
		);
	}
	const fields = readTextList(
		ctx,
		itemIndex,
		'imageBinaryProperties',
		'Binary Fields',
		/,/,
		'data',
	);
	if (fields.length === 0) {
		throw fail(
			'Reference Images: no image given',
			'Name at least one image, or set Reference Images to None.',
		);
	}
	const problem = referenceProblem(model, fields.length);
	if (problem) throw fail(problem);
	const images: ImageReference[] = [];
	for (const field of fields) {
		const checked = await checkImage(ctx, itemIndex, field);
		if ('problem' in checked) throw fail(`Binary Fields: ${checked.problem}`, checked.hint);
		images.push(checked);
	}
	return images;
}

export const create: VideoOperation<CreateRequest> = {
	description,

	async prepare(ctx, itemIndex) {
		const fail: Fail = (message, details) =>
			new NodeOperationError(ctx.getNode(), message, { itemIndex, description: details });

		const model = readText(ctx, itemIndex, 'model', 'Model', { extractValue: true });
		if (!model) throw fail('Model: choose a model from the list, or enter its ID');
		const prompt = readPrompt(ctx, itemIndex, 'Describe the video to generate.');
		const cost = readCostSettings(ctx, itemIndex);
		const fields: MultipartPart[] = [
			{ field: 'model', value: model },
			{ field: 'prompt', value: prompt },
		];
		const sent: SentFields = {};
		for (const name of FIELD_NAMES) {
			const { label, apiField } = FIELDS[name];
			const value = readText(ctx, itemIndex, name, label, { numbers: name === 'seconds' });
			if (!value) continue;
			const problem = fieldProblem(model, name, value);
			if (problem) throw fail(problem);
			fields.push({ field: apiField, value });
			sent[name] = value;
		}
		const images = await readReferences(ctx, itemIndex, model, fail);
		return {
			model,
			fields,
			estimate: estimateCost(model, sent, cost.priceOverrides),
			cost,
			images,
			completion: readCompletion(ctx, itemIndex),
		};
	},

	async checkBatch(run, requests) {
		const ready = requests.flatMap((request, itemIndex) =>
			// An item an earlier try of this run created (or may have) costs nothing new.
			request.ok && run.creates.reuse(itemIndex).kind === 'send'
				? [{ itemIndex, ...request.value }]
				: [],
		);
		const cost = ready[0]?.cost;
		if (!cost) return;
		// Model ids are typed by people and quoted here: the redactor has its say, as on every error.
		const { redactor } = run.api;
		const fail = (problem: { message: string; description: string }) =>
			new NodeOperationError(run.ctx.getNode(), redactor.text(problem.message), {
				description: redactor.text(problem.description),
			});
		if (cost.maxEstimatedCostUsd > 0) {
			const problem = capProblem(ready, cost.maxEstimatedCostUsd, cost.allowUnpricedModels);
			if (problem) throw fail(problem);
		}
		// A dry run sends nothing, the balance request included.
		if (cost.minBalanceUsd > 0 && !cost.dryRun) {
			const problem = balanceProblem(
				await run.api.getBalance(ready[0].itemIndex),
				cost.minBalanceUsd,
			);
			if (problem) throw fail(problem);
		}
	},

	async execute(
		run: RunContext,
		request: CreateRequest,
		itemIndex: number,
	): Promise<INodeExecutionData> {
		const estimate = { estimatedCostUsd: request.estimate.usd, costNote: request.estimate.note };
		if (request.cost.dryRun) {
			const [, ...fields] = request.fields;
			return {
				json: {
					dryRun: true,
					route: 'POST /v1/videos',
					model: request.model,
					fields: Object.fromEntries(
						fields.flatMap((part) => ('value' in part ? [[part.field, part.value]] : [])),
					),
					imageCount: request.images.length,
					...estimate,
				},
				pairedItem: { item: itemIndex },
			};
		}
		const { job, serverDelayMs } = await createOnce(
			run,
			itemIndex,
			async () =>
				await run.api.createVideo(
					async () => [
						...request.fields,
						...(await Promise.all(
							request.images.map(async (image) => await readImagePart(run.ctx, itemIndex, image)),
						)),
					],
					itemIndex,
				),
		);
		const done = await completeJob(run, job, request.completion, itemIndex, serverDelayMs);
		return { ...done, json: { ...done.json, ...estimate } };
	},
};
