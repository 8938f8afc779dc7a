import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody } from '../api/index.js';
import { ERRORS } from '../errors/index.js';
import type { Access, Identify, Identity, Scope } from './access.js';

// The check access.ts describes: who is calling is established once per request, before the body
// is read, and a caller the route does not allow is refused before any handler runs.

const SCOPE_RANK: Readonly<Record<Scope, number>> = { read: 0, deploy: 1, admin: 2 };

/** Whether `identity` may call a route that needs `access` (a node's own id is the handler's to compare). */
/** The id of the API token that identified a request (for a log line); undefined for anyone else. */
export function tokenIdOf(identity: Identity | undefined): string | undefined {
  return identity?.kind === 'token' ? identity.tokenId : undefined;
}

export function allows(access: Access, identity: Identity): boolean {
  switch (access) {
    case 'open':
      return true;
    case 'node':
      return identity.kind === 'node' && identity.role === 'worker';
    case 'manager':
      return identity.kind === 'node' && identity.role === 'manager';
    default:
      return identity.kind === 'token' && SCOPE_RANK[identity.scope] >= SCOPE_RANK[access];
  }
}

/**
 * Tries each way of identifying a caller in turn: the first that knows who is calling wins; when
 * none does, the caller is anonymous, with the first rejection of presented credentials kept.
 */
export function anyIdentity(...ways: readonly Identify[]): Identify {
  return (req) => {
    let first: Identity = { kind: 'anonymous' };
    for (const identify of ways) {
      const identity = identify(req);
      if (identity.kind !== 'anonymous') return identity;
      if (first.kind === 'anonymous' && first.rejected === undefined) first = identity;
    }
    return first;
  };
}

/**
 * Guards every route of `app` registered after this call: a route without `config.access` fails
 * at registration (a route nobody thought about is a bug, not an open door), and each request is
 * identified and checked in onRequest. A request that matches no route is not checked: it gets
 * its 404 and can do nothing else. With `watch`, each request let through is told to it (access-recheck.ts:
 * a request still open is asked again while it runs).
 */
export function guardRoutes(
  app: FastifyInstance,
  identify: Identify,
  watch?: (req: FastifyRequest, res: FastifyReply['raw'], access: Access) => void,
): void {
  app.addHook('onRoute', (route) => {
    if (route.config?.access === undefined)
      throw new Error(
        `${String(route.method)} ${route.url} declares no access; set config.access (src/http/access.ts)`,
      );
  });
  // a callback, not a promise: fastify then spends no promise and turns on it (every request runs it)
  app.addHook('onRequest', (req, reply, done) => {
    const access = req.routeOptions.config.access;
    if (access === undefined) {
      done();
      return;
    }
    const identity = identify(req);
    req.identity = identity;
    if (allows(access, identity)) {
      // only a route that may stay open is tracked: tracking every request cost a submission a fifth of its rate
      if (watch !== undefined && req.routeOptions.config.longLived === true) watch(req, reply.raw, access);
      done();
    } else refuse(req, reply, access, identity); // sending ends the request: done() is not called
  });
}

function needs(access: Access): string {
  switch (access) {
    case 'node':
      return 'a worker certificate of this cluster';
    case 'manager':
      return 'a manager certificate of this cluster';
    case 'admin':
      return 'a token with scope admin';
    default:
      return `a token with scope ${access} or above`;
  }
}

function who(identity: Identity): string {
  if (identity.kind === 'token') return `token ${identity.tokenId} (scope ${identity.scope})`;
  if (identity.kind === 'node') return `node ${identity.nodeId} (${identity.role} certificate)`;
  return 'an anonymous caller';
}

/** What refusing a caller says: the status, the error body, and the fields of its one log line. */
export interface Refusal {
  status: number;
  body: ErrorBody;
  fields: Record<string, string>;
  /** A token could have been accepted here: the answer names the Bearer scheme. */
  bearer: boolean;
}

/**
 * 401 when nobody could be identified, 403 when the caller is known but not allowed. `route` is the
 * pattern (`DELETE /nodes/:id`, kept in the log line); `called` the method and path the caller
 * called (`DELETE /nodes/worker-1`), which the message names: the caller knows what it called, not
 * which pattern that matched.
 */
export function refusalOf(route: string, access: Access, identity: Identity, called: string = route): Refusal {
  const spec =
    identity.kind !== 'anonymous'
      ? ERRORS.forbidden
      : identity.rejected?.nodeRemoved === true
        ? ERRORS.node_removed
        : ERRORS.unauthenticated;
  let message: string;
  const fields: Record<string, string> = { code: spec.code, route };
  if (called !== route) fields.path = called;
  let bearer = false;
  if (identity.kind === 'anonymous') {
    message = identity.rejected?.reason ?? `${called} needs ${needs(access)}; the request carried no credentials`;
    if (identity.rejected?.tokenId !== undefined) fields.tokenId = identity.rejected.tokenId;
    if (identity.rejected?.nodeId !== undefined) fields.nodeId = identity.rejected.nodeId;
    bearer = access === 'read' || access === 'deploy' || access === 'admin';
  } else {
    message = `${who(identity)} may not call ${called}: it needs ${needs(access)}`;
    if (identity.kind === 'token') fields.tokenId = identity.tokenId;
    if (identity.kind === 'node') fields.nodeId = identity.nodeId;
  }
  fields.reason = message;
  return { status: spec.status, body: { error: { code: spec.code, message } }, fields, bearer };
}

/** Refuses the request in the error shape, with one log line at info. */
function refuse(req: FastifyRequest, reply: FastifyReply, access: Access, identity: Identity): void {
  const refusal = refusalOf(`${req.method} ${req.routeOptions.url ?? req.url}`, access, identity, calledOf(req));
  if (refusal.bearer) void reply.header('www-authenticate', 'Bearer realm="poseidon"');
  req.log.info(refusal.fields, 'request refused');
  void reply.status(refusal.status).send(refusal.body);
}

/** The method and path called, without the query (long, and nothing of access); at most 200 characters. */
function calledOf(req: FastifyRequest): string {
  const path = req.url.split('?')[0] ?? req.url;
  return `${req.method} ${path.length > 200 ? `${path.slice(0, 200)}…` : path}`;
}
