import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import tseslint from 'typescript-eslint';

export default [
	{ ignores: ['dist/**', 'node_modules/**', 'test/**', 'scripts/**', 'examples/**', '.cache/**'] },
	{
		files: ['**/*.ts'],
		languageOptions: { parser: tseslint.parser, parserOptions: { project: './tsconfig.json' } },
	},
	// The package.json rules read the manifest as a JavaScript object expression.
	{ files: ['package.json'], languageOptions: { parser: tseslint.parser } },
	n8nCommunityNodesPlugin.configs.recommended,
];
