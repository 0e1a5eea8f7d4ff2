/**
 * Where a finished job's file is fetched from, as pure decisions: which routes to try in which
 * order, and which links (and redirects) the node follows at all.
 */
import type { Delivery } from '../helpers/families';

/** The Download From option: the family's preferred route first, or one route only. */
export type DownloadFrom = 'automatic' | 'content' | 'link';

export const DOWNLOAD_FROM: DownloadFrom[] = ['automatic', 'content', 'link'];

/** CometAPI's `/v1/videos/{id}/content`, or the job's result link (fetched without the key). */
export type Route = 'content' | 'link';

export type ContentVariant = 'video' | 'thumbnail' | 'spritesheet';

/**
 * The routes to try, in order. Only the video has a link, and only `/v1/videos` jobs have
 * `/content` (`hasContentRoute`). Automatic: a link-first family by its link (or `/content` when
 * the job has none); any other by `/content`, then its link if it has one.
 */
export function chooseRoutes(
	from: DownloadFrom,
	preferred: Delivery,
	hasLink: boolean,
	variant: ContentVariant,
	hasContentRoute = true,
): Route[] {
	if (!hasContentRoute) return ['link'];
	if (from === 'content' || variant !== 'video') return ['content'];
	if (from === 'link') return ['link'];
	if (!hasLink) return ['content'];
	return preferred === 'link' ? ['link'] : ['content', 'link'];
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
