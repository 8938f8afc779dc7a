// What every Poseidon server shares: the fastify instance with its edges (body limit, one error
// shape, unknown fields refused, /healthz, /metrics, request latency).
export { buildServer, BODY_LIMIT_BYTES, type ServerOptions } from './server.js';
export { sendError } from './error-handler.js';
/** Who may call what: the contract (access.ts) and its check before every handler. */
export type { Access, Identify, Identity, NodeRole, Rejected, Scope } from './access.js';
export { allows, anyIdentity } from './access-guard.js';
