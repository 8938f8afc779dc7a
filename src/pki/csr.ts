import { CLUSTER_ORGANIZATION } from './subject.js';
import { ALGORITHM, generateKeys, loadX509, privateKeyPem } from './x509.js';

/**
 * A new key pair for this node and a certificate signing request for it. The private key never
 * leaves the node: only the request (the public key, signed by the private one) is sent. The
 * request's subject is a placeholder: the manager decides the node id and role it certifies.
 */
export async function newKeyAndCsr(): Promise<{ keyPem: string; csrPem: string }> {
  const x509 = await loadX509();
  const keys = await generateKeys();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=poseidon node, O=${CLUSTER_ORGANIZATION}`,
    keys,
    signingAlgorithm: ALGORITHM,
  });
  return { keyPem: await privateKeyPem(keys.privateKey), csrPem: csr.toString('pem') };
}
