import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';

/**
 * A fake manager answering with `handle`, on `port` (0: any free one), closed after the test: its
 * URL, and the server (to stop it).
 */
export async function serve(
  t: TestContext,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
  port = 0,
): Promise<{ url: string; server: Server }> {
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/**
 * A fake manager answering each call (`METHOD /path?query`) with `answer`'s JSON body, 200, or 404
 * where it gives none: its URL.
 */
export async function serveJson(t: TestContext, answer: (call: string) => unknown): Promise<string> {
  const { url } = await serve(t, (req, res) => {
    const body = answer(`${req.method} ${req.url}`);
    if (body === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  return url;
}
