// The REST API on node:http: the handlers' own `route` function (same routes, same answers as behind API Gateway),
// with the body limit a gateway would enforce: past MAX_BODY_BYTES we answer 413 and stop reading. Also `serve`, which
// listens and closes any of the stack's node:http servers (the API, dynalite).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { MAX_INLINE_CSV_BYTES } from '../contracts/run-request.ts';
import type { ApiRequest, ApiResponse } from '../handlers/api.ts';

/** The route's own limit for a POST body: an inline CSV of 1 MB plus room for the JSON around it. */
export const MAX_BODY_BYTES = MAX_INLINE_CSV_BYTES + 64 * 1024;

export type Route = (req: ApiRequest) => Promise<ApiResponse>;

function send(res: ServerResponse, r: ApiResponse, close = false): void {
  const body = Buffer.from(r.body, 'utf-8');
  res.writeHead(r.statusCode, { ...r.headers, 'content-length': String(body.byteLength), ...(close ? { connection: 'close' } : {}) });
  res.end(body);
}

const tooLarge = (): ApiResponse => ({
  statusCode: 413,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ error: `request body over ${MAX_INLINE_CSV_BYTES} bytes: upload the CSV to uploads/<portfolioId>/ instead` }),
});

/** Answers 413 without reading the rest; the socket closes once the answer is out (no unbounded draining). */
function reject413(req: IncomingMessage, res: ServerResponse): void {
  req.pause();
  req.unpipe();
  res.once('finish', () => {
    // give the client a moment to read the answer before the connection goes away
    setTimeout(() => req.socket.destroy(), 200).unref();
  });
  send(res, tooLarge(), true);
}

/**
 * How long an idle keep-alive connection stays open. Node's default (5 s) races its clients: fetch keeps an idle
 * socket for the server's `Keep-Alive: timeout` less 1 s, and when the process was busy longer than that (the demo's
 * CPU-bound steps share it with the API) both timers are due at once; the server closes the socket the client is
 * reusing and fetch fails with ECONNRESET ("fetch failed"). 65 s is past any pause the local stack has.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export function createApiServer(route: Route, onError: (e: unknown) => void = () => undefined): Server {
  const server = createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://local');
    } catch {
      // a request target URL cannot parse (`//a:99999`): throwing here would crash the whole process
      req.resume();
      return send(res, { statusCode: 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'malformed request target' }) }, true);
    }
    const query = Object.fromEntries(url.searchParams.entries());
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) return reject413(req, res);

    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.byteLength;
      if (size > MAX_BODY_BYTES) {
        refused = true;
        chunks.length = 0;
        reject413(req, res);
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', onError);
    req.on('end', () => {
      if (refused) return;
      const body = chunks.length ? Buffer.concat(chunks).toString('utf-8') : null;
      // node:http lower-cases header names, as ApiRequest expects; a repeated header counts once (its first value)
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
      route({ method: req.method ?? 'GET', path: url.pathname, query, headers, body }).then(
        (r) => send(res, r),
        (e) => {
          onError(e);
          send(res, { statusCode: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'internal error' }) });
        },
      );
    });
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  // a request's headers may take as long as a kept-alive connection may idle
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1000;
  return server;
}

/** Listens on host:port (an 'error' such as EADDRINUSE rejects) and returns the closer that also drops idle keep-alives. */
export async function serve(server: Server, port: number, host: string): Promise<() => Promise<void>> {
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => ok());
  });
  return () =>
    new Promise<void>((ok) => {
      server.close(() => ok());
      server.closeAllConnections();
    });
}
