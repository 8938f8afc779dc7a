import type { FastifyRequest } from 'fastify';

// Who may call what. Every route declares the access it needs (route option `config.access`);
// the server establishes who is calling once per request (a client certificate of this
// cluster's CA, a Bearer token) and refuses before any handler runs: 401 when the caller could
// not be identified, 403 when it is known but not allowed. The security issue fills in the two
// ways of being identified (src/pki for certificates, src/auth for tokens); this file is the
// contract between them and the servers.

/** What an API token allows, each including the ones before it: read < deploy < admin. */
export type Scope = 'read' | 'deploy' | 'admin';

/** What a node certificate says its holder is. */
export type NodeRole = 'manager' | 'worker';

/** Who is calling. */
export type Identity =
  | { kind: 'node'; nodeId: string; role: NodeRole }
  | { kind: 'token'; tokenId: string; scope: Scope }
  | { kind: 'anonymous'; rejected?: Rejected };

/**
 * Credentials that were presented and not accepted (a revoked token, a malformed header): why,
 * for the 401's message and its log line. Never a secret; the token id or node named is the one
 * the caller claimed.
 */
export interface Rejected {
  /** Written for the caller: "token 3f9a2c1b7e4d was revoked". */
  reason: string;
  tokenId?: string;
  nodeId?: string;
  /** The node was removed from the cluster: answered `node_removed`, so its worker knows to stop. */
  nodeRemoved?: true;
}

/**
 * What a route needs:
 * - `open`: anyone (`GET /healthz`, joining with a join token, which the handler checks);
 * - `read`, `deploy`, `admin`: a token with at least that scope (people, scripts, the console);
 * - `node`: a worker certificate, speaking only for the node it names (the handler compares);
 * - `manager`: a manager certificate (every route of the Worker API but /healthz).
 */
export type Access = 'open' | Scope | 'node' | 'manager';

/**
 * Establishes who is calling; never throws for "nobody" (that is `anonymous`). Synchronous: it
 * reads what the connection and the headers carry, and runs on every request.
 */
export type Identify = (req: FastifyRequest) => Identity;

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /**
     * The route may stay open for long (a stream, a relay, a copy): its caller's credentials are
     * asked again while it runs (access-recheck.ts). Others end within the server's request timeout.
     */
    longLived?: boolean;
  }
  interface FastifyRequest {
    identity?: Identity;
  }
}
