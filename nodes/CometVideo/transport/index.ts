/**
 * Every HTTP call the node makes, one method per CometAPI endpoint. Each call runs inside the
 * key's shared request limit, within a deadline, reads at most a bounded answer, and fails
 * through the retry decision (./retry) with messages from the catalogue (./errors).
 */
import type {
	IBinaryData,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IN8nHttpFullResponse,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { isJobId, jobOutcome, normalizeJob, type VideoJob } from '../helpers/job';
import { limiterFor, SlotWaitCancelled, type RequestLimiter } from '../helpers/limiter';
import { encodeMultipart, type MultipartPart } from '../helpers/multipart';
import { ExecutionCancelled, type Pause } from '../helpers/pause';
import { Redactor } from '../helpers/redact';
import { checkBaseUrl } from './base-url';
import {
	API_ANSWER_LIMIT,
	discard,
	endWith,
	readCapped,
	readErrorText,
	TooLarge,
	unlessAborted,
} from './body';
import { deliveryOf } from '../helpers/families';
import {
	chooseRoutes,
	contentRouteCannotServe,
	linkProblem,
	type ContentVariant,
	type DownloadFrom,
	type Route,
} from './delivery';
import { storeDownload } from './download';
import { ErrorFactory, Failures, quote, tryJsonObject, type CallContext } from './errors';
import { headerValue, serverDelayMs, withRetries } from './retry';

export const CREDENTIAL_TYPE = 'cometVideoApi';

export interface TransportSettings {
	maxInFlight: number;
	maxAttempts: number;
	retryBaseDelayMs: number;
	/** The most one API call may take in all, and the longest a download may go without data. */
	requestTimeoutMs: number;
	maxDownloadBytes: number;
}

export type { CallContext } from './errors';
export { CONTENT_VARIANTS } from './download';
export { DOWNLOAD_FROM, type ContentVariant, type DownloadFrom } from './delivery';

/**
 * What a download needs to know of its job: the model picks the route, the link is one, and a
 * status (where known) says whether "not ready" can be what the content route means.
 */
export type DownloadJob = Pick<VideoJob, 'id'> &
	Partial<Pick<VideoJob, 'model' | 'videoUrl' | 'status'>>;

type FetchOutcome = { file: IBinaryData } | { notReady: Error } | { cannotServe: string };

/** A URL, when the text is one. */
function parseUrl(text: string | null | undefined, base?: URL): URL | undefined {
	try {
		return text ? new URL(text, base) : undefined;
	} catch {
		return undefined;
	}
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

type HttpContext = IExecuteFunctions | ILoadOptionsFunctions;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

export class CometApiClient {
	readonly errors: ErrorFactory;

	readonly failures: Failures;

	private constructor(
		private readonly ctx: HttpContext,
		private readonly baseUrl: string,
		private readonly settings: TransportSettings,
		private readonly pause: Pause,
		private readonly limiter: RequestLimiter,
		readonly release: () => void,
		redactor: Redactor,
	) {
		this.errors = new ErrorFactory(ctx.getNode(), redactor);
		this.failures = new Failures(this.errors, baseUrl, settings);
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
		const limiter = limiterFor(check.url, apiKey);
		const release = limiter.join(settings.maxInFlight);
		return new CometApiClient(
			ctx,
			check.url,
			settings,
			pause,
			limiter,
			release,
			new Redactor(apiKey),
		);
	}

	get redactor(): Redactor {
		return this.errors.redactor;
	}

	/** `buildParts` runs once a request slot is free, so images are read only just in time. */
	async createVideo(
		buildParts: () => Promise<MultipartPart[]>,
		itemIndex: number,
	): Promise<VideoJob> {
		const call: CallContext = {
			kind: 'create',
			target: 'api',
			itemIndex,
			action: 'create the video job',
		};
		const { job } = await this.requestJob(call, async () => {
			const { body, contentType } = encodeMultipart(await buildParts());
			return { method: 'POST', url: '/v1/videos', body, headers: { 'Content-Type': contentType } };
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
		const { job } = await this.requestJob(call, async () => ({
			method: 'POST',
			url: `${this.jobPath(sourceId, call)}/remix`,
			body: JSON.stringify({ prompt }),
			headers: { 'Content-Type': 'application/json' },
		}));
		return job;
	}

	/** The job, and how long the server asks us to wait before the next poll, if it says. */
	async retrieveVideo(
		id: string,
		itemIndex: number,
	): Promise<{ job: VideoJob; serverDelayMs?: number }> {
		const call: CallContext = {
			kind: 'read',
			target: 'api',
			itemIndex,
			jobId: id,
			action: 'retrieve the job',
		};
		const { job, headers } = await this.requestJob(call, async () => ({
			method: 'GET',
			url: this.jobPath(id, call),
		}));
		if (job.id !== id) throw this.failures.otherJob(call, job.id);
		return { job, serverDelayMs: serverDelayMs(headers) };
	}

	/** A job to download by its id: retrieved, and refused (with its state) unless it completed. */
	async finishedJob(id: string, itemIndex: number): Promise<VideoJob> {
		const { job } = await this.retrieveVideo(id, itemIndex);
		if (jobOutcome(job) === 'completed') return job;
		throw this.failures.notReady(
			{ kind: 'read', target: 'download', itemIndex, jobId: id, action: 'download the video' },
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
		const { json } = await this.requestJson(call, async () => ({
			method: 'GET',
			url: '/v1/models',
		}));
		const entries = Array.isArray(json.data) ? (json.data as unknown[]) : [];
		return entries
			.map((entry) => (entry as IDataObject | null)?.id)
			.filter((id): id is string => typeof id === 'string' && id !== '');
	}

	/**
	 * Streams a finished job's file into n8n's binary data store (in filesystem mode it never sits
	 * whole in memory), in named steps: choose the route(s) → request → follow redirects → check →
	 * store. The result link is fetched without the key; a route that cannot serve this job hands
	 * over to the next with its reason, so a final error names every route tried.
	 */
	async downloadContent(
		job: DownloadJob,
		variant: ContentVariant,
		from: DownloadFrom,
		itemIndex: number,
	): Promise<IBinaryData> {
		const linked = parseUrl(job.videoUrl);
		const linkRefused = linked && this.linkProblem(linked);
		const link = linkRefused ? undefined : linked;
		const finished = !!job.status && jobOutcome(job as VideoJob) === 'completed';
		const routes = chooseRoutes(from, deliveryOf(job.model ?? ''), !!link, variant);
		let earlier: string | undefined;
		let call = downloadCall(routes[0], job.id, variant, itemIndex);
		for (const route of routes) {
			call = downloadCall(route, job.id, variant, itemIndex, earlier);
			const url = route === 'link' ? link : this.contentUrl(job.id, variant, call);
			if (!url) throw this.failures.noLink(call, linkRefused);
			const outcome = await this.fetchFile(route, url, call, variant, finished);
			if ('file' in outcome) return outcome.file;
			if ('notReady' in outcome) throw await this.explainNotReady(outcome.notReady, call);
			earlier = outcome.cannotServe;
		}
		// Only the content route hands over, and with no route left after it.
		throw this.failures.routeCannotServe(call, earlier ?? '', from === 'automatic');
	}

	/** Why a result link or a redirect's target is not fetched, if it is not. */
	private linkProblem(target: URL, from?: URL): string | undefined {
		return linkProblem(
			target,
			from,
			this.baseUrl.startsWith('http:'),
			(text) => this.redactor.text(text) !== text,
		);
	}

	private contentUrl(id: string, variant: ContentVariant, call: CallContext): URL {
		return new URL(`${this.baseUrl}${this.jobPath(id, call)}/content?variant=${variant}`);
	}

	/** One route, retried as the policy says: its file, or why this route cannot give it. */
	private async fetchFile(
		route: Route,
		url: URL,
		call: CallContext,
		variant: ContentVariant,
		jobFinished: boolean,
	): Promise<FetchOutcome> {
		return await this.retrying(call, async () => {
			return await this.limiter.run(this.pause.signal, async () => {
				return await this.attempt(call, undefined, async (signal): Promise<FetchOutcome> => {
					const first = await this.send(
						{ method: 'GET', url: url.href, headers: { 'Accept-Encoding': 'identity' } },
						call,
						signal,
						{ authenticated: route === 'content' },
					);
					const response = await this.followRedirects(first, url, call, signal);
					const verdict = await this.checkAnswer(route, response, call, jobFinished);
					if (verdict) return verdict;
					endWith(response.body, signal);
					const source = route === 'content' ? 'CometAPI' : 'the result link';
					const file = await storeDownload(
						this.ctx as IExecuteFunctions,
						response,
						{ id: call.jobId as string, variant, source },
						call,
						this.settings,
						this.failures,
					);
					return { file };
				});
			});
		});
	}

	/**
	 * The check before storing: an error status fails (a finished job's `/content` that cannot
	 * serve it hands over to the link instead, and a 400 is explained once the slot is free).
	 * Error bodies are read within Request Timeout, like every answer.
	 */
	private async checkAnswer(
		route: Route,
		response: IN8nHttpFullResponse,
		call: CallContext,
		jobFinished: boolean,
	): Promise<Exclude<FetchOutcome, { file: IBinaryData }> | undefined> {
		const status = response.statusCode;
		const contentType = headerValue(response.headers, 'content-type') ?? '';
		const errorText = async () =>
			await readErrorText(response.body, this.settings.requestTimeoutMs);
		if (route === 'content' && contentRouteCannotServe(status, contentType, jobFinished)) {
			return { cannotServe: this.failures.cannotServeReason(status, await errorText()) };
		}
		if (status < 300) return undefined;
		const text = await errorText();
		if (route === 'link') throw this.failures.linkStatus(response, call);
		const failure = this.failures.status(response, text, call);
		if (status === 400) return { notReady: failure.error };
		throw failure;
	}

	/** Redirects of a download are followed here, never by the client: the key stays behind. */
	private async followRedirects(
		response: IN8nHttpFullResponse,
		from: URL,
		call: CallContext,
		signal: AbortSignal,
	): Promise<IN8nHttpFullResponse> {
		let current = response;
		let url = from;
		for (let hops = 0; REDIRECT_STATUSES.has(current.statusCode); hops++) {
			const location = headerValue(current.headers, 'location');
			discard(current.body);
			const target = parseUrl(location, url);
			const problem = target ? this.linkProblem(target, url) : 'it is no URL';
			if (!target || problem || hops >= MAX_REDIRECTS) {
				const what =
					hops >= MAX_REDIRECTS
						? 'too many redirects'
						: `a redirect the node does not follow (${quote(this.redactor, location ?? 'no Location')}): ${problem}`;
				throw this.failures.notAFile(
					call,
					`The download answered with ${what}`,
					current.statusCode,
				);
			}
			url = target;
			current = await this.send(
				{ method: 'GET', url: target.href, headers: { 'Accept-Encoding': 'identity' } },
				call,
				signal,
				{ authenticated: false },
			);
		}
		return current;
	}

	/** Content asked for too early answers 400: say what state the job is in instead. */
	private async explainNotReady(error: Error, call: CallContext): Promise<Error> {
		try {
			const { job } = await this.retrieveVideo(call.jobId as string, call.itemIndex);
			return jobOutcome(job) === 'completed' ? error : this.failures.notReady(call, job);
		} catch {
			return error;
		}
	}

	private async requestJob(
		call: CallContext,
		options: () => Promise<IHttpRequestOptions>,
	): Promise<{ job: VideoJob; headers: IDataObject }> {
		const { json, headers } = await this.requestJson(call, options);
		const job = normalizeJob(json);
		if (!this.isUsableId(job.id)) throw this.failures.noJobId(call, job, json);
		return { job, headers };
	}

	/** An id that is safe in a path and that the redactor leaves as it is (so no form of the key). */
	private isUsableId(id: string): boolean {
		return isJobId(id) && this.redactor.text(id) === id;
	}

	private jobPath(id: string, call: CallContext): string {
		if (!this.isUsableId(id)) throw this.failures.invalidId(call);
		return `/v1/videos/${encodeURIComponent(id)}`;
	}

	/** One JSON call: within the key's limit and the deadline, retried as the policy says. */
	private async requestJson(
		call: CallContext,
		options: () => Promise<IHttpRequestOptions>,
	): Promise<{ json: IDataObject; headers: IDataObject; text: string }> {
		return await this.retrying(call, async () => {
			return await this.limiter.run(this.pause.signal, async () => {
				const request = await options();
				return await this.attempt(call, this.settings.requestTimeoutMs, async (signal) => {
					const response = await this.send(request, call, signal);
					endWith(response.body, signal);
					let text: string;
					try {
						text = await readCapped(response.body, API_ANSWER_LIMIT);
					} catch (error) {
						// A body that breaks off mid-read is a network failure like any other.
						throw error instanceof TooLarge
							? this.failures.tooLarge(call)
							: this.failures.network(error, call);
					}
					if (response.statusCode >= 300) throw this.failures.status(response, text, call);
					const json = tryJsonObject(text);
					if (!json) throw this.failures.unreadable(response, call);
					return { json, headers: response.headers, text };
				});
			});
		});
	}

	private async retrying<T>(call: CallContext, attempt: () => Promise<T>): Promise<T> {
		return await withRetries(
			{
				maxAttempts: this.settings.maxAttempts,
				baseDelayMs: this.settings.retryBaseDelayMs,
				pause: async (ms) => await this.pause.for(ms),
			},
			attempt,
		).catch((error: unknown) => {
			if (error instanceof SlotWaitCancelled) throw this.failures.cancelledWaitingForSlot(call);
			// Cancelled in the pause before a retry.
			if (error instanceof ExecutionCancelled) throw this.failures.cancelled(call);
			throw this.errors.wrap(error, call.itemIndex);
		});
	}

	/**
	 * One attempt, aborted when the execution is cancelled or, for API calls, when `deadlineMs`
	 * passes: an answer that trickles in byte by byte cannot hold the execution.
	 */
	private async attempt<T>(
		call: CallContext,
		deadlineMs: number | undefined,
		run: (signal: AbortSignal) => Promise<T>,
	): Promise<T> {
		const request = new AbortController();
		const untrack = this.pause.track(request);
		// AbortSignal.timeout: a deadline without a timer of our own (community nodes may not use
		// the global timers) that does not keep n8n's process alive.
		const deadline = deadlineMs === undefined ? undefined : AbortSignal.timeout(deadlineMs);
		const signal = deadline ? AbortSignal.any([request.signal, deadline]) : request.signal;
		try {
			return await run(signal);
		} catch (error) {
			if (this.pause.isCancelled) throw this.failures.cancelled(call);
			if (deadline?.aborted) {
				const seconds = Math.round((deadlineMs as number) / 1000);
				throw this.failures.timeout(
					call,
					`no answer within ${seconds} s, or not all of it: the answer took too long`,
				);
			}
			throw this.failures.of(error, call);
		} finally {
			untrack();
		}
	}

	private async send(
		options: IHttpRequestOptions,
		call: CallContext,
		signal: AbortSignal,
		{ authenticated = true } = {},
	): Promise<IN8nHttpFullResponse> {
		const request: IHttpRequestOptions = {
			...options,
			...(authenticated ? { baseURL: this.baseUrl } : {}),
			encoding: 'stream',
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			// Redirects are the caller's business: API calls never legitimately redirect (a 301
			// means a wrong Base URL, and following it would turn a POST into a GET), and a
			// download's redirect is followed without the key.
			disableFollowRedirect: true,
			sendCredentialsOnCrossOriginRedirect: false,
			timeout: this.settings.requestTimeoutMs,
			abortSignal: signal,
		};
		// Every request (each redirect hop too) gets its headers within Request Timeout.
		const headersDue = AbortSignal.timeout(this.settings.requestTimeoutMs);
		const pending = (
			authenticated
				? this.ctx.helpers.httpRequestWithAuthentication.call(this.ctx, CREDENTIAL_TYPE, request)
				: this.ctx.helpers.httpRequest(request)
		) as Promise<IN8nHttpFullResponse>;
		try {
			return await unlessAborted(pending, AbortSignal.any([signal, headersDue]));
		} catch (error) {
			if (headersDue.aborted && !signal.aborted) {
				throw this.failures.timeout(
					call,
					`no answer within ${Math.round(this.settings.requestTimeoutMs / 1000)} s`,
				);
			}
			// A cancel or the call's own deadline is told apart by attempt().
			throw this.failures.network(error, call);
		}
	}
}
