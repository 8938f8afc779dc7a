import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Access, Identify, Identity } from './access.js';
import { allows } from './access-guard.js';

// A request is checked once, before its handler (access-guard.ts); a stream it opens may then run
// for hours (`GET /events`, `logs -f`, an exec, a watch, a copy). A token revoked or expired
// meanwhile, or a node certificate revoked or expired, must not keep it: every open request of a
// route that may stay open (`config.longLived`) is asked again every `everyMs`, and one its caller
// may no longer make is ended, as its route said it ends (endsWhenRefused), or else cut off with
// its connection. The caller's next request is refused, saying why. Other routes answer at once
// and are not tracked: tracking every request cost `submit` a fifth of its rate.

/** How often an open request asks whether its caller may still make it. */
export const ACCESS_RECHECK_MS = 5_000;

/** Ends a request whose caller is refused now; `reason` says why, for a last line to the caller. */
export type RefusedEnd = (reason: string) => void;

const endings = new WeakMap<FastifyRequest, RefusedEnd>();

/**
 * How `req`'s stream ends when its caller is refused while it runs (a stream that ends whole, or
 * with a last line); without it, its connection is cut. Nothing once its response is over.
 */
export function endsWhenRefused(req: FastifyRequest, end: RefusedEnd): void {
  endings.set(req, end);
}

/**
 * Rechecks every open request of `app` whose route needs credentials (guardRoutes' check) every
 * `everyMs`: one timer for the server, from its first request until it closes. Returns what
 * guardRoutes calls for each request it let through.
 */
export function recheckAccess(
  app: FastifyInstance,
  identify: Identify,
  everyMs: number = ACCESS_RECHECK_MS,
): (req: FastifyRequest, res: ServerResponse, access: Access) => void {
  const open = new Map<FastifyRequest, { access: Access; res: ServerResponse }>();
  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    for (const [req, { access, res }] of open) {
      const identity = identify(req);
      if (allows(access, identity)) continue;
      open.delete(req);
      end(req, res, identity);
    }
  };
  app.addHook('onClose', (_app, done) => {
    clearInterval(timer);
    done();
  });
  return (req, res, access) => {
    if (access === 'open') return;
    open.set(req, { access, res });
    // the response's end, not the request's: a request's body may be read whole long before its answer ends
    res.once('close', () => open.delete(req));
    // from the first request on, not one per request: most are over long before the first tick
    if (timer === undefined) {
      timer = setInterval(tick, everyMs);
      timer.unref();
    }
  };
}

function end(req: FastifyRequest, res: ServerResponse, identity: Identity): void {
  const reason =
    identity.kind === 'anonymous'
      ? (identity.rejected?.reason ?? 'its credentials are no longer accepted')
      : 'its caller may no longer make it';
  const tokenId = identity.kind === 'anonymous' ? identity.rejected?.tokenId : undefined;
  const nodeId = identity.kind === 'anonymous' ? identity.rejected?.nodeId : undefined;
  req.log.info(
    { route: `${req.method} ${req.routeOptions.url ?? ''}`, tokenId, nodeId, reason },
    'stream ended: its caller is refused now',
  );
  const ending = endings.get(req);
  if (ending !== undefined) ending(reason);
  else res.destroy();
}
