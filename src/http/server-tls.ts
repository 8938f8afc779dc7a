import type { FastifyInstance } from 'fastify';
import type { Server as HttpsServer, ServerOptions as HttpsOptions } from 'node:https';

/**
 * A server's side of mutual TLS: its certificate and key, and the CA whose certificates it asks
 * callers for (PEM). A caller without one is still served (`GET /healthz`, joining); who may call
 * what is decided per route (access-guard.ts), from the certificate the handshake verified.
 */
export interface ServerTls {
  cert: string;
  key: string;
  ca: string;
}

/** node:https options for `tls`: client certificates asked for, verified against the CA, not required. */
export function httpsOptions(tls: ServerTls): HttpsOptions {
  return {
    cert: tls.cert,
    key: tls.key,
    ca: tls.ca,
    requestCert: true,
    // a connection without a certificate (or with one that fails) is not cut: the route decides,
    // and answers 401 in the error shape instead of a TLS alert nobody can read
    rejectUnauthorized: false,
    minVersion: 'TLSv1.2',
  };
}

/** Puts renewed credentials in use: new connections get them, open ones keep theirs. */
export function setServerTls(app: FastifyInstance, tls: ServerTls): void {
  (app.server as unknown as HttpsServer).setSecureContext(httpsOptions(tls));
}
