// Fault drill of the local stack (issue 12): each scenario runs against a real `npm start` child process on loopback
// ports (0 = any free port) and a throw-away data directory, and the drill prints scenario → outcome.
//   npm run faults                       (about 5–10 min on 2 loaded cores; every wait is bounded)
// Scenarios: kill -9 mid-run and restart; ENOSPC on a 3 MB tmpfs (an unwritable reports/ folder when tmpfs cannot be
// mounted); traversal by PUT and by form POST; same-key races ×20; 200 concurrent uploads; a 50 MB input.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isoDay, seededNormals } from './seeded-returns.ts';
import { scaledCsv } from './load.ts';
import { CREDENTIALS, count, type Outcome, raw, sleep, Stack, var99 } from './fault-stack.ts';


async function killAndRestart(base: string): Promise<Outcome> {
  const dataDir = join(base, 'kill9');
  let stack = await Stack.start(dataDir);
  const key = 'uploads/slow/a.csv';
  let runId: string;
  let atKill: string | undefined;
  try {
    await stack.put('config/slow.json', JSON.stringify({ simulations: 20_000_000, shards: 8 }));
    const { etag } = await stack.put(key, scaledCsv(1));
    if (!etag) throw new Error('the upload failed');
    runId = stack.uploadRunId(key, etag);
    const t0 = Date.now();
    while ((await stack.get(`/runs/${runId}`)).json?.status !== 'RUNNING' && Date.now() - t0 < 30_000) await sleep(100);
    await sleep(500); // mid-run: Fit done or going, shards queued
    atKill = (await stack.get(`/runs/${runId}`)).json?.status;
  } finally {
    // never leave a stack behind, also when the drill itself fails here
    if (stack.alive) await stack.kill9();
  }
  const leftRunning = atKill === 'RUNNING';
  stack = await Stack.start(dataDir);
  try {
    const resumed = stack.lines.some((l) => l.includes(`run ${runId} resumed`));
    const after = await stack.settled(runId, 240_000);
    const again = await stack.post({ portfolioId: 'slow', key });
    const fresh = again.status === 202 && again.json ? await stack.settled(again.json.runId, 240_000) : undefined;
    const same = var99(after) !== undefined && var99(after) === var99(fresh);
    return {
      scenario: 'kill -9 mid-run, restart',
      outcome: `run ${atKill} at the kill → restart ${resumed ? 'resumed it' : 'did not resume it'} → ${after?.status ?? 'still RUNNING'}${after?.error ? ` (${after.error})` : ''}; POST /runs {key} → ${again.status}, fresh run ${fresh?.status ?? '?'}${same ? ', same VaR99' : ''}`,
      ok: leftRunning && after?.status === 'SUCCEEDED' && fresh?.status === 'SUCCEEDED' && same,
    };
  } finally {
    await stack.stop();
  }
}

