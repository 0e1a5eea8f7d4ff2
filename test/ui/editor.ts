/**
 * Drives the n8n 2.8.4 editor the way a person does: clicks, typing and what is visible on screen.
 *
 * Facts about the editor's DOM this relies on (found by reading 2.8.4's rendered pages):
 * - Owner setup (/setup) and sign-in (/signin) forms: inputs named email, firstName, lastName,
 *   password (sign-in: emailOrLdapLoginId, password); the submit button is
 *   [data-test-id=form-submit-button]. /signout signs out and lands on /signin.
 * - Nodes panel: [data-test-id=node-creator]; its search box is the <input> itself,
 *   input[data-test-id=node-creator-search-bar]; each row is [data-test-id=item-iterator-item]
 *   with its title in [data-test-id=node-creator-item-name]. It opens from the canvas "+"
 *   ([data-test-id=node-creator-plus-button]) and from a node's output handle "+"
 *   ([data-test-id=canvas-node-output-handle][data-node-name=…] [data-test-id=canvas-handle-plus],
 *   shown only while that output is unconnected). AI sub-node inputs (e.g. an agent's Tool)
 *   are [data-test-id=canvas-node-input-handle][data-connection-type=ai_tool].
 * - Canvas nodes: [data-test-id=canvas-node][data-node-name=…]; connections are
 *   [data-test-id=edge][data-source-node-name=…][data-target-node-name=…]. A double click opens the node
 *   details view (NDV), [data-test-id=ndv], closed by [data-test-id=ndv-close-button].
 * - Parameters: [data-test-id=parameter-input-<name>]; the Fixed/Expression switch is in
 *   [data-test-id=<name>-parameter-input-options-container] (shown on hover); an expression is
 *   edited in a CodeMirror .cm-content. Every options list is in the DOM at once, so only the
 *   visible [data-test-id=parameter-input-item] rows belong to the open dropdown.
 * - Resource locator parameters: [data-test-id=rlc-mode-selector] (an el-select offering
 *   "From list" — the editor's own wording, whatever the list mode's displayName — and "By ID"),
 *   [data-test-id=rlc-input]; the open list is rendered inside the parameter, one
 *   [data-test-id=rlc-item] per entry, under a search box [data-test-id=rlc-search]
 *   that takes the focus when the list opens (a click into it closes the list).
 * - Credentials: [data-test-id=node-credentials-select] offers
 *   [data-test-id=node-credentials-select-item-new] ("Create new credential"), which opens
 *   [data-test-id=editCredential-modal]. Save ([data-test-id=credential-save-button], reading
 *   "Saved" when done) also tests the connection; the result is a banner (.el-tag) saying
 *   "Connection tested successfully" or "Couldn't connect with these settings" with the
 *   reason (behind "More details" until clicked), and a Retry button that tests again (reading
 *   "Retrying" meanwhile). Text inputs are debounced: a value typed just before Save may not
 *   be saved yet, so typing is followed by a short pause.
 * - Output panel: [data-test-id=output-panel]; error runs show [data-test-id=node-error-message];
 *   binary items are [data-test-id=ndv-binary-data_<i>] with View ([data-test-id=ndv-view-binary-data])
 *   which opens a viewer holding a <video> for video/* data.
 */
import type { ElementHandle, Page } from 'puppeteer-core';

type Falsy = undefined | null | false | 0 | '';

/** DOM members read inside the page (this code is type-checked without the DOM library). */
export interface PageElement {
	innerText: string;
	value: string;
}

export interface PageVideo {
	currentTime: number;
	duration: number;
	readyState: number;
	videoWidth: number;
	error: { code: number } | null;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const byTestId = (id: string) => `[data-test-id="${id}"]`;
const NODE_CREATOR = byTestId('node-creator');
const SEARCH_BAR = `input${byTestId('node-creator-search-bar')}`;
const NDV = byTestId('ndv');
const CREDENTIAL_MODAL = byTestId('editCredential-modal');

export class Editor {
	constructor(
		readonly page: Page,
		readonly baseUrl: string,
	) {}

	async open(pathname: string): Promise<void> {
		await this.page.goto(`${this.baseUrl}${pathname}`, { waitUntil: 'networkidle2' });
	}

	pathname(): string {
		return new URL(this.page.url()).pathname;
	}

	async waitForPath(pattern: RegExp, timeoutMs = 20000): Promise<void> {
		await this.until(
			`the address to match ${pattern}`,
			() => pattern.test(this.pathname()),
			timeoutMs,
		);
	}

