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
export { sendError } from './error-handler.js';