async function diskFull(base: string): Promise<Outcome> {
  const dataDir = join(base, 'tmpfs');
  await mkdir(dataDir, { recursive: true });
  let mounted = false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', dataDir], { stdio: 'ignore' });
    mounted = true;
  } catch {
    // no mount here: fall back to a folder that cannot be written (a file where reports/ goes)
  }
  const stack = await Stack.start(dataDir);
  try {
    if (!mounted) await writeFile(join(dataDir, 's3', stack.bucket, 'reports'), 'in the way');
    await stack.put('config/full.json', JSON.stringify({ simulations: 2000 }));
    const puts: number[] = [];
    const runIds: string[] = [];
    const body = scaledCsv(1);
    for (let i = 0; i < (mounted ? 40 : 3); i++) {
      const key = `uploads/full/${i}.csv`;
      const r = await stack.put(key, scaledCsv(1 + i / 1000));
      puts.push(r.status);
      if (r.etag) runIds.push(stack.uploadRunId(key, r.etag));
      if (!stack.alive) break;
    }
    const runs = await Promise.all(runIds.map((id) => stack.settled(id, 20_000)));
    const statuses = runs.map((r) => (r ? r.status : 'RUNNING'));
    const api = await stack.get('/portfolios/full/runs').catch(() => ({ status: 0 }));
    const alive = stack.alive;
    // free the disk (the uploads) under the running stack: the executor keeps retrying the FAILED writes the full
    // disk refused, so every run ends FAILED with its write error without a restart
    if (mounted) await rm(join(dataDir, 's3', stack.bucket, 'uploads'), { recursive: true, force: true });
    const t0 = Date.now();
    const freed = await Promise.all(runIds.map((id) => stack.settled(id, 120_000)));
    const freedSecs = (Date.now() - t0) / 1000;
    const live = freed.map((r) => (r ? r.status : 'RUNNING'));
    const errors = [...new Set(freed.filter((r) => r?.status === 'FAILED').map((r) => (r?.error ?? '').replace(/after \d+ (ms|s)/, 'after …').replace(/\d{6}\.log/, 'NNNNNN.log')))].slice(0, 3);
    // and a restart on the same data changes nothing
    await stack.stop();
    const again = await Stack.start(dataDir);
    let after: string[];
    try {
      after = (await Promise.all(runIds.map((id) => again.settled(id, 60_000)))).map((r) => (r ? r.status : 'RUNNING'));
    } finally {
      await again.stop();
    }
    return {
      scenario: mounted ? 'ENOSPC (3 MB tmpfs data dir)' : 'unwritable reports/ folder (tmpfs mount refused)',
      outcome: `${puts.length} PUTs of ${(body.length / 1024).toFixed(0)} KB: ${count(puts.map(String))}; process ${alive ? 'alive' : `EXITED ${stack.exited}: ${stack.lines.slice(-30).join(' | ').slice(0, 3000)}`}; API list → ${api.status}; runs while full: ${count(statuses) || 'none'}; after freeing space, no restart: ${count(live) || 'none'} within ${freedSecs.toFixed(0)} s${errors.length ? ` (${errors.map((e) => `"${e}"`).join('; ')})` : ''}; after a restart: ${count(after) || 'none'}`,
      ok: alive && api.status === 200 && !live.includes('RUNNING') && !after.includes('RUNNING') && puts.every((s) => s === 200 || s === 500 || s === 507),
    };
  } finally {
    await stack.stop();
    // lazy: a server process that is still closing its files must not keep the drill from finishing
    if (mounted) execFileSync('umount', ['-l', dataDir], { stdio: 'ignore' });
  }
}

async function traversal(stack: Stack): Promise<Outcome> {
  const outside = join(stack.dataDir, '..');
  const before = readdirSync(outside).sort().join();
  const puts = await Promise.all(
    [`/${stack.bucket}/uploads/../../../../evil.csv`, `/${stack.bucket}/uploads/%2E%2E/%2E%2E/%2E%2E/evil.csv`, `/${stack.bucket}/uploads/x/..%2F..%2Fconfig/evil.json`].map((p) => raw(stack.s3Endpoint, 'PUT', p, 'date,p\n')),
  );
  const boundary = '----drill';
  const form = `--${boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\nuploads/../../../evil.csv\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\n\r\ndate,p\n\r\n--${boundary}--\r\n`;
  const post = await raw(stack.s3Endpoint, 'POST', `/${stack.bucket}`, form, { 'content-type': `multipart/form-data; boundary=${boundary}` });
  const plain = await raw(stack.apiUrl, 'POST', '/runs', '{"portfolioId": "x", "csv": "date,p"}', { 'content-type': 'text/plain' });
  const after = readdirSync(outside).sort().join();
  const evil = existsSync(join(stack.dataDir, 's3', 'config', 'evil.json')) || existsSync(join(outside, 'evil.csv'));
  return {
    scenario: 'traversal by PUT and by form POST',
    outcome: `PUT ../ (plain, %2E%2E, ..%2F) → ${puts.join(', ')}; form POST → ${post}; POST /runs text/plain → ${plain}; files outside the bucket: ${after === before && !evil ? 'none' : 'WRITTEN'}`,
    ok: puts.every((s) => s === 400) && post === 403 && plain === 415 && after === before && !evil,
  };
}

