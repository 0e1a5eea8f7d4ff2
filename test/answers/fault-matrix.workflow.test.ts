/**
 * The fault matrix's answers that are not the API (cut-off JSON, an HTML page, a redirect): a
 * clear message, never a parser error. The shared checks every case gets: test/support/fault-
 * matrix.ts.
 */
import {
	type FaultCase,
	NOT_RAW_PARSER,
	createCase,
	retrieveCase,
	useFaultMatrix,
} from '../support/fault-matrix';

const runCase = useFaultMatrix();

const cases: FaultCase[] = [
	retrieveCase(
		'R-malformed: retrieve whose 200 JSON is cut off fails with "malformed JSON", not a parser error',
		{ kind: 'malformed-json', times: 3 },
		{ status: 'error', error: [/cut off or malformed JSON/i], notError: [NOT_RAW_PARSER] },
	),
	retrieveCase(
		'R-html: an HTML page instead of JSON says to check the Base URL',
		{ kind: 'html', times: 3 },
		{
			status: 'error',
			error: [/was not JSON/i, /Base URL in the Comet Video API credential/],
			notError: [NOT_RAW_PARSER],
		},
	),
	retrieveCase(
		'R-moved: a 301 Moved answer is reported clearly (a redirect / the Base URL), not as a confusing 404',
		{ kind: 'moved', times: 3 },
		{
			status: 'error',
			error: [/redirect|moved|\b301\b/i, /Base URL/i],
			notError: [NOT_RAW_PARSER],
		},
	),
	createCase(
		'C-html: an HTML page instead of the create answer says to check the Base URL',
		{ kind: 'html', times: 3 },
		{
			status: 'error',
			error: [/was not JSON/i, /Base URL in the Comet Video API credential/],
			notError: [NOT_RAW_PARSER],
			requests: { create: 1 },
			nodeCreates: 0,
		},
	),
	createCase(
		'C-moved: a 301 Moved create is reported clearly (redirect / Base URL) and makes no job',
		{ kind: 'moved', times: 3 },
		{
			status: 'error',
			error: [/redirect|moved|\b301\b/i, /Base URL/i],
			notError: [NOT_RAW_PARSER],
			nodeCreates: 0,
		},
	),
];

describe('fault matrix: answers that are not the API are reported clearly', () => {
	test.each(cases.map((testCase) => [testCase.name, testCase]))('%s', async (_name, testCase) => {
		await runCase(testCase);
	});
});
