// Worker bootstrap: registers tsx in this thread, then loads the TypeScript worker. Needed because a worker started
// from a process that was not launched with `--import tsx` (vitest, plain node) cannot load .ts on its own.
import { register } from 'tsx/esm/api';

register();
await import('./shard-worker.ts');
