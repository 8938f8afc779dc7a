import type { ServerTls } from '../src/http/index.js';
import { ClusterCa, newKeyAndCsr, publicKeyOfCsr, type CertRole } from '../src/pki/index.js';

// A cluster's TLS as a cluster's are made (its own CA, certificates for 127.0.0.1 valid an hour
// either side of now), for tests that need real TLS servers and clients on loopback.

const HOUR = 3_600_000;

/** A certificate and its key (PEM). */
export interface TestCert {
  cert: string;
  key: string;
}

/** A new cluster CA: its certificate (PEM), and certificates of it for 127.0.0.1. */
export interface TestCluster {
  ca: string;
  /** A certificate of this cluster for `role`, of node `nodeId` (a new one unless given). */
  issue(role: CertRole, nodeId?: string): Promise<TestCert>;
}

export async function testCluster(): Promise<TestCluster> {
  const ca = (await ClusterCa.create(Date.now())).ca;
  return {
    ca: ca.certPem,
    async issue(role, nodeId = crypto.randomUUID()) {
      const { keyPem, csrPem } = await newKeyAndCsr();
      const publicKey = await publicKeyOfCsr(csrPem);
      const validity = { notBeforeMs: Date.now() - HOUR, notAfterMs: Date.now() + HOUR };
      const cert = await ca.issue({ publicKey, nodeId, role, addresses: ['127.0.0.1'], ...validity });
      return { cert, key: keyPem };
    },
  };
}

/** A new CA and a `role` certificate of it for 127.0.0.1: what buildServer's `tls` takes (`ca` is the CA's PEM). */
export async function loopbackTls(role: CertRole = 'manager'): Promise<ServerTls> {
  const c = await testCluster();
  return { ...(await c.issue(role, '33333333-3333-4333-8333-333333333333')), ca: c.ca };
}

/** A new CA and a manager's and a worker's certificate of it, each for 127.0.0.1 (`ca` is the CA's PEM). */
export async function loopbackRoles(): Promise<Record<CertRole, ServerTls>> {
  const c = await testCluster();
  return {
    manager: { ...(await c.issue('manager', '11111111-1111-4111-8111-111111111111')), ca: c.ca },
    worker: { ...(await c.issue('worker', '22222222-2222-4222-8222-222222222222')), ca: c.ca },
  };
}
