import type { ServerTls } from '../src/http/index.js';
import { ClusterCa, newKeyAndCsr, publicKeyOfCsr, type CertRole } from '../src/pki/index.js';

// A server's TLS as a cluster's are made (its own CA, a certificate for 127.0.0.1 valid an hour
// either side of now), for tests that need a real TLS server on loopback.

const HOUR = 3_600_000;

/** A new CA and a `role` certificate of it for 127.0.0.1: what buildServer's `tls` takes (`ca` is the CA's PEM). */
export async function loopbackTls(role: CertRole = 'manager'): Promise<ServerTls> {
  const ca = (await ClusterCa.create(Date.now())).ca;
  const { keyPem, csrPem } = await newKeyAndCsr();
  const cert = await ca.issue({
    publicKey: await publicKeyOfCsr(csrPem),
    nodeId: '33333333-3333-4333-8333-333333333333',
    role,
    addresses: ['127.0.0.1'],
    notBeforeMs: Date.now() - HOUR,
    notAfterMs: Date.now() + HOUR,
  });
  return { cert, key: keyPem, ca: ca.certPem };
}

/** A new CA and a manager's and a worker's certificate of it, each for 127.0.0.1 (`ca` is the CA's PEM). */
export async function loopbackRoles(): Promise<Record<CertRole, ServerTls>> {
  const ca = (await ClusterCa.create(Date.now())).ca;
  const issue = async (role: CertRole, nodeId: string): Promise<ServerTls> => {
    const { keyPem, csrPem } = await newKeyAndCsr();
    const publicKey = await publicKeyOfCsr(csrPem);
    const validity = { notBeforeMs: Date.now() - HOUR, notAfterMs: Date.now() + HOUR };
    const cert = await ca.issue({ publicKey, nodeId, role, addresses: ['127.0.0.1'], ...validity });
    return { cert, key: keyPem, ca: ca.certPem };
  };
  return {
    manager: await issue('manager', '11111111-1111-4111-8111-111111111111'),
    worker: await issue('worker', '22222222-2222-4222-8222-222222222222'),
  };
}
