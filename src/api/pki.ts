import { Type, type Static } from '@sinclair/typebox';

// Joining the cluster and keeping a node certificate: what a node sends the manager and gets
// back, and the join token an admin rotates. Certificates and requests travel as PEM text.

/** Longest PEM a request carries (ours are well under 1 KiB). */
const MAX_PEM = 8 * 1024;
/** An IP address or a DNS name, as a certificate's subject alternative names hold them. */
const Address = Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.:-]+$' });
const Addresses = Type.Array(Address, { minItems: 1, maxItems: 16 });

/** `POST /join` (open: the join token is the credential). */
export const JoinRequest = Type.Object(
  {
    /** The whole join token, `PSDN-1-<CA hash>-<secret>`. */
    token: Type.String({ minLength: 1, maxLength: 256 }),
    /** A certificate signing request for the node's own key (the key stays on the node). */
    csr: Type.String({ minLength: 1, maxLength: MAX_PEM }),
    /** Where the node may be reached: its certificate names these, and the URL it registers must be one. */
    addresses: Addresses,
  },
  { additionalProperties: false },
);
export type JoinRequest = Static<typeof JoinRequest>;

/** `POST /certificates/renew` (a node certificate of this cluster, not revoked): the same node, a new key. */
export const RenewRequest = Type.Object(
  { csr: Type.String({ minLength: 1, maxLength: MAX_PEM }), addresses: Addresses },
  { additionalProperties: false },
);
export type RenewRequest = Static<typeof RenewRequest>;

/** The answer to a join or a renewal. */
export const NodeCertificateView = Type.Object({
  nodeId: Type.String(),
  role: Type.Union([Type.Literal('manager'), Type.Literal('worker')]),
  certificate: Type.String({ description: "The node's certificate, PEM." }),
  ca: Type.String({ description: "The cluster's CA certificate, PEM." }),
  expiresAt: Type.String(),
});
export type NodeCertificateView = Static<typeof NodeCertificateView>;

/** `POST /join-token/rotate` (admin): the new worker join token; the old one no longer joins anyone. */
export const JoinTokenView = Type.Object({ token: Type.String() });
export type JoinTokenView = Static<typeof JoinTokenView>;

/** `DELETE /nodes/{id-or-name}` (admin): the node removed, and its certificate refused from now on. */
export const RemovedNodeView = Type.Object({ nodeId: Type.String(), name: Type.String(), revokedAt: Type.String() });
export type RemovedNodeView = Static<typeof RemovedNodeView>;
