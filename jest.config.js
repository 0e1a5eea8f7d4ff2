/** Unit and workflow tests; the end-to-end, UI and queue suites run separately (see README). */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.js', '**/*.test.ts'],
	testPathIgnorePatterns: ['/node_modules/', '/test/e2e/'],
	// Types are checked by `npm run lint` (tsc -p tsconfig.test.json); jest only strips them.
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json', isolatedModules: true }],
	},
	testTimeout: 60000,
};
