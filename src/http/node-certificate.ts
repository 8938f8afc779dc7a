import type { FastifyRequest } from 'fastify';
import { TLSSocket } from 'node:tls';
import { addressesOfAltNames, nodeOfSubject, type CertRole } from '../pki/subject.js';
import type { Identify, Identity } from './access.js';

// The certificate side of identifying a caller (access.ts): a client certificate that the TLS
// handshake verified against the cluster's CA, that names a node of ours and that is neither
// expired nor revoked, identifies that node. Read once per connection, checked per request: a
// keep-alive connection outlives neither its certificate nor a revocation.

/** What a connection's client certificate says, read once per connection. */
type Peer =
  | { kind: 'none' }
  | { kind: 'refused'; reason: string; nodeId?: string }
  | { kind: 'node'; nodeId: string; role: CertRole; notAfterMs: number; addresses: string[] };

export interface CertificateIdentityDeps {
  /** Epoch ms, for expiry. */
  now(): number;
  /** A node removed from the cluster (the manager's store); workers know of none. */
  isRevoked?(nodeId: string): boolean;
}

const peers = new WeakMap<TLSSocket, Peer>();

/** Identifies callers by their client certificate; a caller that shows none is anonymous. */
export function identifyByCertificate(deps: CertificateIdentityDeps): Identify {
  return (req) => identityOf(peerOf(req), deps);
}

/**
 * Identifies the holder of a connection by its client certificate, outside any route: an upgraded
 * connection (the worker's tunnel), which fastify never sees. Anonymous over plain TCP.
 */
export function identifySocket(socket: unknown, deps: CertificateIdentityDeps): Identity {
  return identityOf(socket instanceof TLSSocket ? peerOfSocket(socket) : { kind: 'none' }, deps);
}

/** The addresses the caller's certificate names (its subject alternative names); none without one. */
export function peerAddresses(req: FastifyRequest): readonly string[] {
  const peer = peerOf(req);
  return peer.kind === 'node' ? peer.addresses : [];
}

function identityOf(peer: Peer, deps: CertificateIdentityDeps): Identity {
  if (peer.kind === 'none') return { kind: 'anonymous' };
  if (peer.kind === 'refused') return rejected(peer.reason, peer.nodeId);
  if (deps.now() >= peer.notAfterMs) return rejected(`the certificate of node ${peer.nodeId} has expired`, peer.nodeId);
  if (deps.isRevoked?.(peer.nodeId) === true)
    return {
      kind: 'anonymous',
      rejected: {
        reason:
          `node ${peer.nodeId} was removed from the cluster; its certificate is revoked ` +
          '(to join again, start its worker with an empty --data-dir and a join token)',
        nodeId: peer.nodeId,
        nodeRemoved: true,
      },
    };
  return { kind: 'node', nodeId: peer.nodeId, role: peer.role };
}

function rejected(reason: string, nodeId: string | undefined): Identity {
  return { kind: 'anonymous', rejected: nodeId === undefined ? { reason } : { reason, nodeId } };
}

function peerOf(req: FastifyRequest): Peer {
  const socket = req.raw.socket;
  return socket instanceof TLSSocket ? peerOfSocket(socket) : { kind: 'none' };
}

function peerOfSocket(socket: TLSSocket): Peer {
  let peer = peers.get(socket);
  if (peer === undefined) {
    peer = readPeer(socket);
    peers.set(socket, peer);
  }
  return peer;
}

function readPeer(socket: TLSSocket): Peer {
  const cert = socket.getPeerCertificate();
  if (cert === null || Object.keys(cert).length === 0) return { kind: 'none' };
  // what the certificate claims, for the log line of a refusal: never trusted for anything else
  const claimed = nodeOfSubject(cert.subject)?.nodeId;
  if (!socket.authorized) {
    const why = describe(String(socket.authorizationError ?? 'unknown'));
    return { kind: 'refused', reason: `client certificate refused: ${why}`, ...(claimed ? { nodeId: claimed } : {}) };
  }
  const node = nodeOfSubject(cert.subject);
  if (node === undefined)
    return { kind: 'refused', reason: 'client certificate refused: it names no node of this cluster' };
  return {
    kind: 'node',
    ...node,
    notAfterMs: Date.parse(cert.valid_to),
    addresses: addressesOfAltNames(cert.subjectaltname),
  };
}

/** OpenSSL's verification codes, in words. */
function describe(code: string): string {
  if (code === 'CERT_HAS_EXPIRED') return 'it has expired';
  if (code === 'CERT_NOT_YET_VALID') return 'it is not valid yet';
  if (/^(UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|CERT_SIGNATURE_FAILURE|CERT_UNTRUSTED)/.test(code))
    return `it was not issued by this cluster's CA (${code})`;
  return code;
}
