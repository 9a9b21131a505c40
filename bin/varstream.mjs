#!/usr/bin/env node
// The package's bin. Starts the CLI from its esbuild bundle in dist/ (built by `npm ci` through `prepare`, and
// rebuilt here first when a TypeScript source is newer), so start-up is plain JavaScript. If no bundle can be built,
// runs the TypeScript through tsx instead. The TypeScript under bin/ and lambdas/ stays the only source.
import { buildCli, DIST, isFresh } from './build.mjs';

let bundled = false;
try {
  if (!isFresh()) await buildCli();
  bundled = true;
} catch {
  // no esbuild or an unwritable package directory: the slower path still works
}
if (bundled) await import(new URL(`file://${DIST}/varstream.mjs`).href);
else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./varstream.ts');
}
