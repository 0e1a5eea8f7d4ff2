/** Unit and workflow tests; the end-to-end suite in test/e2e runs separately (npm run test:e2e). */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.js'],
	testPathIgnorePatterns: ['/node_modules/', '/test/e2e/'],
	testTimeout: 60000,
};
