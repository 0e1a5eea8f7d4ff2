/** The part of @n8n/scan-community-package's scanner that scripts/scan-package.ts calls. */
declare module '@n8n/scan-community-package/scanner/scanner.mjs' {
	export interface AnalysisResult {
		passed: boolean;
		message?: string;
		/** ESLint's "stylish" report of the findings, present when the check failed. */
		details?: string;
	}

	/** Globs (relative to the checkout) the scanner lints in a package's source repository. */
	export const SOURCE_FILE_PATTERNS: string[];

	export function analyzePackage(
		packageDir: string,
		filePatterns?: string[],
	): Promise<AnalysisResult>;
}
