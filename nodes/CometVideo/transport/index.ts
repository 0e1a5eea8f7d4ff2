/**
 * Every HTTP call the node makes, one method per CometAPI endpoint. Each call is one exchange
 * (./exchange: the key's request slot, deadlines on headers and every byte, facts on failure),
 * retried as ./retry decides and worded by ./errors.
 */
import type {
	IBinaryData,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { readBalance, type Balance } from '../helpers/balance';
import { deliveryOf } from '../helpers/families';
import { isJobId, jobOutcome, normalizeJob, type VideoJob } from '../helpers/job';
import { limiterFor, type LimiterSeat } from '../helpers/limiter';
import { encodeMultipart, type MultipartPart } from '../helpers/multipart';
import { ROUTES, type VideoRoute } from '../helpers/routes';
import type { Cancellation, Pause } from '../helpers/pause';
import { Redactor } from '../helpers/redact';
import { checkBaseUrl, DEFAULT_BASE_URL } from './base-url';
import {
	chooseRoutes,
	linkProblem,
	type ContentVariant,
	type DownloadFrom,
	type Route,
} from './delivery';
import { takeFile, type FileOutcome } from './download';
import { ErrorFactory, Failures, type CallContext } from './errors';
import {
	CREDENTIAL_TYPE,
	Exchange,
	parseUrl,
	serverDelayMs,
	type HttpContext,
	type TransportSettings,
} from './exchange';
import { classify, type Fault } from './retry';

export { CREDENTIAL_TYPE, type TransportSettings } from './exchange';
export type { CallContext } from './errors';
export { CONTENT_VARIANTS } from './download';
export { DOWNLOAD_FROM, type ContentVariant, type DownloadFrom } from './delivery';

/** A job as Retrieve and Download find it: its id, and the route it lives on. */
export type JobRef = Pick<VideoJob, 'id' | 'route'>;

/**
 * What a download needs to know of its job: the model picks the route, the link is one, and a
 * status (where known) says whether "not ready" can be what the content route means.
 */
export type DownloadJob = Pick<VideoJob, 'id' | 'route'> &
	Partial<Pick<VideoJob, 'model' | 'videoUrl' | 'status'>>;

/** What a create sends: multipart parts (`/v1/videos`) or a JSON object (the other routes). */
export type CreateBody = { parts: MultipartPart[] } | { json: IDataObject };

function sameOrigin(url: URL, baseUrl: string): boolean {
	return url.origin === new URL(baseUrl).origin;
}

/** Why a result link, or a redirect's target (`from`: what redirected), is not fetched. */
function linkProblemFor(
	target: URL,
	from: URL | undefined,
	baseUrl: string,
	redactor: Redactor,
): string | undefined {
	// A link on the API's own origin goes where the key goes anyway (and is fetched with it).
	const holdsKey = (text: string) => !sameOrigin(target, baseUrl) && redactor.text(text) !== text;
	return linkProblem(target, from, baseUrl.startsWith('http:'), holdsKey);
}

/** `earlier`: why the route before this one could not serve the file. */
function downloadCall(
	route: Route,
	jobId: string,
	variant: ContentVariant,
	itemIndex: number,
	earlier?: string,
): CallContext {
	const how = route === 'content' ? 'through the content route' : 'from its result link';
	return {
		kind: 'read',
		target: 'download',
		itemIndex,
		jobId,
		action: `download the ${variant} ${how}${earlier ? ` (${earlier})` : ''}`,
	};
}

/**
 * Where the balance is read: CometAPI serves it on its own host, query.cometapi.com; a gateway
 * that mirrors CometAPI (any other Base URL) serves `/user/quota` on its own Base URL.
 */
export function balanceUrl(baseUrl: string, apiKey: string): string {
	const origin = baseUrl === DEFAULT_BASE_URL ? 'https://query.cometapi.com' : baseUrl;
	return `${origin}/user/quota?key=${encodeURIComponent(apiKey)}`;
}

export class CometApiClient {
	readonly errors: ErrorFactory;

	readonly failures: Failures;

	private readonly exchange: Exchange;

	private constructor(
		private readonly ctx: HttpContext,
		private readonly baseUrl: string,
		private readonly settings: TransportSettings,
		exchange: (failures: Failures) => Exchange,
		private readonly seat: LimiterSeat,
		redactor: Redactor,
		/** The balance route's URL: it carries the key in its query, so it is made only when sent. */
		private readonly balanceUrl: () => string,
	) {
		this.errors = new ErrorFactory(ctx.getNode(), redactor);
		this.failures = new Failures(this.errors, baseUrl);
		this.exchange = exchange(this.failures);
	}

	/**
	 * Reads the credential once, refuses to send the key anywhere unsafe, and joins the key's
	 * request budget in this process; `release()` leaves it when the execution ends.
	 */
	static async connect(
		ctx: HttpContext,
		settings: TransportSettings,
		pause: Pause,
	): Promise<CometApiClient> {
		const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
		const apiKey = String(credentials.apiKey ?? '');
		const check = checkBaseUrl(String(credentials.baseUrl ?? ''), credentials.allowHttp === true);
		if (!check.ok) {
			// Whatever sat before an "@" may be a password: it is not repeated.
			const shown = String(credentials.baseUrl ?? '').replace(/\/\/[^/]*@/, '//…@');
			throw new NodeOperationError(
				ctx.getNode(),
				`The Base URL "${new Redactor(apiKey).text(shown)}" in the Comet Video API credential ${check.problem}`,
				{ description: check.hint },
			);
		}
		const seat = limiterFor(check.url, apiKey).join(settings.maxInFlight);
		const redactor = new Redactor(apiKey);
		return new CometApiClient(
			ctx,
			check.url,
			settings,
			(failures) =>
				new Exchange(
					ctx,
					check.url,
					// n8n reads the credential again (from its store, decrypted) for every request
					// unless it is handed over: ten thousand polls would mean ten thousand reads.
					{ id: CREDENTIAL_TYPE, name: CREDENTIAL_TYPE, type: CREDENTIAL_TYPE, data: credentials },
					settings,
					pause,
					seat,
					failures,
					(target, from) => linkProblemFor(target, from, check.url, redactor),
				),
			seat,
			redactor,
			() => balanceUrl(check.url, apiKey),
		);
	}

	/** Leaves the key's request budget: the execution ended. */
	release(): void {
		this.seat.leave();
	}

	/** Resolves when item `itemIndex` may start: see LimiterSeat.admit. */
	async admit(cancel: Cancellation, itemIndex: number): Promise<void> {
		await this.seat.admit(cancel, itemIndex);
	}

	/** Item `itemIndex` ended: room for the next to start. */
	itemEnded(itemIndex: number): void {
		this.seat.ended(itemIndex);
	}

	get redactor(): Redactor {
		return this.errors.redactor;
	}

	/**
	 * Creates a job on its route. `buildBody` runs once a request slot is free, so images are
	 * read only just in time.
	 */
	async createVideo(
		route: VideoRoute,
		buildBody: () => Promise<CreateBody>,
		itemIndex: number,
	): Promise<VideoJob> {
		const call: CallContext = {
			kind: 'create',
			target: 'api',
			itemIndex,
			action: 'create the video job',
		};
		const { job } = await this.requestJob(call, route, async () => {
			const built = await buildBody();
			const { body, contentType } =
				'parts' in built
					? encodeMultipart(built.parts)
					: { body: JSON.stringify(built.json), contentType: 'application/json' };
			return {
				method: 'POST',
				url: route.createPath,
				body,
				headers: { ...route.createHeaders, 'Content-Type': contentType },
			};
		});
		return job;
	}

	async remixVideo(sourceId: string, prompt: string, itemIndex: number): Promise<VideoJob> {
		const call: CallContext = {
			kind: 'create',
			target: 'api',
			itemIndex,
			action: `remix video ${sourceId}`,
		};
		const { job } = await this.requestJob(call, ROUTES.videos, async () => ({
			method: 'POST',
			url: `${this.jobPath({ id: sourceId, route: 'videos' }, call)}/remix`,
			body: JSON.stringify({ prompt }),
			headers: { 'Content-Type': 'application/json' },
		}));
		return job;
	}

	/**
	 * The job, and how long the server asks us to wait before the next poll, if it says.
	 * `freshJob`: this run created it moments ago, so a route that does not know it yet is waited for.
	 */
	async retrieveVideo(
		ref: JobRef,
		itemIndex: number,
		{ freshJob = false } = {},
	): Promise<{ job: VideoJob; serverDelayMs?: number }> {
		const call: CallContext = {
			kind: 'read',
			target: 'api',
			itemIndex,
			jobId: ref.id,
			action: 'retrieve the job',
			...(freshJob ? { freshJob } : {}),
		};
		const { job, headers } = await this.requestJob(call, ROUTES[ref.route], async () => ({
			method: 'GET',
			url: this.jobPath(ref, call),
		}));
		if (job.id !== ref.id) throw this.failures.otherJob(call, job.id);
		return { job, serverDelayMs: serverDelayMs(headers) };
	}

	/** A job to download by its id: retrieved, and refused (with its state) unless it completed. */
	async finishedJob(ref: JobRef, itemIndex: number): Promise<VideoJob> {
		const { job } = await this.retrieveVideo(ref, itemIndex);
		if (jobOutcome(job) === 'completed') return job;
		throw this.failures.notReady(
			{ kind: 'read', target: 'download', itemIndex, jobId: ref.id, action: 'download the video' },
			job,
		);
	}

	/** The ids of the models the key may use, as `GET /v1/models` lists them. */
	async listModels(): Promise<string[]> {
		const call: CallContext = {
			kind: 'read',
			target: 'api',
			itemIndex: 0,
			action: 'list the models',
		};
		const { json } = await this.exchange.json(call, async () => ({
			method: 'GET',
			url: '/v1/models',
		}));
		const entries = Array.isArray(json.data) ? (json.data as unknown[]) : [];
		return entries
			.map((entry) => (entry as IDataObject | null)?.id)
			.filter((id): id is string => typeof id === 'string' && id !== '');
	}

	/**
	 * The account's balance (`GET /user/quota?key=…`): the key goes in the query, as the route
	 * documents, and without the credential's Bearer header, which the route does not read. The
	 * URL is never worded: an error names the call, not the address that holds the key.
	 */
	async getBalance(itemIndex: number): Promise<Balance> {
		const call: CallContext = {
			kind: 'read',
			target: 'api',
			itemIndex,
			action: 'read the balance',
		};
		const { json } = await this.exchange.json(
			call,
			async () => ({ method: 'GET', url: this.balanceUrl() }),
			{ authenticated: false },
		);
		const balance = readBalance(json);
		if (!balance) throw this.failures.noBalance(call, json);
		return balance;
	}

	/**
	 * Streams a finished job's file into n8n's binary data store (in filesystem mode it never sits
	 * whole in memory): choose the route(s), then one exchange per route, whose answer is checked
	 * and stored (./download). The result link is fetched without the key; a route that cannot
	 * serve this job hands over to the next with its reason, so a final error names every route.
	 */
	async downloadContent(
		job: DownloadJob,
		variant: ContentVariant,
		from: DownloadFrom,
		itemIndex: number,
	): Promise<IBinaryData> {
		const linked = parseUrl(job.videoUrl);
		const linkRefused = linked && linkProblemFor(linked, undefined, this.baseUrl, this.redactor);
		const link = linkRefused ? undefined : linked;
		const jobFinished = !!job.status && jobOutcome(job as VideoJob) === 'completed';
		const hasContentRoute = ROUTES[job.route].contentRoute;
		const routes = chooseRoutes(
			from,
			deliveryOf(job.model ?? ''),
			!!link,
			variant,
			hasContentRoute,
		);
		let earlier: string | undefined;
		let call = downloadCall(routes[0], job.id, variant, itemIndex);
		for (const route of routes) {
			call = downloadCall(route, job.id, variant, itemIndex, earlier);
			const url = route === 'link' ? link : this.contentUrl(job, variant, call);
			if (!url) throw this.failures.noLink(call, ROUTES[job.route], linkRefused);
			const outcome: FileOutcome = await this.exchange.file(
				call,
				url,
				route === 'content' || sameOrigin(url, this.baseUrl),
				async (answer) =>
					await takeFile(
						this.ctx as IExecuteFunctions,
						answer,
						{ route, id: job.id, variant, jobFinished },
						call,
						this.settings,
					),
			);
			if ('file' in outcome) return outcome.file;
			if ('notReady' in outcome) throw await this.explainNotReady(outcome.notReady, call);
			earlier = this.failures.cannotServeReason(outcome.cannotServe);
		}
		// Only the content route hands over, and with no route left after it.
		throw this.failures.routeCannotServe(call, earlier ?? '', from === 'automatic');
	}

	private contentUrl(job: JobRef, variant: ContentVariant, call: CallContext): URL {
		return new URL(`${this.baseUrl}${this.jobPath(job, call)}/content?variant=${variant}`);
	}

	/** Content asked for too early answers 400: say what state the job is in instead. */
	private async explainNotReady(fault: Fault, call: CallContext): Promise<Error> {
		const asAnswered = () => this.failures.word(fault, classify(fault.facts), 1, call);
		try {
			const { job } = await this.retrieveVideo(
				{ id: call.jobId as string, route: 'videos' },
				call.itemIndex,
			);
			return jobOutcome(job) === 'completed' ? asAnswered() : this.failures.notReady(call, job);
		} catch {
			return asAnswered();
		}
	}

	/** The job an answer describes, marked with its route for Retrieve and Download downstream. */
	private async requestJob(
		call: CallContext,
		route: VideoRoute,
		options: () => Promise<IHttpRequestOptions>,
	): Promise<{ job: VideoJob; headers: IDataObject }> {
		const { json, headers } = await this.exchange.json(call, options);
		const job = normalizeJob(json, route);
		if (!this.isUsableId(job.id)) throw this.failures.noJobId(call, job, json);
		return { job, headers };
	}

	/** An id that is safe in a path and that the redactor leaves as it is (so no form of the key). */
	private isUsableId(id: string): boolean {
		return isJobId(id) && this.redactor.text(id) === id;
	}

	private jobPath({ id, route }: JobRef, call: CallContext): string {
		if (!this.isUsableId(id)) throw this.failures.invalidId(call);
		return `${ROUTES[route].pollPath}${encodeURIComponent(id)}`;
	}
}
