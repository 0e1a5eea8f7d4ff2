import type {
	IDisplayOptions,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import type { IDataObject } from 'n8n-workflow';

import {
	ALL_RULES,
	DEFAULT_MODEL,
	FAMILIES,
	FIELD_NAMES,
	FIELDS,
	fieldProblem,
	referenceProblem,
	routeOf,
	routeOfRules,
	rulesOf,
	type FieldName,
	type FieldRule,
	type ModelRules,
} from '../../helpers/families';
import { balanceProblem } from '../../helpers/balance';
import { extraNameProblem, extraValue, type ExtraValue } from '../../helpers/extra-fields';
import {
	checkImage,
	IMAGE_FIELDS,
	imageJson,
	imageParts,
	readImage,
	type ImageReference,
	type ImageSource,
} from '../../helpers/images';
import type { MultipartPart } from '../../helpers/multipart';
import { apiFieldOn, type VideoRoute } from '../../helpers/routes';
import type { Redactor } from '../../helpers/redact';
import type { CreateBody } from '../../transport';
import { capProblem, estimateCost, type Estimate, type SentFields } from '../../helpers/prices';
import { shorten } from '../../helpers/redact';
import { completeJob, createOnce, readCompletion, type CompletionRequest } from '../completion';
import { completionProperties, promptProperty } from '../descriptions';
import { readCostSettings, type CostSettings } from '../options';
import type { RunContext, VideoOperation } from '../types';
import { readPrompt, readText, readTextList, readUrl } from './inputs';

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
	if (rule.maxLength !== undefined) {
		return { ...common, type: 'string', typeOptions: { rows: 2 } };
	}
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
	...(FIELDS[name].unchecked ? [uncheckedField(name)] : []),
]);

