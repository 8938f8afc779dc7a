// The cluster's certificates: a CA in the manager's data dir, join tokens that pin it, node
// certificates (node id and role in the subject, addresses as alternative names) that nodes get
// by joining and renew on their own. The X.509 library loads only when something is signed.
export { ClusterCa, caPaths, publicKeyOfCsr, MAX_CSR_BYTES } from './ca.js';
export { NodeAuthority, JoinTokenRefused, authorityPaths, type AuthorityOptions } from './authority.js';
export { readNodeCertificate, isIssuedBy, matchesKey, type NodeCertificateInfo } from './certificate.js';
export { newKeyAndCsr } from './csr.js';
export { writeFileAtomic, readIfPresent, PRIVATE_MODE, PUBLIC_MODE } from './files.js';
export {
  joinCluster,
  renewCredentials,
  fetchCaCertificate,
  ClusterCaMismatch,
  BadCertificateAnswer,
  JoinTokenNotAccepted,
} from './join.js';
export {
  caHashOf,
  formatJoinToken,
  parseJoinToken,
  newJoinSecret,
  secretsEqual,
  MalformedJoinToken,
  type JoinToken,
} from './join-token.js';
export {
  credentialPaths,
  credentialsOf,
  loadNodeCredentials,
  saveNodeCredentials,
  type NodeCredentials,
} from './node-credentials.js';
export { CertificateRenewer, renewalAtMs, DEFAULT_CERT_TTL_MS, RENEW_FROM, RENEW_TO } from './renewal.js';
export { NO_REVOKED_VERSION, revokedVersion } from './revoked-version.js';
export {
  nodeSubject,
  nodeOfSubject,
  addressName,
  addressesOfAltNames,
  urlHostIn,
  sameAddress,
  type CertRole,
} from './subject.js';
export { LiveCredentials, type ServerCredentials } from './live-credentials.js';
export { certificateAddresses, managerAddresses } from './addresses.js';
export { nodeCredentials, NotJoined, type NodeJoinOptions } from './node-join.js';
export { filesKeyOf, filesKeyOfPem } from './files-key.js';