async function races(stack: Stack, reference: number): Promise<Outcome> {
  await stack.put('config/race.json', JSON.stringify({ simulations: 2000 }));
  const outcomes: string[] = [];
  let wrong = 0;
  await Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      const key = `uploads/race/${i}.csv`;
      // B doubles A's portfolio column: VaR(B) = 2·VaR(A)
      const a = await stack.put(key, scaledCsv(1));
      const b = await stack.put(key, scaledCsv(2));
      const [ra, rb] = await Promise.all([stack.settled(stack.uploadRunId(key, a.etag!), 300_000), stack.settled(stack.uploadRunId(key, b.etag!), 300_000)]);
      const close = (x: number | undefined, y: number) => x !== undefined && Math.abs(x / y - 1) < 1e-9;
      if (ra?.status === 'SUCCEEDED') {
        if (!close(var99(ra), reference)) wrong++;
        outcomes.push(close(var99(ra), reference) ? 'A read A' : 'A read B!');
      } else outcomes.push(ra?.status === 'FAILED' && ra.error?.endsWith('the object changed after upload; re-run it') ? 'A FAILED "the object changed"' : `A ${ra?.status ?? 'RUNNING'} ${ra?.error ?? ''}`);
      if (!(rb?.status === 'SUCCEEDED' && close(var99(rb), 2 * reference))) wrong++;
    }),
  );
  return { scenario: 'same-key races ×20 (A then B)', outcome: `${count(outcomes)}; B SUCCEEDED with 2·VaR(A) in ${20 - wrong + outcomes.filter((o) => o.endsWith('!')).length}/20; wrong numbers: ${wrong}`, ok: wrong === 0 };
}

async function concurrent(stack: Stack, reference: number): Promise<Outcome> {
  const n = 200;
  const t0 = Date.now();
  const results = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const portfolio = `c-${String(i).padStart(3, '0')}`;
      const k = 0.5 + i / n;
      await stack.put(`config/${portfolio}.json`, JSON.stringify({ simulations: 2000 }));
      const key = `uploads/${portfolio}/a.csv`;
      const { etag } = await stack.put(key, scaledCsv(k));
      const run = etag ? await stack.settled(stack.uploadRunId(key, etag), 600_000) : undefined;
      return { run, k, portfolio };
    }),
  );
  const wall = (Date.now() - t0) / 1000;
  const ok = results.filter(({ run, k, portfolio }) => run?.status === 'SUCCEEDED' && run.portfolioId === portfolio && Math.abs(var99(run)! / (k * reference) - 1) < 1e-9).length;
  return { scenario: '200 concurrent uploads', outcome: `${ok}/${n} SUCCEEDED under their own portfolio with VaR = k·VaR(sample) in ${wall.toFixed(0)} s wall; ${count(results.map((r) => r.run?.status ?? 'RUNNING'))}`, ok: ok === n };
}

/** ~50 MB: 536,000 daily rows (dates from year 100 on), portfolio and 3 factors, seeded normal returns. */
function bigCsv(rows = 536_000): string {
  const normal = seededNormals();
  const lines = ['date,portfolio,F1,F2,F3'];
  for (let i = 0; i < rows; i++) {
    const f = [normal() * 0.01, normal() * 0.012, normal() * 0.008];
    const y = 0.9 * f[0] + 0.4 * f[1] - 0.2 * f[2] + normal() * 0.004;
    lines.push(`${isoDay(i)},${y},${f[0]},${f[1]},${f[2]}`);
  }
  return `${lines.join('\n')}\n`;
}

