const { src, dest } = require('gulp');

/** tsc compiles the code; the icons (and the codex file) are copied beside it. */
function buildIcons() {
	return src(['nodes/**/*.{svg,png,json}', 'credentials/**/*.{svg,png}'], {
		base: '.',
		encoding: false,
	}).pipe(dest('dist'));
}

exports['build:icons'] = buildIcons;
