/**
 * The rejected key of the fault matrix: not retried, and the error points at the credential. The
 * shared checks every case gets: test/support/fault-matrix.ts.
 */
import { type FaultCase, retrieveCase, useFaultMatrix } from '../support/fault-matrix';

const runCase = useFaultMatrix();

const cases: FaultCase[] = [
	retrieveCase(
		'R-401: a rejected key is not retried and points at the credential',
		{ status: 401, times: 3 },
		{
			status: 'error',
			error: [/Invalid token/, /Check the API key in the Comet Video API credential/],
			requests: { retrieve: 1 },
		},
	),
];

describe('fault matrix: a rejected key', () => {
	test.each(cases.map((testCase) => [testCase.name, testCase]))('%s', async (_name, testCase) => {
		await runCase(testCase);
	});
});
