/**
 * How a child process runs one of this repository's TypeScript files: plain `node` with tsx's
 * CommonJS hook, which strips the types as each file is required (no type check: `npm run lint`
 * does that). The hook is resolved to an absolute path, so the child may start in any folder.
 */

/** Node flags that let a process require .ts files (for `fork`'s execArgv). */
export const TYPESCRIPT_NODE_FLAGS: readonly string[] = ['--require', require.resolve('tsx/cjs')];
