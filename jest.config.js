/** Unit and workflow tests; the end-to-end, UI and queue suites run separately (see README). */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	testPathIgnorePatterns: ['/node_modules/', '/test/e2e/'],
	// Types are checked by `npm run lint` (tsc -p tsconfig.test.json); jest only strips them
	// (that tsconfig sets isolatedModules, so ts-jest transpiles file by file).
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
	},
	testTimeout: 60000,
};