async function bigInput(stack: Stack): Promise<Outcome> {
  const csv = bigCsv();
  await stack.put('config/big.json', JSON.stringify({ simulations: 10_000 }));
  const t0 = Date.now();
  const { status, etag } = await stack.put('uploads/big/a.csv', csv);
  const run = etag ? await stack.settled(stack.uploadRunId('uploads/big/a.csv', etag), 600_000) : undefined;
  const secs = (Date.now() - t0) / 1000;
  const get = run ? await fetch(`${stack.apiUrl}/runs/${run.runId}`).then((r) => r.text()) : '';
  const report = run?.reportKey ? await fetch(`${stack.apiUrl}/runs/${run.runId}/report`, { redirect: 'manual' }).then(async (r) => `${r.status} ${((await r.text()).length / 1e6).toFixed(2)} MB`) : 'none';
  return {
    scenario: `50 MB input (${(csv.length / 1e6).toFixed(1)} MB, 536,000 rows, 3 factors)`,
    outcome: `PUT ${status} → ${run?.status ?? 'still RUNNING'}${run?.error ? ` (${run.error})` : ''} in ${secs.toFixed(0)} s; GET /runs/{id} ${(get.length / 1e6).toFixed(2)} MB, report ${report}; stack peak RSS ${stack.peakRssMb()?.toFixed(0) ?? '?'} MB`,
    ok: run?.status === 'SUCCEEDED' && get.length < 6e6,
  };
}

async function main(): Promise<void> {
  // the SDK clients of this script read dummy credentials from the environment (the local servers check none)
  Object.assign(process.env, CREDENTIALS);
  const base = await mkdtemp(join(tmpdir(), 'varstream-faults-'));
  const outcomes: Outcome[] = [];
  // `npm run faults -- enospc race` runs only the scenarios whose name contains one of the words
  const only = process.argv.slice(2).map((w) => w.toLowerCase());
  const step = async (name: string, fn: () => Promise<Outcome>) => {
    if (only.length && !only.some((w) => name.toLowerCase().includes(w))) return;
    process.stdout.write(`… ${name}\n`);
    try {
      outcomes.push(await fn());
    } catch (e) {
      outcomes.push({ scenario: name, outcome: `drill error: ${(e as Error).message}`, ok: false });
    }
    const last = outcomes[outcomes.length - 1];
    process.stdout.write(`  ${last.ok ? 'ok  ' : 'FAIL'} ${last.outcome}\n`);
  };
  try {
    await step('kill -9 mid-run, restart', () => killAndRestart(base));
    await step('ENOSPC', () => diskFull(base));
    const shared = ['traversal', 'same-key races', '200 concurrent uploads', '50 MB input'];
    const stack = only.length && !shared.some((n) => only.some((w) => n.toLowerCase().includes(w))) ? undefined : await Stack.start(join(base, 'main'));
    if (stack) try {
      await stack.put('config/ref.json', JSON.stringify({ simulations: 2000 }));
      const { etag } = await stack.put('uploads/ref/a.csv', scaledCsv(1));
      const reference = var99(await stack.settled(stack.uploadRunId('uploads/ref/a.csv', etag!), 120_000));
      if (reference === undefined) throw new Error('the reference run did not succeed');
      await step('traversal', () => traversal(stack));
      await step('same-key races', () => races(stack, reference));
      await step('200 concurrent uploads', () => concurrent(stack, reference));
      await step('50 MB input', () => bigInput(stack));
      if (!stack.alive) outcomes.push({ scenario: 'the stack process', outcome: `EXITED ${stack.exited}`, ok: false });
    } finally {
      await stack.stop();
    }
  } finally {
    await rm(base, { recursive: true, force: true }).catch(() => undefined);
  }
  console.log('\n| scenario | outcome | |');
  console.log('|---|---|---|');
  for (const o of outcomes) console.log(`| ${o.scenario} | ${o.outcome} | ${o.ok ? 'ok' : '**FAIL**'} |`);
  process.exit(outcomes.every((o) => o.ok) ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
