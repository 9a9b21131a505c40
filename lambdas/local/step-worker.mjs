// Worker bootstrap: registers tsx in this thread, then loads the TypeScript step worker (a worker started from a
// process launched without `--import tsx`, e.g. vitest, cannot load .ts on its own).
import { register } from 'tsx/esm/api';

register();
await import('./step-worker.ts');
