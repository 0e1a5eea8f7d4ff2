// n8n loads the node and credential from the paths in package.json's "n8n" section; this entry
// point (copied into dist/ by the build, so the package ships only dist/) lets the package be
// required as a whole.
module.exports = {};
