// The local API server on its own (a stub route): request targets it cannot parse are a 400, never a crash.
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
});
