import type { Agent as HttpsAgent, AgentOptions } from 'node:https';
import type { PeerCertificate } from 'node:tls';
import { nodeOfSubject, type CertRole } from '../pki/subject.js';

/**
 * How a client speaks TLS to a server of the cluster: it trusts only the cluster's CA, shows its
 * own certificate when it has one (mutual TLS), and may insist on the role the server's
 * certificate states (a worker calls only a manager certificate, the manager only a worker one).
 */
export interface ClientTls {
  /** The CA (PEM) the server's certificate must chain to; nothing else is trusted. */
  ca: string;
  /** This side's certificate and key (PEM), for a server that asks for one. */
  cert?: string;
  key?: string;
  /** The role the server's certificate must state. */
  serverRole?: CertRole;
  /**
   * The node id the server's certificate must name (the node called, not any node of the role):
   * a worker chooses the URL it registers, and may name another worker's.
   */
  serverNode?: string;
}

/**
 * Fixed credentials, or a function that gives the ones in use now: a node whose certificate was
 * renewed hands out a new object, and its next connections use it.
 */
export type TlsSource = ClientTls | (() => ClientTls);

export function currentTls(source: TlsSource): ClientTls {
  return typeof source === 'function' ? source() : source;
}

/**
 * `source`, insisting on the node `nodeId` (undefined: on none) as the server: the same object for
 * the same credentials, so a client keeps its agent and pool until a renewal.
 */
export function calling(source: TlsSource, nodeId: string | undefined): TlsSource {
  if (nodeId === undefined) return source;
  if (typeof source !== 'function') return { ...source, serverNode: nodeId };
  let base: ClientTls | undefined;
  let derived: ClientTls | undefined;
  return () => {
    const now = source();
    if (now !== base || derived === undefined) {
      base = now;
      derived = { ...now, serverNode: nodeId };
    }
    return derived;
  };
}

/** How the node check's error begins (the server's certificate names another node): tlsRefusal reads it. */
export const WRONG_NODE = 'presents node';

/**
 * One keep-alive agent per set of credentials, its TLS options set once (a secure context is then
 * built per connection from them, not per request). Renewed credentials are a new object, hence a
 * new agent; the old one's idle sockets close on their own.
 */
const agents = new WeakMap<ClientTls, HttpsAgent>();

export function agentFor(
  tls: ClientTls,
  https: { Agent: new (o: AgentOptions) => HttpsAgent },
  checkServerIdentity: IdentityCheck,
  idleSocketMs: number,
): HttpsAgent {
  let agent = agents.get(tls);
  if (agent === undefined) {
    agent = new https.Agent({ keepAlive: true, timeout: idleSocketMs, ...connectOptions(tls, checkServerIdentity) });
    agents.set(tls, agent);
  }
  return agent;
}

export type IdentityCheck = (host: string, cert: PeerCertificate) => Error | undefined;

/** The TLS options of a connection made with these credentials (node:https's agent, undici's pool). */
export function connectOptions(
  tls: ClientTls,
  checkServerIdentity: IdentityCheck,
): { ca: string; cert?: string; key?: string; checkServerIdentity: IdentityCheck } {
  return {
    ca: tls.ca,
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
    checkServerIdentity: serverIdentityCheck(tls, checkServerIdentity),
  };
}

/**
 * node:tls's check of the name the server's certificate gives, then the role `tls` insists on
 * (a worker calls only a manager certificate, the manager only a worker one), then the node: the
 * manager calls a worker by the URL it registered, and two workers on one host both name it.
 */
function serverIdentityCheck(tls: ClientTls, checkServerIdentity: IdentityCheck): IdentityCheck {
  const { serverRole: role, serverNode } = tls;
  return (host, cert) => {
    const wrongHost = checkServerIdentity(host, cert);
    if (wrongHost !== undefined || (role === undefined && serverNode === undefined)) return wrongHost;
    const node = nodeOfSubject(cert.subject);
    if (role !== undefined && node?.role !== role)
      return new Error(`the server's certificate is not a ${role} certificate of this cluster`);
    if (serverNode !== undefined && node?.nodeId !== serverNode)
      return new Error(
        `${WRONG_NODE} ${node?.nodeId ?? 'unnamed'}'s certificate, not ${serverNode}'s: another worker's URL?`,
      );
    return undefined;
  };
}