	/** Polls `check` until it returns a truthy value; fails saying what was awaited. */
	async until<T>(
		what: string,
		check: () => Promise<T | Falsy> | T | Falsy,
		timeoutMs = 15000,
	): Promise<T> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const value = await check();
			if (value) return value as T;
			if (Date.now() > deadline)
				throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
			await sleep(150);
		}
	}

	async visible(selector: string): Promise<ElementHandle | undefined> {
		for (const handle of await this.page.$$(selector)) {
			if (await handle.isVisible()) return handle;
		}
		return undefined;
	}

	async waitVisible(selector: string, timeoutMs = 15000): Promise<ElementHandle> {
		return this.until(`${selector} to be visible`, () => this.visible(selector), timeoutMs);
	}

	async click(selector: string): Promise<void> {
		await (await this.waitVisible(selector)).click();
	}

	/** Texts of the visible elements matching the selector, in page order. */
	async visibleTexts(selector: string): Promise<string[]> {
		return this.page.$$eval(selector, (elements) =>
			elements
				.filter((element) => element.checkVisibility())
				.map((element) => (element as unknown as PageElement).innerText.trim()),
		);
	}

	async clickText(selector: string, text: string | RegExp): Promise<void> {
		const matches = (value: string) =>
			typeof text === 'string' ? value === text : text.test(value);
		const handle = await this.until(`"${text}" in ${selector}`, async () => {
			for (const candidate of await this.page.$$(selector)) {
				const value = await candidate.evaluate((e) =>
					(e as unknown as PageElement).innerText.trim(),
				);
				if (matches(value) && (await candidate.isVisible())) return candidate;
			}
			return undefined;
		});
		await this.untilStill(handle);
		await handle.click();
	}

	/** Waits until an element stops moving: a dropdown that is still opening moves its rows, and a
	 * click at a row's old place lands beside it. */
	async untilStill(handle: ElementHandle): Promise<void> {
		let last = '';
		await this.until('the element to stop moving', async () => {
			const box = JSON.stringify(await handle.boundingBox());
			const still = box === last;
			last = box;
			return still;
		});
	}

	async typeInto(selector: string, text: string): Promise<void> {
		// Panels slide in: an input found mid-transition may not take the click yet.
		const input = await this.until(`${selector} to take a click`, async () => {
			const candidate = await this.visible(selector);
			return (
				candidate &&
				(await candidate.click({ count: 3 }).then(
					() => candidate,
					() => undefined,
				))
			);
		});
		await this.page.keyboard.press('Backspace');
		await input.type(text);
		// Parameter inputs are debounced: let the value reach n8n's store before the next action.
		await sleep(400);
	}

	// ---- sign-up and sign-in ----

	async fillForm(
		fields: Record<string, string>,
		beforeSubmit?: () => Promise<void>,
	): Promise<void> {
		for (const [name, value] of Object.entries(fields))
			await this.typeInto(`input[name="${name}"]`, value);
		await beforeSubmit?.();
		await this.click(byTestId('form-submit-button'));
	}

	// ---- nodes panel ----

	async openNodesPanelFromPlusButton(): Promise<void> {
		if (await this.visible(NODE_CREATOR)) await this.closeNodesPanel();
		await this.openNodesPanelWith(byTestId('node-creator-plus-button'));
	}

	async openNodesPanelAfter(nodeName: string): Promise<void> {
		await this.openNodesPanelWith(
			`${byTestId('canvas-node-output-handle')}[data-node-name="${nodeName}"] ${byTestId('canvas-handle-plus')}`,
		);
	}

	async openNodesPanelForInput(nodeName: string, connectionType: string): Promise<void> {
		await this.openNodesPanelWith(
			`${byTestId('canvas-node-input-handle')}[data-node-name="${nodeName}"][data-connection-type="${connectionType}"] ${byTestId('canvas-handle-plus')}`,
		);
	}

	/** Clicks until the panel opens: a click during the canvas's own transitions can be lost. */
	private async openNodesPanelWith(button: string): Promise<void> {
		await this.until(`the nodes panel to open from ${button}`, async () => {
			await this.click(button);
			for (let i = 0; i < 10; i++) {
				if (await this.visible(SEARCH_BAR)) return true;
				await sleep(200);
			}
			return false;
		});
		// Let the panel finish sliding in before typing into it.
		await sleep(300);
	}

	async nodesPanelHeader(): Promise<string> {
		const [header] = await this.visibleTexts(`${NODE_CREATOR} ${byTestId('nodes-list-header')}`);
		return (header ?? '').replace(/\s+/g, ' ');
	}

	/** Names the nodes panel lists right now, top to bottom. */
	async nodesPanelItems(): Promise<string[]> {
		return this.visibleTexts(`${NODE_CREATOR} ${byTestId('node-creator-item-name')}`);
	}

	/** Types a search into the nodes panel and returns what it lists once the list settles. */
	async searchNodes(term: string): Promise<string[]> {
		await this.typeInto(SEARCH_BAR, term);
		let previous = '';
		return this.until(`the search "${term}" to settle`, async () => {
			const items = await this.nodesPanelItems();
			const key = items.join('\n');
			const settled = key === previous;
			previous = key;
			return settled ? items : undefined;
		});
	}

	async clickNodesPanelItem(name: string): Promise<void> {
		await this.clickText(
			`${NODE_CREATOR} ${byTestId('item-iterator-item')} ${byTestId('node-creator-item-name')}`,
			name,
		);
		await sleep(400);
	}

	async closeNodesPanel(): Promise<void> {
		await this.page.keyboard.press('Escape');
		await this.until('the nodes panel to close', async () => !(await this.visible(NODE_CREATOR)));
	}

	// ---- canvas and node details view ----

	async canvasNodeNames(): Promise<string[]> {
		return this.page.$$eval(byTestId('canvas-node'), (nodes) =>
			nodes.map((node) => node.getAttribute('data-node-name') ?? ''),
		);
	}

	/** Whether the canvas draws a connection from one node to another. */
	async isConnected(source: string, target: string): Promise<boolean> {
		const edge = `${byTestId('edge')}[data-source-node-name="${source}"][data-target-node-name="${target}"]`;
		return (await this.page.$(edge)) !== null;
	}

	async openNode(name: string): Promise<void> {
		const node = await this.waitVisible(`${byTestId('canvas-node')}[data-node-name="${name}"]`);
		await node.click({ count: 2 });
		await this.waitVisible(NDV);
	}

	async closeNode(): Promise<void> {
		await this.click(byTestId('ndv-close-button'));
		await this.until('the node view to close', async () => !(await this.visible(NDV)));
	}

	parameter(name: string): string {
		return byTestId(`parameter-input-${name}`);
	}

	async hasParameter(name: string): Promise<boolean> {
		return (await this.visible(this.parameter(name))) !== undefined;
	}

	/** The entries of an options parameter's dropdown (opened, read, `whileOpen`, closed again). */
	async optionsOf(name: string, whileOpen?: () => Promise<void>): Promise<string[]> {
		await this.click(this.parameter(name));
		const rows = byTestId('parameter-input-item');
		const options = await this.until(`the ${name} list to open`, async () => {
			const texts = await this.visibleTexts(rows);
			return texts.length ? texts : undefined;
		});
		await whileOpen?.();
		await this.page.keyboard.press('Escape');
		await this.until(`the ${name} list to close`, async () => !(await this.visible(rows)));
		return options.map((option) => option.split('\n')[0]);
	}

	async chooseOption(name: string, option: string | RegExp): Promise<void> {
		const rows = byTestId('parameter-input-item');
		const closed = async () => !(await this.visible(rows));
		await this.click(this.parameter(name));
		await this.clickText(rows, option);
		// A click the opening list swallowed leaves it open: choose once more rather than fail.
		await this.until(`the ${name} list to close`, closed, 3000).catch(() =>
			this.clickText(rows, option),
		);
		await this.until(`the ${name} list to close`, closed);
		await sleep(300);
	}

	/** Switches a parameter to an expression and types it (CodeMirror closes "{{" itself). */
	async setExpression(name: string, typed: string): Promise<string> {
		await this.page.hover(this.parameter(name));
		await this.click(
			`${byTestId(`${name}-parameter-input-options-container`)} ${byTestId('radio-button-expression')}`,
		);
		const editor = await this.waitVisible(`${this.parameter(name)} .cm-content`);
		await editor.click();
		await this.page.keyboard.down('Control');
		await this.page.keyboard.press('a');
		await this.page.keyboard.up('Control');
		await this.page.keyboard.press('Backspace');
		await this.page.keyboard.type(typed);
		await sleep(400);
		return editor.evaluate((e) => e.textContent ?? '');
	}

	// ---- resource locator ----

	async isResourceLocator(name: string): Promise<boolean> {
		return (await this.page.$(`${this.parameter(name)} ${byTestId('rlc-input')}`)) !== null;
	}

	async chooseLocatorMode(name: string, mode: string | RegExp): Promise<void> {
		await this.click(`${this.parameter(name)} ${byTestId('rlc-mode-selector')}`);
		await this.clickText('.el-select-dropdown__item', mode);
		await sleep(300);
	}

	async typeLocatorValue(name: string, value: string): Promise<void> {
		await this.typeInto(
			`${this.parameter(name)} ${byTestId('rlc-input')} input, ${this.parameter(name)} input${byTestId('rlc-input')}`,
			value,
		);
		await this.page.keyboard.press('Tab');
		await sleep(300);
	}

	/** Opens a resource locator's list and returns its entries once they have loaded. */
	async openLocatorList(name: string): Promise<string[]> {
		await this.click(`${this.parameter(name)} ${byTestId('rlc-input')}`);
		const items = `${this.parameter(name)} ${byTestId('rlc-item')}`;
		const texts = await this.until(
			`the ${name} list to load`,
			async () => {
				const visible = await this.visibleTexts(items);
				return visible.length ? visible : undefined;
			},
			20000,
		);
		// The list fades in over the form: wait for it to settle, so a screenshot shows it whole.
		await this.untilStill(await this.waitVisible(items));
		await sleep(400);
		return texts;
	}

	/** Scrolls an open resource locator list so that its entry `index` is the first shown. */
	async scrollLocatorListTo(name: string, index: number): Promise<void> {
		const entries = await this.page.$$(`${this.parameter(name)} ${byTestId('rlc-item')}`);
		await entries[index]?.evaluate((entry) =>
			(entry as unknown as { scrollIntoView(options: object): void }).scrollIntoView({
				block: 'start',
			}),
		);
		await sleep(300);
	}

	/**
	 * Types into the list's search box and returns the entries once they all match the text. The
	 * box has the focus when the list opens; a click into it would close the list.
	 */
	async searchLocatorList(name: string, text: string): Promise<string[]> {
		const search = `${this.parameter(name)} input${byTestId('rlc-search')}`;
		if (!(await this.visible(search))) await this.openLocatorList(name);
		await this.until('the list search box to have the focus', async () => {
			const box = await this.page.$(search);
			return box?.evaluate((element) => element === element.ownerDocument.activeElement);
		});
		await this.page.keyboard.down('Control');
		await this.page.keyboard.press('a');
		await this.page.keyboard.up('Control');
		await this.page.keyboard.type(text);
		const items = `${this.parameter(name)} ${byTestId('rlc-item')}`;
		let previous = '';
		return this.until(
			`the ${name} list for "${text}"`,
			async () => {
				const texts = await this.visibleTexts(items);
				const key = texts.join('\n');
				const matching = texts.every((t) => t.toLowerCase().includes(text.toLowerCase()));
				const settled = texts.length > 0 && matching && key === previous;
				previous = key;
				return settled ? texts : undefined;
			},
			20000,
		);
	}

	// ---- credentials ----

	credentialModal(inner = ''): string {
		return `${CREDENTIAL_MODAL} ${inner}`.trim();
	}

	async openNewCredential(): Promise<void> {
		await this.click(byTestId('node-credentials-select'));
		await this.click(byTestId('node-credentials-select-item-new'));
		await this.waitVisible(CREDENTIAL_MODAL);
	}

	/**
	 * Waits for the connection test's banner (an .el-tag in the modal; the success one is
	 * [data-test-id=credentials-config-container-test-success]) and returns its text, with the
	 * reason of a failure ("More details") expanded.
	 */
	async credentialTestResult(): Promise<string> {
		const banner = this.credentialModal('.el-tag');
		const text = await this.until(
			'the connection test result',
			async () =>
				(await this.visibleTexts(banner)).find((t) =>
					/Connection tested successfully|Couldn.t connect/i.test(t),
				),
			20000,
		);
		if (/More details/.test(text)) {
			await this.clickText(this.credentialModal('.el-tag a, .el-tag span'), 'More details');
			const expanded = await this.until('the failure details', async () =>
				(await this.visibleTexts(banner)).find(
					(t) => /Couldn.t connect/i.test(t) && !/More details/.test(t),
				),
			);
			return expanded.replace(/\s+/g, ' ');
		}
		return text.replace(/\s+/g, ' ');
	}

	/** Save, which also tests the connection: done once the button reads "Saved". */
	async saveCredential(): Promise<string> {
		const save = this.credentialModal(byTestId('credential-save-button'));
		await this.click(save);
		await this.until(
			'the credential to be saved',
			async () => (await this.visibleTexts(save))[0] === 'Saved',
			20000,
		);
		return this.credentialTestResult();
	}

	/** The banner's Retry tests again; while it runs the button reads "Retrying". */
	async retestCredential(): Promise<string> {
		await this.clickText(this.credentialModal('.el-tag button'), 'Retry');
		await sleep(100);
		await this.until(
			'the test to finish',
			async () =>
				!(await this.visibleTexts(this.credentialModal('.el-tag button'))).includes('Retrying'),
			20000,
		);
		return this.credentialTestResult();
	}

	async closeCredentialModal(): Promise<void> {
		await this.click(this.credentialModal('.el-dialog__headerbtn'));
		await this.until(
			'the credential modal to close',
			async () => !(await this.visible(CREDENTIAL_MODAL)),
		);
	}

	// ---- running ----

	async outputPanelText(): Promise<string> {
		const [text] = await this.visibleTexts(byTestId('output-panel'));
		return text ?? '';
	}
}

export { byTestId };