/** Rule sets whose route writes images into a JSON body: they take image URLs too. */
const takesUrls = (rules: ModelRules) => routeOfRules(rules).images !== 'files';

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
					ALL_RULES.filter((rules) => rules.references.max === 0 || takesUrls(rules)).map(
						(rules) => rules.pattern,
					),
				),
			},
		},
	},
	{
		displayName: 'Reference Images',
		name: 'referenceImages',
		type: 'options',
		default: 'none',
		description: "Images sent with the prompt, as the model's route takes them",
		// Written out: n8n's scanner checks the default against the options it can read.
		options: [
			{ name: 'None (Text to Video)', value: 'none' },
			{
				name: 'From Binary Fields',
				value: 'binary',
				description: 'Images an earlier node put on the item',
			},
			{ name: 'From URLs', value: 'urls', description: 'Public image URLs' },
		],
		displayOptions: onlyFor(
			ALL_RULES.filter((rules) => rules.references.max > 0 && takesUrls(rules))
				.map((rules) => rules.pattern)
				.join('|'),
		),
	},
	{
		displayName: 'Image URLs',
		name: 'imageUrls',
		type: 'string',
		default: '',
		placeholder: 'e.g. https://example.com/first.png, https://example.com/last.png',
		hint: 'Comma-separated public image URLs (https), in order',
		displayOptions: { show: { referenceImages: ['urls'] } },
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

const callbackProperty: INodeProperties = {
	displayName: 'Callback URL',
	name: 'callbackUrl',
	type: 'string',
	default: '',
	placeholder: 'e.g. {{ $execution.resumeUrl }}',
	description:
		'Where the provider posts the job\'s status whenever it changes. With a Wait node set to "On Webhook Call", {{ $execution.resumeUrl }} lets the workflow wait without polling.',
	displayOptions: onlyFor(
		FAMILIES.filter((family) => family.rules.some((rules) => routeOfRules(rules).callbackField))
			.map((family) => family.pattern)
			.join('|'),
	),
};

const additionalFieldsProperty: INodeProperties = {
	displayName: 'Additional Fields (Sent As Is)',
	name: 'additionalFields',
	type: 'fixedCollection',
	placeholder: 'Add Field',
	default: {},
	typeOptions: { multipleValues: true },
	description:
		"Fields the form does not offer yet (a seed, a negative prompt, audio on or off), sent after the form's fields. For a JSON route a value that reads as JSON (42, true, {...}) is sent as that value; quote it to send text.",
	options: [
		{
			displayName: 'Field',
			name: 'field',
			values: [
				{
					displayName: 'Name',
					name: 'name',
					type: 'string',
					default: '',
					placeholder: 'e.g. seed',
				},
				{
					displayName: 'Value',
					name: 'value',
					type: 'string',
					default: '',
					placeholder: 'e.g. 42',
				},
			],
		},
	],
};

const properties: INodeProperties[] = [
	{
		displayName: 'Model',
		name: 'model',
		type: 'resourceLocator',
		default: { mode: 'list', value: DEFAULT_MODEL },
		required: true,
		description:
			"The video model: Veo, Seedance, Wan, Vidu, HappyHorse, Omni, Grok Imagine, Kling, Runway or Sora (retired upstream). The fields below follow the model's family.",
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
	callbackProperty,
	additionalFieldsProperty,
	...completionProperties(true),
];

export const description = updateDisplayOptions({ show: { operation: ['create'] } }, properties);

export interface CreateRequest {
	model: string;
	route: VideoRoute;
	prompt: string;
	/** The form's fields as the route names them, in order: text, or a number where it takes one. */
	fields: Array<[apiField: string, value: string | number]>;
	/** Additional Fields, after the form's. */
	extra: Array<[name: string, value: ExtraValue]>;
	callbackUrl?: string;
	/** What the item is estimated to cost (helpers/prices). */
	estimate: Estimate;
	cost: CostSettings;
	/** Checked now, read just before the create goes out, so memory holds only those in flight. */
	images: ImageReference[];
	imageUrls: string[];
	completion: CompletionRequest;
}

type Fail = (message: string, description?: string) => NodeOperationError;

type References = Pick<CreateRequest, 'images' | 'imageUrls'>;

/** The Reference Images of one item, checked by metadata; their count against the model. */
async function readReferences(
	ctx: IExecuteFunctions,
	itemIndex: number,
	{ model, route, source }: { model: string; route: VideoRoute; source: unknown },
	fail: Fail,
): Promise<References> {
	const none: References = { images: [], imageUrls: [] };
	if (source === 'none') {
		const problem = referenceProblem(model, 0);
		if (problem) throw fail(problem, 'Set Reference Images to From Binary Fields or From URLs.');
		return none;
	}
	const urls = source === 'urls' && route.images !== 'files';
	if (source !== 'binary' && !urls) {
		throw fail(
			`Reference Images: "${shorten(String(source), 60)}" is not a choice for ${model}`,
			route.images === 'files'
				? 'Use none or binary. Images go as files: fetch a picture first (for example with an HTTP Request node).'
				: 'Use none, binary or urls.',
		);
	}
	const label = urls ? 'Image URLs' : 'Binary Fields';
	const entries = urls
		? readTextList(ctx, itemIndex, 'imageUrls', label, /,/)
		: readTextList(ctx, itemIndex, 'imageBinaryProperties', label, /,/, 'data');
	if (entries.length === 0) {
		throw fail(
			'Reference Images: no image given',
			'Name at least one image, or set Reference Images to None.',
		);
	}
	const problem = referenceProblem(model, entries.length);
	if (problem) throw fail(problem);
	if (urls) return { images: [], imageUrls: entries.map((entry) => readUrl(entry, label, fail)) };
	const images: ImageReference[] = [];
	for (const field of entries) {
		const checked = await checkImage(ctx, itemIndex, field);
		if ('problem' in checked) throw fail(`Binary Fields: ${checked.problem}`, checked.hint);
		images.push(checked);
	}
	return { ...none, images };
}

/** The body fields the form sends itself on this route: Additional Fields may not replace them. */
function ownedFields(route: VideoRoute): Set<string> {
	return new Set([
		route.modelField,
		route.promptField,
		...FIELD_NAMES.map((name) => apiFieldOn(route, name, FIELDS[name].apiField)),
		...IMAGE_FIELDS[route.images],
		...(route.callbackField ? [route.callbackField] : []),
	]);
}

function readAdditionalFields(
	ctx: IExecuteFunctions,
	itemIndex: number,
	route: VideoRoute,
	fail: Fail,
): CreateRequest['extra'] {
	const given = ctx.getNodeParameter('additionalFields.field', itemIndex, []) as unknown;
	if (!Array.isArray(given)) throw fail('Additional Fields: the expression gave no list of fields');
	const owned = ownedFields(route);
	const seen = new Set<string>();
	return given.map((entry: IDataObject) => {
		const name = typeof entry?.name === 'string' ? entry.name.trim() : '';
		const nameProblem = extraNameProblem(name, owned);
		if (nameProblem) throw fail(`Additional Fields: ${nameProblem}`);
		if (seen.has(name)) throw fail(`Additional Fields: "${name}" is given twice`);
		seen.add(name);
		const result = extraValue(entry.value, route.encoding);
		if ('problem' in result) throw fail(`Additional Fields: "${name}" ${result.problem}`);
		return [name, result.value];
	});
}

/** The form's fields for the model, checked against its rules, as its route names and types them. */
function readFormFields(
	ctx: IExecuteFunctions,
	itemIndex: number,
	model: string,
	route: VideoRoute,
	fail: Fail,
): { fields: CreateRequest['fields']; sent: SentFields } {
	const rules = rulesOf(model);
	const fields: CreateRequest['fields'] = [];
	const sent: SentFields = {};
	for (const name of FIELD_NAMES) {
		const { label, apiField } = FIELDS[name];
		const rule = rules?.fields[name];
		// Mode and Negative Prompt are on the form only for models that take them.
		if (!rule && !FIELDS[name].unchecked) continue;
		const given = readText(ctx, itemIndex, name, label, { numbers: name === 'seconds' });
		const value = given || (rule?.alwaysSent ? rule.default : '');
		if (!value) continue;
		const problem = fieldProblem(model, name, value);
		if (problem) throw fail(problem);
		const numeric = route.numberFields?.includes(name);
		fields.push([apiFieldOn(route, name, apiField), numeric ? Number(value) : value]);
		sent[name] = value;
	}
	return { fields, sent };
}

/**
 * The body's fields besides the model and the images, in order, as the route names them: the
 * prompt, the form's fields, the callback, then Additional Fields. (Dry Run shows these too.)
 */
function bodyFields(request: CreateRequest): Array<[field: string, value: ExtraValue]> {
	const { route, callbackUrl } = request;
	return [
		[route.promptField, request.prompt],
		...request.fields,
		...(callbackUrl && route.callbackField
			? [[route.callbackField, callbackUrl] as [string, string]]
			: []),
		...request.extra,
	];
}

/** The body of one create, images read now: the request slot is free. */
async function createBody(
	ctx: IExecuteFunctions,
	itemIndex: number,
	request: CreateRequest,
): Promise<CreateBody> {
	const { route } = request;
	const images: ImageSource[] = [
		...(await Promise.all(
			request.images.map(async (image) => await readImage(ctx, itemIndex, image)),
		)),
		...request.imageUrls.map((url) => ({ url })),
	];
	const fields: Array<[string, ExtraValue]> = [
		[route.modelField, request.model],
		...bodyFields(request),
	];
	if (route.images === 'files') {
		return {
			parts: [
				...fields.map(([field, value]): MultipartPart => ({ field, value: String(value) })),
				...imageParts(images),
			],
		};
	}
	return { json: { ...Object.fromEntries(fields), ...imageJson(route.images, images) } };
}

/**
 * Where an item would send the key: a callback, an image URL or an additional field holding it
 * in any form is refused before anything is sent (the provider would see the key).
 */
function keyProblem(request: CreateRequest, redactor: Redactor): string | undefined {
	const holds = (value: unknown) => {
		const text = typeof value === 'string' ? value : JSON.stringify(value);
		return redactor.text(text) !== text;
	};
	if (request.callbackUrl && holds(request.callbackUrl)) return 'Callback URL';
	if (request.imageUrls.some(holds)) return 'Image URLs';
	const field = request.extra.find(([name, value]) => holds(name) || holds(value));
	return field ? `Additional Fields ("${redactor.text(field[0])}")` : undefined;
}

export const create: VideoOperation<CreateRequest> = {
	description,

	async prepare(ctx, itemIndex) {
		const fail: Fail = (message, details) =>
			new NodeOperationError(ctx.getNode(), message, { itemIndex, description: details });

		const model = readText(ctx, itemIndex, 'model', 'Model', { extractValue: true });
		if (!model) throw fail('Model: choose a model from the list, or enter its ID');
		const rules = rulesOf(model);
		const prompt = readPrompt(ctx, itemIndex, 'Describe the video to generate.', rules?.promptMax);
		const cost = readCostSettings(ctx, itemIndex);
		// The route follows the images: Kling has one route for text and one for images.
		const source = ctx.getNodeParameter('referenceImages', itemIndex, 'none') as unknown;
		const route = routeOf(model, source === 'none' ? 0 : 1);
		const { fields, sent } = readFormFields(ctx, itemIndex, model, route, fail);
		const references = await readReferences(ctx, itemIndex, { model, route, source }, fail);
		const callback = route.callbackField
			? readText(ctx, itemIndex, 'callbackUrl', 'Callback URL')
			: '';
		return {
			model,
			route,
			prompt,
			fields,
			extra: readAdditionalFields(ctx, itemIndex, route, fail),
			...(callback ? { callbackUrl: readUrl(callback, 'Callback URL', fail) } : {}),
			estimate: estimateCost(model, sent, cost.priceOverrides),
			cost,
			...references,
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
		const fail = (problem: { message: string; description: string }, itemIndex?: number) =>
			new NodeOperationError(run.ctx.getNode(), redactor.text(problem.message), {
				description: redactor.text(problem.description),
				itemIndex,
			});
		for (const item of ready) {
			const field = keyProblem(item, redactor);
			if (field) {
				throw fail(
					{
						message: `${field}: holds the API key (item ${item.itemIndex}); the node never sends the key in a request's body`,
						description: 'Remove the key from it. Nothing was sent.',
					},
					item.itemIndex,
				);
			}
		}
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
			return {
				json: {
					dryRun: true,
					route: request.route.key,
					request: `POST ${request.route.createPath}`,
					model: request.model,
					fields: Object.fromEntries(bodyFields(request)),
					imageCount: request.images.length + request.imageUrls.length,
					...estimate,
				},
				pairedItem: { item: itemIndex },
			};
		}
		const { job, serverDelayMs } = await createOnce(
			run,
			itemIndex,
			request.route.key,
			async () =>
				await run.api.createVideo(
					request.route,
					async () => await createBody(run.ctx, itemIndex, request),
					itemIndex,
				),
		);
		const done = await completeJob(run, job, request.completion, itemIndex, {
			serverDelayMs,
			createdNow: true,
		});
		return { ...done, json: { ...done.json, ...estimate } };
	},
};
