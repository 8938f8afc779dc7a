import { Etcd3 } from 'etcd3';

/** TLS towards etcd: its CA, and a client certificate when etcd asks for one. */
export interface EtcdTls {
  ca: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** A client of the members at `endpoints`, over TLS when `tls` is given. */
export function etcdClient(endpoints: readonly string[], tls: EtcdTls | undefined, dialTimeoutMs: number): Etcd3 {
  return new Etcd3({
    hosts: [...endpoints],
    dialTimeout: dialTimeoutMs,
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
