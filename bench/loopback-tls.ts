import { randomUUID } from 'node:crypto';
import type { ServerTls } from '../src/http/index.js';
import { ClusterCa, newKeyAndCsr, publicKeyOfCsr } from '../src/pki/index.js';

/**
 * A server's side of TLS as the manager has it (src/http/server-tls.ts), for a server a benchmark
 * runs on 127.0.0.1: a new cluster CA, and a manager certificate from it for that address, good
 * for an hour. Clients trust `ca` alone.
 */
export async function loopbackServerTls(): Promise<ServerTls> {
  const { ca } = await ClusterCa.create(Date.now());
  const { keyPem, csrPem } = await newKeyAndCsr();
  const cert = await ca.issue({
    publicKey: await publicKeyOfCsr(csrPem),
    nodeId: randomUUID(),
    role: 'manager',
    addresses: ['127.0.0.1'],
    notBeforeMs: Date.now() - 60_000,
    notAfterMs: Date.now() + 3_600_000,
  });
  return { cert, key: keyPem, ca: ca.certPem };
}
