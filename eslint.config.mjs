import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import tseslint from 'typescript-eslint';

const PACKAGE_FILES = ['nodes/**/*.ts', 'credentials/**/*.ts', 'package.json'];
const DEVELOPMENT_FILES = ['test/**/*.ts', 'tools/**/*.ts', 'scripts/**/*.ts'];

export default tseslint.config(
	{ ignores: ['dist/**', 'node_modules/**', 'examples/**', '.cache/**', 'out/**', 'coverage/**'] },
	// The package n8n loads: n8n's community-node rules.
	{
		files: ['nodes/**/*.ts', 'credentials/**/*.ts'],
		languageOptions: { parser: tseslint.parser, parserOptions: { project: './tsconfig.json' } },
	},
	// The package.json rules read the manifest as a JavaScript object expression.
	{ files: ['package.json'], languageOptions: { parser: tseslint.parser } },
	{ ...n8nCommunityNodesPlugin.configs.recommended, files: PACKAGE_FILES },
	// Tests, tools and scripts: typescript-eslint's recommended rules, with their own tsconfig.
	{
		files: DEVELOPMENT_FILES,
		extends: [tseslint.configs.recommended],
		languageOptions: { parserOptions: { project: './tsconfig.test.json' } },
	},
);
