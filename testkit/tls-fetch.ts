import { request, type Agent } from 'node:https';
import type { ClientTls } from '../src/client/index.js';

// A raw HTTPS request to a server of the cluster, for tests that look at what the typed clients
// hide (status codes, bodies that are not JSON, /metrics): fetch() cannot be told to trust the
// cluster's CA or to show a client certificate.

export interface TlsFetchOptions {
  method?: string;
  body?: string;
  headers?: Record<string, string>;
  /** The CA to trust, and the certificate to show (mutual TLS). */
  tls: Pick<ClientTls, 'ca' | 'cert' | 'key'>;
  /** An API token, sent as a Bearer header. */
  token?: string;
  /** A keep-alive agent, so requests share a connection; without one each opens its own. */
  agent?: Agent;
}

export interface TlsResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The request went over a connection an earlier request opened (its agent's). */
  reusedSocket: boolean;
  text(): string;
  json(): unknown;
}

/** One request, a fresh connection unless `agent` has one, no redirects followed; resolves once the whole body is in. */
export function tlsFetch(url: string, opts: TlsFetchOptions): Promise<TlsResponse> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-length'] = String(Buffer.byteLength(opts.body));
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: opts.method ?? 'GET',
        headers,
        agent: opts.agent ?? false,
        ca: opts.tls.ca,
        ...(opts.tls.cert === undefined ? {} : { cert: opts.tls.cert }),
        ...(opts.tls.key === undefined ? {} : { key: opts.tls.key }),
        timeout: 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            reusedSocket: req.reusedSocket,
            text: () => text,
            json: () => JSON.parse(text) as unknown,
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within 15 s`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}
