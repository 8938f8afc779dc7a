// What every Poseidon server shares: the fastify instance with its edges (body limit, one error
// shape, unknown fields refused, /healthz, /metrics, request latency).
export { buildServer, BODY_LIMIT_BYTES, type ServerOptions } from './server.js';
export { sendError } from './error-handler.js';
