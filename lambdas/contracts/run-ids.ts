// Run identities. An upload's runId is a hash of the object's identity, so a duplicate S3/EventBridge event maps to
// the same run (and the same Step Functions execution name, which AWS refuses to start twice).
import { createHash, randomUUID } from 'node:crypto';

export interface ObjectIdentity {
  bucket: string;
  key: string;
  /** S3 version id (versioned buckets) */
  versionId?: string;
  /** fallback when the bucket is not versioned: the event's sequencer or the etag, so a re-upload is a new run */
  sequencer?: string;
}

/** 32 hex characters of sha-256(bucket, key, version): a valid execution name (≤ 80, [0-9a-f]). */
export function uploadRunId(o: ObjectIdentity): string {
  const version = o.versionId ?? o.sequencer ?? '';
  return createHash('sha256').update(`${o.bucket}\n${o.key}\n${version}`).digest('hex').slice(0, 32);
}

/** A scheduled re-run: one per (portfolio, scheduled minute), so a doubly delivered schedule event runs once. */
export function scheduledRunId(portfolioId: string, scheduledTime: string, source: ObjectIdentity): string {
  const minute = scheduledTime.slice(0, 16);
  return createHash('sha256')
    .update(`schedule\n${portfolioId}\n${minute}\n${source.bucket}\n${source.key}\n${source.versionId ?? ''}`)
    .digest('hex')
    .slice(0, 32);
}

/** API POSTs are independent requests: a random id. */
export function apiRunId(): string {
  return randomUUID();
}

/** `uploads/<portfolioId>/<name>.csv` → portfolioId; undefined for keys outside that layout. */
export function portfolioIdFromKey(key: string): string | undefined {
  const m = /^uploads\/([A-Za-z0-9._-]{1,128})\/[^/].*\.csv$/i.exec(key);
  return m && isPortfolioId(m[1]) && isSafeObjectKey(key) ? m[1] : undefined;
}

/** A relative key with no empty, "." or ".." segment (S3 keeps them literally; a path-style proxy may not). */
export function isSafeObjectKey(key: string): boolean {
  return key.length >= 1 && key.length <= 1024 && key.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

/** Portfolio ids double as S3 path segments and DynamoDB keys: keep them to a safe alphabet. */
export const PORTFOLIO_ID_PATTERN = '^[A-Za-z0-9._-]{1,128}$';
export function isPortfolioId(s: unknown): s is string {
  return typeof s === 'string' && new RegExp(PORTFOLIO_ID_PATTERN).test(s) && s !== '.' && s !== '..';
}
