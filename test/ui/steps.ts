/**
 * The walk `npm run test:ui` takes through the n8n editor, one step per claim. A step reads
 * what the page shows, logs it, saves a screenshot at the moment that proves it (`shot`), and
 * throws when the page shows something else. It returns its one-line verdict, or
 * `{ skipped: reason }` when the build lacks what it tests.
 */
import { byTestId, type Editor, type PageElement, type PageVideo } from './editor';

export const NODE_NAME = 'Comet Video';
const TRIGGER_NAME = 'When clicking ‘Execute workflow’';
const OWNER = {
	email: 'owner@example.com',
	firstName: 'Ada',
	lastName: 'Owner',
	password: 'UiTest-Passw0rd',
};
/** What a person might type to find the node; "video" last so the screenshot shows that list. */
const SEARCHES = [
	'Comet Video',
	'comet',
	'CometAPI',
	'Sora',
	'Veo',
	'text to video',
	'image to video',
	'video',
];
const OPERATIONS = [
	{ name: 'Create', shows: ['model', 'prompt'] },
	{ name: 'Retrieve', shows: ['videoId'] },
	{ name: 'Download', shows: ['videoId'] },
	{ name: 'Remix', shows: ['videoId', 'prompt'] },
	{ name: 'Get Balance', shows: [] },
];
const MODEL_FAMILIES = [
	{
		model: 'sora-2-pro',
		sizes: [/720x1280/, /1280x720/, /1024x1792/, /1792x1024/],
		notSizes: [/1080p/, /4K/],
		seconds: ['4', '8', '12', '16', '20'],
	},
	{
		model: 'veo3.1-fast',
		sizes: [/720p/, /1080p/, /4K/],
		notSizes: [/1024x1792/, /1792x1024/, /^16:9/],
		seconds: ['4', '6', '8'],
	},
	{
		model: 'doubao-seedance-2-0',
		sizes: [/^16:9 \(ratio\)/, /^9:16 \(ratio\)/, /^21:9 \(ratio\)/, /^1920x1080/],
		notSizes: [/4K/, /1792x1024/],
		seconds: Array.from({ length: 12 }, (_, i) => String(4 + i)),
		docs: { name: 'seedance-form', selector: byTestId('node-parameters'), maxHeight: 480 },
	},
];
/** A model on Kling's own route: its fields by input name, the labels read, and fields it lacks. */
const KLING = {
	model: 'kling-v2-6',
	shows: ['seconds', 'aspectRatio', 'mode', 'negativePrompt', 'callbackUrl'],
	labels: [
		'Duration (Seconds)',
		'Aspect Ratio',
		'Mode',
		'Negative Prompt',
		'Callback URL',
		'Additional Fields (Sent As Is)',
	],
	hides: ['size', 'resolution'],
};
/** Families the Model list must show side by side, matched on the entries' text. */
const LISTED_FAMILIES = [/veo/, /seedance/, /wan/, /vidu/, /happyhorse/, /omni/];

export type Outcome = string | { skipped: string };

/** A README screenshot: the element's box, cut at `maxHeight` px, saved as docs/images/<name>.png. */
export interface DocsShot {
	name: string;
	selector: string;
	maxHeight?: number;
}

export interface StepTools {
	log: (line: string) => void;
	/** Saves a screenshot now; with `docs` (and UI_UPDATE_DOCS=1), also a small copy for the README. */
	shot: (label: string, docs?: DocsShot) => Promise<void>;
}

export interface Step {
	name: string;
	run: (tools: StepTools) => Promise<Outcome>;
}

export interface WalkContext {
	editor: Editor;
	simulator: {
		url: string;
		apiKey: string;
		fault: (route: 'models', spec: { status: number; times: number }) => unknown;
	};
	/** The model ids the simulator's GET /v1/models lists that the node can drive. */
	videoModels: string[];
	/** Console errors of the page since a mark: its own, and failed loads from other hosts. */
	consoleMark: () => number;
	errorsSince: (mark: number) => { own: string[]; offline: string[] };
}

/** "Veo 3.1 Fast" and "veo3.1-fast" both give veo31fast. */
function modelKey(text: string) {
	return text.toLowerCase().replace(/[^a-z0-9]/g, '');
}

function describeList(items: string[]) {
	const shown = items.slice(0, 8).join(', ');
	return items.length > 8 ? `${shown}, … (${items.length} in all)` : shown || '(nothing)';
}

