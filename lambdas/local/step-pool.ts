// A fixed pool of worker threads running pipeline steps (fit, simulate, reduce) for the local stack.
// One step per worker at a time (they are CPU-bound). The queue serves the oldest run first, so under a burst of
// uploads the first runs finish early instead of every run finishing at the end.
import { Worker } from 'node:worker_threads';

import type { LambdaStep } from './definition.ts';

export type StepName = LambdaStep;

/** What each worker needs to build its own S3/DynamoDB clients. */
export interface StepWorkerData {
  bucket: string;
  table: string;
  inlineShardLimit: number;
  /** endpoints and region for the adapters' client factories */
  env: Record<string, string>;
  logLevel: string;
}

export interface StepRequest {
  id: number;
  step: StepName;
  event: unknown;
}

export type StepReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { name: string; message: string } };

/** A worker's own heap (v8.getHeapStatistics of its isolate) and the native memory it holds, in bytes. */
export interface WorkerMemory {
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** Asks a worker for its WorkerMemory (answered between steps' awaits, never queued behind them). */
export interface MemoryRequest {
  memory: number;
}

interface Task {
  id: number;
  priority: number;
  step: StepName;
  event: unknown;
  resolve: (value: unknown) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  task?: Task;
  loaded: boolean;
}

const WORKER_URL = new URL('./step-worker.mjs', import.meta.url);

/** An error thrown inside a worker, rebuilt with its name (InputError, RunAlreadyFinished, …) and message. */
export class StepError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export class StepPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private readonly memoryReplies = new Map<number, (m: WorkerMemory) => void>();
  private stopped = false;
  /** resolves once every worker has loaded its modules */
  readonly ready: Promise<void>;

  constructor(
    readonly size: number,
    private readonly data: StepWorkerData,
    /** the env the workers see (dummy credentials, endpoints) */
    private readonly env: Record<string, string | undefined>,
  ) {
    if (size < 1) throw new Error('StepPool needs at least one worker');
    const ready: Promise<void>[] = [];
    for (let i = 0; i < size; i++) ready.push(this.spawn());
    this.ready = Promise.all(ready).then(() => undefined);
  }

  /** Runs one step; `priority` lower runs first (the run's sequence number), ties in submission order. */
  run<T>(step: StepName, event: unknown, priority = 0): Promise<T> {
    if (this.stopped) return Promise.reject(new StepError('StackStopped', 'local stack stopped'));
    return new Promise<T>((resolve, reject) => {
      const task: Task = { id: this.nextId++, priority, step, event, resolve: resolve as (v: unknown) => void, reject };
      // stable insert: after every task of the same or a lower priority
      let i = this.queue.length;
      while (i > 0 && this.queue[i - 1].priority > priority) i--;
      this.queue.splice(i, 0, task);
      this.dispatch();
    });
  }

  /** Drops the queued steps of one run (its `priority`), rejecting them with `reason`; running steps finish. */
  cancel(priority: number, reason: Error): number {
    let dropped = 0;
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (this.queue[i].priority !== priority) continue;
      const [task] = this.queue.splice(i, 1);
      task.reject(reason);
      dropped++;
    }
    return dropped;
  }

  /** Steps waiting plus steps running. */
  get pending(): number {
    return this.queue.length + this.slots.filter((s) => s.task).length;
  }

  /** Each live worker's heap and native memory (the soak tells the workers' growth from the main thread's). */
  memory(): Promise<WorkerMemory[]> {
    return Promise.all(
      this.slots.map(
        (s) =>
          new Promise<WorkerMemory>((resolve) => {
            const id = this.nextId++;
            this.memoryReplies.set(id, resolve);
            s.worker.postMessage({ memory: id } satisfies MemoryRequest);
          }),
      ),
    );
  }

  /** Terminates every worker; queued and running steps reject with "local stack stopped". */
  async stop(): Promise<void> {
    this.stopped = true;
    const stoppedError = () => new StepError('StackStopped', 'local stack stopped');
    for (const t of this.queue.splice(0)) t.reject(stoppedError());
    const slots = this.slots.splice(0);
    for (const s of slots) {
      s.task?.reject(stoppedError());
      s.task = undefined;
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Promise<void> {
    const worker = new Worker(WORKER_URL, { workerData: this.data, env: this.env });
    const slot: Slot = { worker, loaded: false };
    this.slots.push(slot);
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (msg: StepReply | { ready: true } | { memory: number; value: WorkerMemory }) => {
        if ('memory' in msg) {
          this.memoryReplies.get(msg.memory)?.(msg.value);
          this.memoryReplies.delete(msg.memory);
          return;
        }
        if ('ready' in msg) {
          slot.loaded = true;
          resolve();
          this.dispatch();
          return;
        }
        const task = slot.task;
        if (!task || task.id !== msg.id) return;
        slot.task = undefined;
        if (msg.ok) task.resolve(msg.value);
        else task.reject(new StepError(msg.error.name, msg.error.message));
        this.dispatch();
      });
      const lost = (e: Error) => {
        if (!slot.loaded) reject(e);
        const i = this.slots.indexOf(slot);
        if (i < 0) return; // stopped: stop() already rejected the task
        this.slots.splice(i, 1);
        slot.task?.reject(new StepError('WorkerCrashed', `step worker died: ${e.message}`));
        slot.task = undefined;
        // keep the pool at size: a crashed step fails its run, not the stack
        if (!this.stopped && slot.loaded) this.spawn().catch(() => undefined);
      };
      worker.on('error', lost);
      worker.on('exit', (code) => lost(new Error(`exit code ${code}`)));
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.task || !slot.loaded) continue;
      const task = this.queue.shift()!;
      slot.task = task;
      slot.worker.postMessage({ id: task.id, step: task.step, event: task.event } satisfies StepRequest);
    }
  }
}
