// Builds the CLI into dist/ (gitignored) with esbuild: bin/varstream.ts with its subcommands split into lazily loaded
// chunks, and the local pool's shard worker next to them, so the CLI starts from plain JavaScript and no run bundles
// the worker again. Run by npm's `prepare` (so `npm ci` leaves a built CLI) and by bin/varstream.mjs whenever a source
// is newer than the bundle. Plain JavaScript on purpose: it must run before anything is compiled.
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(ROOT, 'dist');
const STAMP = join(DIST, 'stamp.json');
/** What the bundle is built from: a change under these (or to package.json) makes it stale. */
const SOURCES = ['bin', 'lambdas'];

/** The newest modification time (ms) of the sources, their directories (adds and deletes) and package.json. */
function newestSource() {
  let newest = statSync(join(ROOT, 'package.json')).mtimeMs;
  const walk = (dir) => {
    newest = Math.max(newest, statSync(dir).mtimeMs);
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (/\.(ts|mjs)$/.test(e.name)) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const s of SOURCES) walk(join(ROOT, s));
  return newest;
}

/** True when dist/ holds a bundle built after every source's last change. */
export function isFresh() {
  if (!existsSync(STAMP)) return false;
  try {
    return JSON.parse(readFileSync(STAMP, 'utf8')).sources >= newestSource();
  } catch {
    return false;
  }
}

/** Builds into a private directory and renames it into place (concurrent builds never expose half a bundle). */
export async function buildCli() {
  const { build } = await import('esbuild');
  const sources = newestSource();
  const tmp = `${DIST}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  await build({
    entryPoints: { varstream: join(ROOT, 'bin/varstream.ts'), 'shard-worker': join(ROOT, 'bin/cli/shard-worker.ts') },
    outdir: tmp,
    outExtension: { '.js': '.mjs' },
    // ESM for Node 20+, the chunks both entries share split out once
    bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'silent',
    // the local pool starts the worker built next to it instead of bundling one per process
    define: { VARSTREAM_PREBUILT_WORKER: 'true' },
    // CommonJS dependencies (commander's helpers, @stdlib) call require(): give every ESM chunk one
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  writeFileSync(join(tmp, 'stamp.json'), JSON.stringify({ sources }));
  // another process may have put an equally fresh bundle in place meanwhile (and be running from it): keep that one
  if (isFresh()) {
    rmSync(tmp, { recursive: true, force: true });
    return;
  }
  rmSync(DIST, { recursive: true, force: true });
  try {
    renameSync(tmp, DIST);
  } catch (e) {
    // another process renamed its (equally fresh) build into place first
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(STAMP)) throw e;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildCli();
