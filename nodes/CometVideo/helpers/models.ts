/**
 * The models the node knows by name, and the rules of each family. Any other id CometAPI accepts
 * works too: ids starting with "sora" follow Sora's rules, all others Veo's.
 */
export type ModelFamily = 'sora' | 'veo';

export interface KnownModel {
	value: string;
	name: string;
	family: ModelFamily;
}

export const KNOWN_MODELS: KnownModel[] = [
	{ value: 'veo3-fast', name: 'Veo 3 Fast', family: 'veo' },
	{ value: 'veo3', name: 'Veo 3', family: 'veo' },
	{ value: 'veo3-pro', name: 'Veo 3 Pro', family: 'veo' },
	{ value: 'veo3.1-fast', name: 'Veo 3.1 Fast', family: 'veo' },
	{ value: 'veo3.1', name: 'Veo 3.1', family: 'veo' },
	{ value: 'veo3.1-pro', name: 'Veo 3.1 Pro', family: 'veo' },
	{ value: 'sora-2', name: 'Sora 2', family: 'sora' },
	{ value: 'sora-2-pro', name: 'Sora 2 Pro', family: 'sora' },
];

export const DEFAULT_MODEL = 'veo3-fast';

/** For n8n's display rules, which test a regular expression without flags. */
export const SORA_ID_PATTERN = '^[sS][oO][rR][aA]';

export function modelFamily(id: string): ModelFamily {
	return new RegExp(SORA_ID_PATTERN).test(id) ? 'sora' : 'veo';
}

/** Ids of other providers CometAPI lists (chat, images) that this node cannot drive. */
export function isVideoModelId(id: string): boolean {
	return /^(sora|veo)/i.test(id);
}

export const SORA_SIZES = ['720x1280', '1280x720', '1024x1792', '1792x1024'];
export const SORA_PRO_ONLY_SIZES = ['1024x1792', '1792x1024'];
export const SORA_PRO_MODEL = 'sora-2-pro';
export const SORA_SECONDS = ['4', '8', '12', '16', '20'];
export const VEO_SECONDS = ['4', '6', '8'];
/** Sora takes its reference image as a file; Veo takes up to a first and a last frame. */
export const MAX_REFERENCE_IMAGES: Record<ModelFamily, number> = { sora: 1, veo: 2 };

/** Why a size or duration does not suit the model, or undefined when it does. */
export function familyRuleBreach(
	model: string,
	size: string,
	seconds: string,
): { field: string; problem: string; hint: string } | undefined {
	if (modelFamily(model) !== 'sora') return undefined;
	if (size && !SORA_SIZES.includes(size)) {
		return {
			field: 'Size',
			problem: `"${size}" is not a Sora size`,
			hint: `Sora takes ${SORA_SIZES.join(', ')}.`,
		};
	}
	if (SORA_PRO_ONLY_SIZES.includes(size) && model !== SORA_PRO_MODEL) {
		return {
			field: 'Size',
			problem: `${size} needs Sora 2 Pro`,
			hint: `${model} takes 720x1280 or 1280x720.`,
		};
	}
	if (seconds && !SORA_SECONDS.includes(seconds)) {
		return {
			field: 'Duration (Seconds)',
			problem: `"${seconds}" is not a Sora duration`,
			hint: `Sora takes ${SORA_SECONDS.join(', ')} seconds.`,
		};
	}
	return undefined;
}
