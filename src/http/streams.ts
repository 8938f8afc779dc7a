import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

// A response that streams until its client leaves (`GET /events`, the endpoints watch, `logs -f`)
// would keep its server from stopping: node's close() waits for every connection to end, and such
// a client never ends its own. Each such route says how its stream ends; when the server closes,
// they all end first (their clients see the stream end), then the server stops as for any request.

const endings = new WeakMap<object, Set<() => void>>();

/** buildServer's: the streams of `app` end when it closes. */
export function endStreamsOnClose(app: FastifyInstance): void {
  const open = new Set<() => void>();
  endings.set(app.server, open);
  app.addHook('preClose', async () => {
    const ends = [...open];
    open.clear();
    for (const end of ends) end();
  });
}

/** The request's stream is ended by `end` when its server closes (nothing once the response is over). */
export function endsWithServer(req: FastifyRequest, reply: FastifyReply, end: () => void): void {
  const open = endings.get(req.server.server);
  if (open === undefined) return;
  open.add(end);
  reply.raw.once('close', () => open.delete(end));
}
