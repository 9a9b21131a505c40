// mkdir -p, one level at a time. Node 20's recursive mkdir (sync and async) spins forever on some paths (under /proc),
// and a bad path from a user must end in an error, never a hang.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export function makeDirectories(path: string): void {
  const dir = resolve(path);
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makeDirectories(parent);
  mkdirSync(dir);
}
