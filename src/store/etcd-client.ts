import { Etcd3 } from 'etcd3';

/** TLS towards etcd: its CA, and a client certificate when etcd asks for one. */
export interface EtcdTls {
  ca: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/**
 * The deadline of a unary call that sets none of its own (the group's CA bundle, leases, status).
 * Without one, gRPC lets such a call wait for ever: a manager restarted while etcd was busy once
 * sat a whole minute before its first log line. Streams (watches, keep-alives) get none.
 */
export const UNARY_DEADLINE_MS = 10_000;

/** A client of the members at `endpoints`, over TLS when `tls` is given. */
export function etcdClient(endpoints: readonly string[], tls: EtcdTls | undefined, dialTimeoutMs: number): Etcd3 {
  return new Etcd3({
    hosts: [...endpoints],
    dialTimeout: dialTimeoutMs,
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + UNARY_DEADLINE_MS }),
    ...(tls === undefined
      ? {}
      : {
          credentials: {
            rootCertificate: tls.ca,
            ...(tls.cert === undefined ? {} : { certChain: tls.cert }),
            ...(tls.key === undefined ? {} : { privateKey: tls.key }),
          },
        }),
  });
}
