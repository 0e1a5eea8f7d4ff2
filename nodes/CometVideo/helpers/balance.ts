/**
 * CometAPI's balance answer (`GET /user/quota?key=…`, fact sheet `cometapi-video-other-routes.md`
 * section 6.2), read into the node's output: the account's balance and use in USD, and its keys'
 * quotas. The answer names keys, never their values, so which entry is the key that asked cannot
 * be told: every entry is returned, and the one entry as `thisKey` when there is only one.
 */
import type { IDataObject } from 'n8n-workflow';

/** The page's markers of a key without a limit: -1, and 999999999 in its example. */
const UNLIMITED = [-1, 999999999];

export interface KeyQuota {
	name: string;
	/** USD left on the key; null when it is unlimited. */
	remainingUsd: number | null;
	/** USD the key used; null when the page's -1 says unlimited. */
	usedUsd: number | null;
	unlimited: boolean;
}

export interface Balance extends IDataObject {
	username: string | null;
	/** `total_quota`: the account's balance, USD. */
	balanceUsd: number;
	/** `total_used_quota`: all the account ever used, USD. */
	usedUsd: number | null;
	requestCount: number | null;
	keys: KeyQuota[];
	/** The key that asked, when the account has exactly one. */
	thisKey: KeyQuota | null;
	keysNote: string;
}

function amount(value: unknown): number | null {
	const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	return typeof number === 'number' && Number.isFinite(number) ? number : null;
}

function keyQuota(entry: unknown): KeyQuota {
	const raw = (entry && typeof entry === 'object' ? entry : {}) as IDataObject;
	const remain = amount(raw.remain_quota);
	const used = amount(raw.used_quota);
	const unlimited = remain !== null && UNLIMITED.includes(remain);
	return {
		name: typeof raw.name === 'string' ? raw.name : '',
		remainingUsd: unlimited ? null : remain,
		usedUsd: used === -1 ? null : used,
		unlimited,
	};
}

/** The balance in an answer, or undefined when it carries no `total_quota` number. */
export function readBalance(answer: IDataObject): Balance | undefined {
	const balanceUsd = amount(answer.total_quota);
	if (balanceUsd === null) return undefined;
	const keys = Array.isArray(answer.keys) ? answer.keys.map(keyQuota) : [];
	return {
		username: typeof answer.username === 'string' ? answer.username : null,
		balanceUsd,
		usedUsd: amount(answer.total_used_quota),
		requestCount: amount(answer.request_count),
		keys,
		thisKey: keys.length === 1 ? keys[0] : null,
		keysNote:
			keys.length === 1
				? 'The account has one key, so it is the key that asked.'
				: 'CometAPI lists keys by name, never by value: which entry is this key cannot be told from the answer, so all are listed. An unlimited key shows remainingUsd null.',
	};
}

/** What the account can still spend with this key: the balance, or less when its key is capped. */
export function spendable(balance: Balance): number {
	const remaining = balance.thisKey?.remainingUsd;
	return remaining === null || remaining === undefined
		? balance.balanceUsd
		: Math.min(balance.balanceUsd, remaining);
}

/** Why the account is below Min Balance, or undefined when it is not. */
export function balanceProblem(
	balance: Balance,
	minimumUsd: number,
): { message: string; description: string } | undefined {
	const available = spendable(balance);
	if (available >= minimumUsd) return undefined;
	const capped =
		available < balance.balanceUsd ? ` (this key may spend ${available} USD of it)` : '';
	return {
		message: `Min Balance: the CometAPI balance is ${balance.balanceUsd} USD${capped}, below the minimum of ${minimumUsd} USD`,
		description:
			'Nothing was sent. Top up the CometAPI account (or raise the key\'s quota), or lower "Min Balance (USD)".',
	};
}
