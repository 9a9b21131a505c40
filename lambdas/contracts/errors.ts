// The errors that reach users (CLI stderr, a FAILED run's `error`, an API 4xx), one class each. Every class has a
// literal `name` (Step Functions' Catch/Retry match on it and bundles are minified, so it cannot come from the class
// name), a typed `payload` a caller can act on without parsing the message, and takes a `cause` to chain.

/** The base: `name` says which error, `payload` what it is about, `cause` what led to it. */
export abstract class VarstreamError<P extends object = object> extends Error {
  abstract override readonly name: string;
  constructor(
    message: string,
    readonly payload: P,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface InputErrorPayload {
  file: string;
  line: number;
  column: number;
  detail: string;
}

/**
 * A user's input problem: always reported as one line `FILE:LINE:COLUMN: message`, CLI exit status 2, run FAILED,
 * API 400. Never retried.
 *
 * @example new InputError('a.csv', 3, 7, 'not a number: "x"').message // 'a.csv:3:7: not a number: "x"'
 */
export class InputError extends VarstreamError<InputErrorPayload> {
  override readonly name = 'InputError';
  constructor(file: string, line: number, column: number, detail: string, options?: { cause?: unknown }) {
    super(`${file}:${line}:${column}: ${detail}`, { file, line, column, detail }, options);
  }
  get file(): string {
    return this.payload.file;
  }
  get line(): number {
    return this.payload.line;
  }
  get column(): number {
    return this.payload.column;
  }
  get detail(): string {
    return this.payload.detail;
  }
}

/**
 * The deployment's own settings are wrong (a VARSTREAM_* variable, or a cdk.json setting such as `scheduleCron`): the
 * operator's problem, not the user's. `variable` names the setting.
 *
 * @example new ConfigError('VARSTREAM_TABLE', 'environment variable VARSTREAM_TABLE is not set').payload.variable
 */
export class ConfigError extends VarstreamError<{ variable: string }> {
  override readonly name = 'ConfigError';
  constructor(variable: string, message: string, options?: { cause?: unknown }) {
    super(message, { variable }, options);
  }
}

/**
 * Something the pipeline stored for a run (fit context, a shard's partial) is missing or is not what it should be.
 *
 * @example new StoredDataError('partials/r1/0.bin', 'partial: truncated header').payload.key // 'partials/r1/0.bin'
 */
export class StoredDataError extends VarstreamError<{ key: string }> {
  override readonly name = 'StoredDataError';
  constructor(key: string, message: string, options?: { cause?: unknown }) {
    super(message, { key }, options);
  }
}

/** A late duplicate of a finished run must not redo it; the Catch leaves the run's record untouched. */
export class RunAlreadyFinished extends VarstreamError<{ runId: string; status: string }> {
  override readonly name = 'RunAlreadyFinished';
  constructor(runId: string, status: string, options?: { cause?: unknown }) {
    super(`run ${runId} is already ${status}`, { runId, status }, options);
  }
}
