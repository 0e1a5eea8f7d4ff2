/*
 * Spend in real n8n: ten items across three families (Veo, Seedance, HappyHorse) each with its
 * estimate, the same batch over Max Estimated Cost refused with no request, its Dry Run's output
 * (no request either), and Get Balance from the simulator's /user/quota (a gateway Base URL).
 */
import { parseExecuteOutput } from '../../tools/n8n/install-n8n';
import { tail } from '../../tools/process';
import { assert, defineCase, say } from '../../tools/suite';
import { nodeItems, type E2eContext } from './context';

/** What each of the ten items is estimated at: seconds × the price its model and size take. */
const EXPECTED = [0.4, 0.96, 2.4, 2.4, 0.4, 0.8, 1.2, 0.336, 0.896, 1.68];

const round = (usd: unknown) => Number(Number(usd).toFixed(6));

export const cost = defineCase<E2eContext>(
	'cost',
	'ten items across three families with estimates; a batch over the cap refused with 0 requests; a Dry Run; Get Balance',
	async (c) => {
		const lines: string[] = [];

		const created = nodeItems(await c.executeOk('e2eCostBatch0001'), 'Comet Video');
		const estimates = created.map((item) => round(item.json.estimatedCostUsd));
		assert(
			JSON.stringify(estimates) === JSON.stringify(EXPECTED),
			`estimates ${JSON.stringify(estimates)}, expected ${JSON.stringify(EXPECTED)}`,
		);
		assert(
			created.every((item) => typeof item.json.id === 'string'),
			'an item has no job id',
		);
		lines.push(
			'estimates:',
			...created.map(
				(item, i) =>
					`  item ${i}: ${item.json.model} $${estimates[i]} (${String(item.json.costNote)})`,
			),
		);

		const from = c.sim.requestLog().length;
		const refused = await c.execute('e2eCostCap000001');
		const requests = c.sim.requestLog().length - from;
		assert(refused.code !== 0, `the batch over the cap ran:\n${tail(refused.stdout, 30)}`);
		const error = parseExecuteOutput(refused.stdout).data.resultData.error;
		assert(/^Max Estimated Cost/.test(error?.message ?? ''), `error: ${error?.message}`);
		assert(requests === 0, `${requests} requests for a refused batch`);
		lines.push(
			`over the cap: "${error?.message}" / "${error?.description}"; requests: ${requests}`,
		);

		const dryFrom = c.sim.requestLog().length;
		const dry = nodeItems(await c.executeOk('e2eCostDryRun001'), 'Comet Video');
		const dryRequests = c.sim.requestLog().length - dryFrom;
		assert(dryRequests === 0, `${dryRequests} requests for a dry run`);
		assert(dry.length === 10 && dry.every((item) => item.json.dryRun === true), 'dry run output');
		lines.push(
			`dry run (requests: ${dryRequests}):`,
			...dry.map((item) => `  ${JSON.stringify({ ...item.json, costNote: undefined })}`),
		);

		const [balance] = nodeItems(await c.executeOk('e2eCostBalance01'), 'Comet Video');
		assert(typeof balance?.json.balanceUsd === 'number', `balance: ${JSON.stringify(balance)}`);
		assert(
			!JSON.stringify(balance.json).includes(c.sim.apiKey),
			'the key is in the balance output',
		);
		lines.push(`get balance: ${JSON.stringify(balance.json)}`);

		say(lines.join('\n'));
		return `10 estimates, total $${round(EXPECTED.reduce((a, b) => a + b))}; refused with 0 requests; dry run 0 requests; balance $${balance.json.balanceUsd}`;
	},
);
