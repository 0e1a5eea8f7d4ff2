/**
 * The family table itself: every pattern compiles as n8n's display rules compile it (no flags)
 * and claims its own ids and no other's; delivery, the built-in list and the Model list's names.
 */
import {
	ALL_RULES,
	BUILT_IN_MODELS,
	DEFAULT_MODEL,
	deliveryOf,
	describeModel,
	FAMILIES,
	familyOf,
	rulesOf,
} from '../../dist/nodes/CometVideo/helpers/families';

const documentedIds = ALL_RULES.flatMap((rules) => rules.models.map((model) => model.id));

describe('patterns', () => {
	const patterns = [
		...FAMILIES.map((family) => family.pattern),
		...ALL_RULES.map((rule) => rule.pattern),
	];

	test.each(patterns)('%s is anchored and compiles without flags', (pattern) => {
		expect(pattern.startsWith('^')).toBe(true);
		expect(() => new RegExp(pattern)).not.toThrow();
	});

	test.each(ALL_RULES.map((rules) => [rules.name, rules] as const))(
		"%s: its ids match its own patterns and no other family's or rule set's",
		(_name, rules) => {
			const family = FAMILIES.find((candidate) => candidate.rules.includes(rules));
			for (const { id } of rules.models) {
				expect(new RegExp(rules.pattern).test(id)).toBe(true);
				expect(new RegExp(family?.pattern ?? '$^').test(id)).toBe(true);
				const otherRules = ALL_RULES.filter((other) => other !== rules);
				expect(otherRules.filter((other) => new RegExp(other.pattern).test(id))).toEqual([]);
				const otherFamilies = FAMILIES.filter((other) => other !== family);
				expect(otherFamilies.filter((other) => new RegExp(other.pattern).test(id))).toEqual([]);
			}
		},
	);

	type Row = [id: string, family: string | undefined, rules: string | undefined];
	const ROWS: Row[] = [
		['veo3.1-fast', 'Veo', 'Veo 3.1'],
		['veo3-pro-frames', 'Veo', 'Veo (older aliases)'],
		['veo3.1-fast-frames', 'Veo', 'Veo (older aliases)'],
		['veo-3.1-generate-preview', 'Veo', undefined],
		['doubao-seedance-2-0-fast', 'Seedance', 'Seedance 2.0 Fast'],
		['doubao-seedance-3-0', 'Seedance', undefined],
		['doubao-seedream-4-0', undefined, undefined],
		['wan2.6', 'Wan', 'Wan 2.6'],
		['wan2.5-t2i-preview', undefined, undefined],
		['viduq3', 'Vidu', 'Vidu Q3'],
		['happyhorse-1.0', 'HappyHorse', 'HappyHorse 1.0'],
		['omni-fast', 'Omni', 'Omni Fast (beta)'],
		['omni-moderation-latest', undefined, undefined],
		['sora-2-pro', 'Sora', 'Sora 2 Pro'],
		['gpt-4o', undefined, undefined],
		['VEO3.1-FAST', undefined, undefined],
	];
	test.each(ROWS)('%s: family %s, rules %s', (id, family, rules) => {
		expect(familyOf(id)?.name).toBe(family);
		expect(rulesOf(id)?.name).toBe(rules);
	});
});

test('delivery: Seedance by its link, the other families and unknown ids by the content route', () => {
	expect(deliveryOf('doubao-seedance-2-0')).toBe('link');
	expect(deliveryOf('doubao-seedance-9-9')).toBe('link');
	for (const id of ['veo3.1-fast', 'veo3-fast', 'wan2.7', 'viduq3', 'omni-fast', 'sora-2']) {
		expect(deliveryOf(id)).toBe('content');
	}
	expect(deliveryOf('some-new-video-model')).toBe('content');
});

test('built-in list: the current models of every family but the retired Sora; the default among them', () => {
	const ids = BUILT_IN_MODELS.map((model) => model.id);
	expect(ids).toEqual([
		'veo3.1-fast',
		'veo3.1',
		'doubao-seedance-2-0',
		'doubao-seedance-2-0-fast',
		'doubao-seedance-1-5-pro',
		'doubao-seedance-1-0-pro',
		'wan2.7',
		'wan2.6',
		'viduq3-turbo',
		'viduq3',
		'happyhorse-1.0',
		'omni-fast',
		'grok-imagine-video-1.5',
		'grok-imagine-video',
		'kling-video-o1',
		'kling-v2-6',
		'kling-3.0-turbo',
		'kling-v2-master',
		'gen3a_turbo',
		'gen4_turbo',
	]);
	expect(ids).toContain(DEFAULT_MODEL);
	expect(familyOf(DEFAULT_MODEL)?.retired).toBeUndefined();
	expect(FAMILIES.find((family) => family.name === 'Sora')?.retired).toMatch(/2026-09-24/);
	expect(documentedIds).toEqual(expect.arrayContaining(ids));
});

test("the Model list's names and notes", () => {
	expect(describeModel('doubao-seedance-2-0')).toEqual({
		name: 'Seedance 2.0 (doubao-seedance-2-0)',
		description: 'Seedance by ByteDance; delivered as a link',
	});
	expect(describeModel('sora-2')?.name).toBe('Sora 2 (sora-2, retired upstream)');
	expect(describeModel('sora-2')?.description).toMatch(
		/retired upstream: OpenAI shut .* 2026-09-24/,
	);
	expect(describeModel('veo-3.1-generate-preview')).toEqual({
		name: 'Veo (veo-3.1-generate-preview)',
		description: 'Veo by Google; no rules known for this ID: its fields are sent unchecked',
	});
	expect(describeModel('gpt-4o')).toBeUndefined();
});