export function walk({
	editor,
	simulator,
	videoModels,
	consoleMark,
	errorsSince,
}: WalkContext): Step[] {
	const page = editor.page;

	/** Runs every search in the open nodes panel; fails naming the searches that missed the node. */
	async function searchAll({ log, shot }: StepTools, docs?: DocsShot) {
		log(`panel: "${await editor.nodesPanelHeader()}"`);
		const misses: string[] = [];
		for (const term of SEARCHES) {
			const items = await editor.searchNodes(term);
			const rank = items.indexOf(NODE_NAME) + 1;
			log(
				`"${term}" -> ${rank ? `${NODE_NAME} #${rank}` : `NO ${NODE_NAME}`}: ${describeList(items)}`,
			);
			if (!rank) misses.push(term);
		}
		await shot(`search-${SEARCHES[SEARCHES.length - 1]}`, docs);
		if (misses.length)
			throw new Error(`${NODE_NAME} missing from the search(es): ${misses.join(', ')}`);
		return `${NODE_NAME} listed for all ${SEARCHES.length} searches`;
	}

	/** Chooses a model by typing its id, as a person does with the picker's By ID mode. */
	async function chooseModelById(id: string) {
		await editor.chooseLocatorMode('model', /By ID/i);
		await editor.typeLocatorValue('model', id);
	}

	return [
		{
			name: 'first start: owner sign-up',
			run: async ({ shot }) => {
				await editor.open('/');
				await editor.waitForPath(/^\/setup/);
				await editor.fillForm(OWNER, () => shot('form'));
				await editor.waitForPath(/^\/home/);
				await editor.waitVisible(byTestId('universal-add'));
				await shot('signed-in');
				return `/setup created the owner ${OWNER.email}, landed on ${editor.pathname()}`;
			},
		},
		{
			name: 'sign-in',
			run: async ({ shot }) => {
				await editor.open('/signout');
				await editor.waitForPath(/^\/signin/);
				await editor.fillForm({ emailOrLdapLoginId: OWNER.email, password: OWNER.password }, () =>
					shot('form'),
				);
				await editor.waitForPath(/^\/home/);
				await editor.waitVisible(byTestId('universal-add'));
				await shot('signed-in');
				return `signed out, signed in again as ${OWNER.email}, landed on ${editor.pathname()}`;
			},
		},
		{
			name: 'nodes panel: search from the "+" button of an empty workflow, add a Manual Trigger',
			run: async (tools) => {
				await editor.open('/workflow/new');
				await editor.openNodesPanelFromPlusButton();
				// The trigger is added even when a search missed, so that the later steps still run.
				const searched = await searchAll(tools).catch((error: Error) => error);
				await editor.searchNodes('manual');
				await editor.clickNodesPanelItem('Manual Trigger');
				await editor.until('the trigger on the canvas', async () =>
					(await editor.canvasNodeNames()).includes(TRIGGER_NAME),
				);
				await tools.shot('trigger-added');
				if (searched instanceof Error) throw searched;
				return `${searched}; Manual Trigger added`;
			},
		},
		{
			name: 'nodes panel: search after a trigger, add Comet Video after the Manual Trigger',
			run: async (tools) => {
				await editor.openNodesPanelAfter(TRIGGER_NAME);
				const found = await searchAll(tools, {
					name: 'nodes-panel-search',
					selector: byTestId('node-creator'),
					maxHeight: 330,
				});
				await editor.searchNodes('Comet Video');
				await editor.clickNodesPanelItem(NODE_NAME);
				tools.log(`actions offered: ${(await editor.nodesPanelItems()).join(', ')}`);
				await editor.clickNodesPanelItem('Create a video');
				await editor.waitVisible(byTestId('ndv'));
				await tools.shot('added');
				if (!(await editor.isConnected(TRIGGER_NAME, NODE_NAME)))
					throw new Error(`the canvas shows no connection from the trigger to ${NODE_NAME}`);
				return `${found}; added with "Create a video", connected after the Manual Trigger`;
			},
		},
		{
			name: 'credential modal: Comet Video API against the simulator, bad key then good key',
			run: async ({ log, shot }) => {
				await editor.openNewCredential();
				const title = (
					(await editor.visibleTexts(editor.credentialModal('.el-dialog__header')))[0] ?? ''
				).replace(/\s+/g, ' ');
				log(`modal: ${title}`);
				if (!/Comet Video API/.test(title))
					throw new Error('the modal is not for "Comet Video API"');
				const apiKey = editor.credentialModal(`${editor.parameter('apiKey')} input`);
				await editor.typeInto(apiKey, 'sk-not-the-right-key');
				await editor.typeInto(
					editor.credentialModal(`${editor.parameter('baseUrl')} input`),
					simulator.url,
				);
				const failure = await editor.saveCredential();
				log(`bad key, on save: ${failure}`);
				await shot('bad-key');
				if (!/Couldn.t connect/.test(failure) || !/Authorization failed/.test(failure))
					throw new Error(`a bad key did not give a clear failure: ${failure}`);
				await editor.typeInto(apiKey, simulator.apiKey);
				const saved = await editor.saveCredential();
				log(`good key, on save: ${saved}`);
				const retested = await editor.retestCredential();
				log(`good key, Retry (tests again): ${retested}`);
				await shot('good-key');
				if (![saved, retested].every((text) => /Connection tested successfully/.test(text)))
					throw new Error('the good key was not "Connection tested successfully"');
				await editor.closeCredentialModal();
				return '"Connection tested successfully" with the simulator\'s key; a bad key says "Authorization failed"';
			},
		},
		{
			name: 'parameters: Sora, Veo and Seedance models show their own sizes and durations',
			run: async ({ log, shot }) => {
				for (const family of MODEL_FAMILIES) {
					await chooseModelById(family.model);
					if ('docs' in family) await shot(`${family.model}-form`, family.docs);
					const sizes = await editor.optionsOf('size', () => shot(`${family.model}-sizes`));
					const durations = await editor.optionsOf('seconds', () =>
						shot(`${family.model}-durations`),
					);
					log(`${family.model}: Size = ${sizes.join(' | ')}; Duration = ${durations.join(' | ')}`);
					const missing = family.sizes.filter((p) => !sizes.some((s) => p.test(s)));
					const foreign = family.notSizes.filter((p) => sizes.some((s) => p.test(s)));
					if (missing.length || foreign.length)
						throw new Error(
							`${family.model}: sizes missing ${missing.join(', ') || 'none'}, of the other family ${foreign.join(', ') || 'none'}`,
						);
					const offered = durations.flatMap((d) => /^(\d+)/.exec(d)?.[1] ?? []);
					if (offered.join(',') !== family.seconds.join(','))
						throw new Error(
							`${family.model}: durations ${offered.join(',')} instead of ${family.seconds.join(',')}`,
						);
				}
				return 'Sora: its 4 sizes, 4 to 20 s; Veo: 720p/1080p/4K, 4/6/8 s; Seedance: ratio presets and sizes, 4 to 15 s';
			},
		},
		{
			name: "parameters: a Kling model shows Kling's fields (Callback URL, Additional Fields), no Size",
			run: async ({ log, shot }) => {
				const previous = MODEL_FAMILIES[MODEL_FAMILIES.length - 1].model;
				await chooseModelById(KLING.model);
				const panelText = async () =>
					(await editor.visibleTexts(byTestId('node-parameters'))).join('\n');
				// The labels render after the locator's value settles.
				const text = await editor
					.until('the Kling fields', async () => {
						const shown = await panelText();
						return KLING.labels.every((label) => shown.includes(label)) ? shown : undefined;
					})
					.catch(async () => panelText());
				const present: string[] = [];
				for (const name of KLING.shows) if (await editor.hasParameter(name)) present.push(name);
				const labels = KLING.labels.filter((label) => text.includes(label));
				const foreign: string[] = [];
				for (const name of KLING.hides) if (await editor.hasParameter(name)) foreign.push(name);
				const durations = await editor.optionsOf('seconds');
				log(
					`${KLING.model}: inputs ${present.join(', ')}; labels ${labels.join(', ')}; Duration = ${durations.join(' | ')}; hidden: ${KLING.hides.filter((n) => !foreign.includes(n)).join(', ')}`,
				);
				await shot(`${KLING.model}-form`);
				// Callback URL is already in view: bring it to the top, so Additional Fields shows below it.
				const callback = await editor.visible(editor.parameter('callbackUrl'));
				await callback?.evaluate((e) =>
					(e as unknown as { scrollIntoView(options: object): void }).scrollIntoView({
						block: 'start',
					}),
				);
				await shot(`${KLING.model}-callback-and-additional-fields`);
				const missing = [
					...KLING.shows.filter((name) => !present.includes(name)),
					...KLING.labels.filter((label) => !labels.includes(label)),
				];
				if (missing.length || foreign.length)
					throw new Error(
						`${KLING.model}: missing ${missing.join(', ') || 'none'}; shown but not Kling's: ${foreign.join(', ') || 'none'}`,
					);
				const offered = durations.flatMap((d) => /^(\d+)/.exec(d)?.[1] ?? []);
				if (offered.join(',') !== '5,10')
					throw new Error(`${KLING.model}: durations ${offered.join(',')} instead of 5,10`);
				await chooseModelById(previous);
				return `${KLING.model}: ${KLING.labels.join(', ')} shown (5 or 10 s), no Size`;
			},
		},
		{
			name: 'parameters: Reference Images "From Binary Fields" shows the field input',
			run: async ({ log, shot }) => {
				if (await editor.hasParameter('imageBinaryProperties'))
					throw new Error('the field input shows before "From Binary Fields" is chosen');
				await editor.chooseOption('referenceImages', /^From Binary Fields/);
				const field = await editor.waitVisible(
					`${editor.parameter('imageBinaryProperties')} input`,
				);
				const value = await field.evaluate((e) => (e as unknown as PageElement).value);
				log(`Binary Fields input shown, value "${value}"`);
				await field.scrollIntoView();
				await shot('binary-fields');
				await editor.chooseOption('referenceImages', /^None/);
				if (await editor.hasParameter('imageBinaryProperties'))
					throw new Error('the field input stays after going back to None');
				return `"Binary Fields" (default "${value}") shows with "From Binary Fields" and hides with None`;
			},
		},
		{
			name: "parameters: the model list opens and lists the simulator's video models of every family",
			run: async ({ log, shot }) => {
				if (!(await editor.isResourceLocator('model')))
					throw new Error('Model is not a resource locator (no From List / By ID picker)');
				await editor.chooseLocatorMode('model', /From list/i);
				const items = await editor.openLocatorList('model');
				log(`From List: ${items.join(' | ')}`);
				// The README's copy shows the list's middle, where several families meet.
				await editor.scrollLocatorListTo('model', Math.floor(items.length / 2) - 2);
				await shot('open', {
					name: 'model-list',
					selector: byTestId('node-parameters'),
					maxHeight: 480,
				});
				const keys = items.map(modelKey);
				const missing = videoModels.filter((id) => !keys.some((k) => k.includes(modelKey(id))));
				if (missing.length) throw new Error(`the list lacks ${missing.join(', ')}`);
				const families = LISTED_FAMILIES.filter((f) => keys.some((k) => f.test(k)));
				log(`families listed: ${families.map((f) => f.source).join(', ')}`);
				if (families.length < LISTED_FAMILIES.length)
					throw new Error(
						`the list shows only ${families.map((f) => f.source).join(', ') || 'no family'}`,
					);
				if (items.some((item) => /built-in/.test(item)))
					throw new Error('the list shows the built-in fallback although GET /v1/models works');
				// When GET /v1/models fails the list falls back to the built-in aliases and says so.
				// A new search is a new request (the editor caches results per search text).
				simulator.fault('models', { status: 500, times: 4 });
				const fallback = await editor.searchLocatorList('model', 'veo');
				log(`From List, search "veo" while GET /v1/models answers 500: ${fallback.join(' | ')}`);
				await shot('fallback');
				await page.keyboard.press('Escape');
				if (!fallback.length || !fallback.every((item) => /built-in/.test(item)))
					throw new Error('the fallback list does not say its entries are built-in');
				return `all ${videoModels.length} simulator video models listed (${LISTED_FAMILIES.length} families); on a failed models call the built-in aliases, marked "built-in"`;
			},
		},
		{
			name: 'Execute step: the Binary tab shows video/mp4 and the viewer plays it',
			run: async ({ log, shot }) => {
				await chooseModelById('veo3.1-fast');
				await editor.typeInto(
					`${editor.parameter('prompt')} textarea`,
					'A paper boat drifting down a rainy street',
				);
				await editor.click(byTestId('node-execute-button'));
				const card = await editor.waitVisible(
					`${byTestId('output-panel')} ${byTestId('ndv-binary-data_0')}`,
					60000,
				);
				const cardText = (
					await card.evaluate((e) => (e as unknown as PageElement).innerText)
				).replace(/\s+/g, ' ');
				log(`Binary tab: ${cardText}`);
				await shot('binary-tab');
				if (!/Mime Type: video\/mp4/.test(cardText))
					throw new Error('the binary data is not video/mp4');
				await editor.click(byTestId('ndv-view-binary-data'));
				const video = await editor.waitVisible(`${byTestId('output-panel')} video`);
				const metadata = await editor.until(
					'the video to load its metadata',
					() =>
						video.evaluate((v) => {
							const element = v as unknown as PageVideo;
							if (element.error) return { error: element.error.code, duration: 0, width: 0 };
							return element.readyState >= 1
								? { error: 0, duration: element.duration, width: element.videoWidth }
								: undefined;
						}),
					20000,
				);
				if (metadata.error)
					throw new Error(`the <video> element reports MediaError code ${metadata.error}`);
				// n8n's viewer is a <video controls autoplay>: it starts by itself (a click would pause it).
				const playedTo = await editor.until('the video to play', () =>
					video.evaluate((v) => {
						const time = (v as unknown as PageVideo).currentTime;
						return time > 0.5 ? time : 0;
					}),
				);
				log(
					`<video>: duration ${metadata.duration} s, ${metadata.width} px wide, played to ${playedTo.toFixed(1)} s`,
				);
				await shot('playing', {
					name: 'binary-video',
					selector: byTestId('output-panel'),
					maxHeight: 420,
				});
				if (!(metadata.duration > 0))
					throw new Error(`the video's duration is ${metadata.duration}`);
				return `video/mp4, ${metadata.duration} s long, plays in the viewer`;
			},
		},
		{
			name: "bad input: an empty prompt from an expression shows the node's error in the panel",
			run: async ({ log, shot }) => {
				const expression = await editor.setExpression('prompt', '{{ $json.prompt');
				log(`Prompt expression: ${expression} (the Manual Trigger's item has no prompt)`);
				await editor.click(byTestId('node-execute-button'));
				const message = await editor.until(
					'the error message',
					async () =>
						(
							await editor.visibleTexts(
								`${byTestId('output-panel')} ${byTestId('node-error-message')}`,
							)
						)[0],
				);
				const [description] = await editor.visibleTexts(byTestId('node-error-description'));
				log(`output panel: "${message}" / "${description ?? ''}"`);
				await shot('error');
				if (message !== 'Prompt: the prompt is empty')
					throw new Error(`unexpected error text "${message}"`);
				return `the panel shows "${message}"`;
			},
		},
		{
			name: "every operation's panel opens without errors in the browser console",
			run: async ({ log, shot }) => {
				const mark = consoleMark();
				for (const operation of OPERATIONS) {
					await editor.chooseOption('operation', new RegExp(`^${operation.name}`));
					const missing: string[] = [];
					for (const name of operation.shows)
						if (!(await editor.hasParameter(name))) missing.push(name);
					await shot(operation.name.toLowerCase());
					log(
						`${operation.name}: ${missing.length ? `MISSING ${missing.join(', ')}` : `shows ${operation.shows.join(', ')}`}`,
					);
					if (missing.length) throw new Error(`${operation.name} lacks ${missing.join(', ')}`);
				}
				const { own, offline } = errorsSince(mark);
				if (offline.length) log(`not counted (other hosts, offline): ${offline.join('; ')}`);
				if (own.length) throw new Error(`console errors: ${own.join(' | ')}`);
				return `${OPERATIONS.map((o) => o.name).join(', ')} opened with no console errors`;
			},
		},
		{
			name: 'nodes panel: search after another node (after Comet Video)',
			run: async (tools) => {
				await editor.closeNode();
				await editor.openNodesPanelAfter(NODE_NAME);
				const found = await searchAll(tools);
				await editor.closeNodesPanel();
				return found;
			},
		},
		{
			name: 'nodes panel: the "+" button of a workflow with nodes; browsing the AI category',
			run: async (tools) => {
				await editor.openNodesPanelFromPlusButton();
				const found = await searchAll(tools);
				await editor.searchNodes('');
				await editor.clickNodesPanelItem('AI');
				const listed = await editor.nodesPanelItems();
				tools.log(`AI category: ${describeList(listed)}`);
				await tools.shot('ai-category');
				await editor.closeNodesPanel();
				if (!listed.includes(NODE_NAME))
					throw new Error(`the AI category does not list ${NODE_NAME}`);
				const peers = listed.filter((name) => /OpenAI|Gemini/.test(name));
				return `${found}; the AI category lists it next to ${peers.join(' and ')}`;
			},
		},
		{
			name: 'AI Agent tools list the tool variant',
			run: async ({ log, shot }) => {
				await editor.openNodesPanelFromPlusButton();
				await editor.searchNodes('AI Agent');
				await editor.clickNodesPanelItem('AI Agent');
				await editor.until('the agent on the canvas', async () =>
					(await editor.canvasNodeNames()).includes('AI Agent'),
				);
				if (await editor.visible(byTestId('ndv'))) await editor.closeNode();
				await editor.openNodesPanelForInput('AI Agent', 'ai_tool');
				log(`panel: "${await editor.nodesPanelHeader()}"`);
				const items = await editor.searchNodes('comet');
				log(`"comet" -> ${describeList(items)}`);
				await shot('tools');
				if (!items.some((name) => /^Comet Video Tool/.test(name)))
					throw new Error('the agent\'s tools do not list "Comet Video Tool"');
				return '"Comet Video Tool" offered among the AI Agent\'s tools';
			},
		},
	];
}
