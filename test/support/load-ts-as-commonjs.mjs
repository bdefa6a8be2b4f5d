/**
 * Module hooks for the tests (package.json's test script): jest-light-runner `import()`s each test
 * file; a `.ts` file is handed to Node's CommonJS loader, where tsx's require hook (`--require
 * tsx/cjs`) strips its types — as for everything it requires. Nothing else goes through these
 * hooks. (With `--import tsx` and its full ESM resolver on Node 20, an `import()` now and then
 * never settled and held its worker idle for ever.)
 */
export async function load(url, context, nextLoad) {
  if (url.startsWith('file:') && /\.ts(?:\?|$)/.test(url)) return { format: 'commonjs', shortCircuit: true };
  return nextLoad(url, context);
}
