import type { ClientTls } from '../client/index.js';
import type { NodeCredentials } from './node-credentials.js';
import type { CertRole } from './subject.js';

/** A server's side of mutual TLS (src/http's ServerTls). */
export interface ServerCredentials {
  cert: string;
  key: string;
  ca: string;
}

/**
 * A node's credentials in use, replaced when its certificate is renewed: the server takes the
 * new ones for new connections (onChange), and clients get a new ClientTls object, hence new
 * connections with the new certificate.
 */
export class LiveCredentials {
  #creds: NodeCredentials;
  #client: ClientTls;
  readonly #listeners: Array<(creds: NodeCredentials) => void> = [];

  constructor(
    creds: NodeCredentials,
    /** The role every server this node calls must hold (a worker calls the manager, the manager workers). */
    private readonly peerRole: CertRole,
  ) {
    this.#creds = creds;
    this.#client = this.#clientOf(creds);
  }

  get current(): NodeCredentials {
    return this.#creds;
  }

  get server(): ServerCredentials {
    return { cert: this.#creds.certPem, key: this.#creds.keyPem, ca: this.#creds.caPem };
  }

  /** For a client's `tls`: the same object until the next renewal. */
  readonly client = (): ClientTls => this.#client;

  replace(creds: NodeCredentials): void {
    this.#creds = creds;
    this.#client = this.#clientOf(creds);
    for (const fn of this.#listeners) fn(creds);
  }

  onChange(fn: (creds: NodeCredentials) => void): void {
    this.#listeners.push(fn);
  }

  #clientOf(creds: NodeCredentials): ClientTls {
    return { ca: creds.caPem, cert: creds.certPem, key: creds.keyPem, serverRole: this.peerRole };
  }
}
