// The local API server on its own (a stub route): request targets it cannot parse are a 400, never a crash; a
// kept-alive connection outlives a busy process (the demo's "fetch failed").
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from 'node:http';
import { createApiServer } from '../../lambdas/local/http.ts';

let server: Server;
let port: number;
const seen: string[] = [];

beforeAll(async () => {
  server = createApiServer(async (req) => {
    seen.push(req.path);
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{}' };
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((ok) => server.close(() => ok()));
});

/** One raw HTTP/1.1 request (fetch would normalise the target); resolves with the status line. */
function raw(target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let text = '';
    socket.on('data', (d) => (text += d.toString('utf-8')));
    socket.on('end', () => resolve(text.split('\r\n')[0]));
    socket.on('error', reject);
  });
}

describe('createApiServer', () => {
  it('answers 400 to a target new URL() refuses, and keeps serving', async () => {
    expect(await raw('//a:99999')).toBe('HTTP/1.1 400 Bad Request');
    expect(await raw('/runs/x')).toBe('HTTP/1.1 200 OK');
    expect(seen).toEqual(['/runs/x']);
  });

  it('keeps an idle connection 65 s and says so, so a client reusing it after a busy pause is not reset (the demo\'s "fetch failed")', async () => {
    // fetch keeps an idle socket for the announced timeout less 1 s; Node's default 5 s let a process busy for 6 s
    // (the demo's CPU-bound steps) reuse a socket the server was closing at that moment: ECONNRESET
    const first = await fetch(`http://127.0.0.1:${port}/runs/a`);
    await first.text();
    expect(first.headers.get('keep-alive')).toBe('timeout=65');
    expect(server.keepAliveTimeout).toBe(65_000);
    expect(server.headersTimeout).toBeGreaterThan(server.keepAliveTimeout);
  });
});
