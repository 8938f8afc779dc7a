// What every Poseidon server shares: the fastify instance with its edges (body limit, one error
// shape, unknown fields refused, /healthz, /metrics, request latency).
export { buildServer, type ServerOptions } from './server.js';
/** Body limits per kind of route, and the deadlines every server holds its clients to. */
export {
  BODY_LIMIT_BYTES,
  TASK_BODY_LIMIT_BYTES,
  BATCH_BODY_LIMIT_BYTES,
  NODE_BODY_LIMIT_BYTES,
  SERVER_TIMEOUTS,
  type ServerTimeouts,
} from './limits.js';
export { errorAnswer, sendError } from './error-handler.js';
/**
 * endsWithServer: a response that streams until its client leaves ends when the server closes;
 * relayUntilClose: a stream passed on from another server, ended as its RelayEnd says when this
 * one closes; relayOutput and endRelay: the same for a server that writes the answer itself.
 */
export { endRelay, endsWithServer, relayOutput, relayUntilClose, StreamStopped, type RelayEnd } from './streams.js';
/** Who may call what: the contract (access.ts) and its check before every handler. */
export type { Access, Identify, Identity, NodeRole, Rejected, Scope } from './access.js';
export { allows, anyIdentity, refusalOf, tokenIdOf, type Refusal } from './access-guard.js';
/** A long request asked again while it runs: a token or certificate refused meanwhile ends it. */
export { ACCESS_RECHECK_MS, endsWhenRefused, type RefusedEnd } from './access-recheck.js';
/** Mutual TLS for a server: its certificate, the CA it asks callers' certificates of, renewal. */
export { setServerTls, type ServerTls } from './server-tls.js';
/** Identifying a caller by its client certificate (a node of this cluster), and what it names. */
export {
  identifyByCertificate,
  identifySocket,
  peerAddresses,
  type CertificateIdentityDeps,
} from './node-certificate.js';
/** GET /openapi.json (the option `openapi` of buildServer), and response schemas for answers that are not JSON. */
export { NoContent, streamedResponse, textResponse, type OpenApiInfo } from './openapi.js';
/** Uploads of tar archives (`poseidon cp`): streamed through, never parsed, and cut off past their bound. */
export { BodyTooLarge, cappedBody, streamTarBodies, tarBody, TAR_BODY } from './tar-body.js';
