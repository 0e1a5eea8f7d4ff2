/**
 * Where a finished job's file is fetched from, as pure decisions: which routes to try in which
 * order, when the content route's answer means "not here, try the link", and what a file's
 * first bytes say it is when the host did not type it.
 */
import type { Delivery } from '../helpers/families';

/** The Download From option: the family's preferred route first, or one route only. */
export type DownloadFrom = 'automatic' | 'content' | 'link';

export const DOWNLOAD_FROM: DownloadFrom[] = ['automatic', 'content', 'link'];

/** CometAPI's `/v1/videos/{id}/content`, or the job's result link (fetched without the key). */
export type Route = 'content' | 'link';

export type ContentVariant = 'video' | 'thumbnail' | 'spritesheet';

/**
 * The routes to try, in order. Only the video has a link. Automatic: a link-first family by its
 * link (or `/content` when the job has none); any other by `/content`, then its link if it has one.
 */
export function chooseRoutes(
	from: DownloadFrom,
	preferred: Delivery,
	hasLink: boolean,
	variant: ContentVariant,
): Route[] {
	if (from === 'content' || variant !== 'video') return ['content'];
	if (from === 'link') return ['link'];
	if (!hasLink) return ['content'];
	return preferred === 'link' ? ['link'] : ['content', 'link'];
}

/**
 * Statuses of a finished job's `/content` that mean this route cannot serve it (the model has no
 * proxied downloads), rather than a fault worth reporting: 400 is "not ready yet", 401 and 403
 * concern the key, 408 and 429 are retried.
 */
function cannotServeStatus(status: number, jobFinished: boolean): boolean {
	if (status === 501) return true;
	// For a job known to be finished, "not ready" cannot be what a 400 means.
	if (status === 400) return jobFinished;
	return status > 400 && status < 500 && ![401, 403, 408, 429].includes(status);
}

/** Whether the content route's answer says the job's file is not served there. */
export function contentRouteCannotServe(
	status: number,
	contentType: string,
	jobFinished: boolean,
): boolean {
	if (status >= 200 && status < 300) return /json/i.test(contentType);
	return cannotServeStatus(status, jobFinished);
}

/**
 * Why the node will not fetch `target`, a result link or a redirect's target (`from`: the URL
 * that redirected), if it will not: only http(s); plain http only where the Base URL itself is
 * plain http, and never after https; and never a URL that holds the key in any form, since
 * fetching it would hand the key to that host.
 */
export function linkProblem(
	target: URL,
	from: URL | undefined,
	plainHttpAllowed: boolean,
	holdsKey: (text: string) => boolean,
): string | undefined {
	if (!/^https?:$/.test(target.protocol)) return `it is not an http or https link`;
	if (target.protocol === 'http:' && from?.protocol === 'https:') {
		return 'it leaves https for plain http';
	}
	if (target.protocol === 'http:' && !plainHttpAllowed) {
		return 'it is plain http (the Base URL is https)';
	}
	let decoded = target.href;
	try {
		decoded = decodeURIComponent(target.href);
	} catch {
		// A malformed escape: the raw text is checked alone.
	}
	if (holdsKey(target.href) || holdsKey(decoded)) return 'it holds the API key';
	return undefined;
}

/** An empty body, or one that begins like a web page or a JSON document, is no video or image. */
export function looksLikeDocument(head: Uint8Array): boolean {
	const text = Buffer.from(head).toString('latin1').trimStart();
	return text === '' || /^[<{[]/.test(text);
}

/** Types storage hosts put on files they do not type: the first bytes decide. */
const UNTYPED = new Set(['', 'application/octet-stream', 'binary/octet-stream']);

export function isUntyped(contentType: string): boolean {
	return UNTYPED.has(contentType);
}

/** How many first bytes `sniffType` needs. */
export const SNIFF_BYTES = 12;

const ascii = (bytes: Uint8Array, from: number, text: string) =>
	Buffer.from(bytes.subarray(from, from + text.length)).toString('latin1') === text;

/** What a file's first bytes show it to be, if it is one of the files CometAPI serves. */
export function sniffType(head: Uint8Array): string | undefined {
	if (ascii(head, 4, 'ftyp')) return 'video/mp4';
	if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WEBP')) return 'image/webp';
	if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
	if (ascii(head, 0, '\x89PNG\r\n\x1a\n')) return 'image/png';
	return undefined;
}

/** Whether a sniffed type is the variant asked for. */
export function fitsVariant(mimeType: string, variant: ContentVariant): boolean {
	return variant === 'video' ? mimeType === 'video/mp4' : mimeType.startsWith('image/');
}
