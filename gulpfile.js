const { src, dest } = require('gulp');

/**
 * tsc compiles the code; the icons, the codex file and the package's entry point are copied
 * beside it, so the published package is dist/ alone.
 */
function buildIcons() {
	return src(['nodes/**/*.{svg,png,json}', 'credentials/**/*.{svg,png}', 'index.js'], {
		base: '.',
		encoding: false,
	}).pipe(dest('dist'));
}

exports['build:icons'] = buildIcons;
