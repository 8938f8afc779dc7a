import type { ClientRequest } from 'node:http';
import { request } from 'node:https';
import { EndpointTable } from '../../../src/discovery/index.js';
import type { EndpointsMessage } from '../../../src/api/index.js';
import { tlsFetch } from '../../../testkit/tls-fetch.js';

/**
 * A host's side of `GET /endpoints/watch`, as a test holds it: the stream read with a worker's
 * node certificate, every message kept in order and applied to an EndpointTable (the copy a DNS
 * server or proxy keeps), and `applied` posted with the same certificate when the test says so.
 */
export class WatchConsumer {
  readonly messages: EndpointsMessage[] = [];
  readonly table = new EndpointTable();
  #req: ClientRequest | undefined;
  #status = 0;

  constructor(
    readonly managerUrl: string,
    readonly tls: { ca: string; cert: string; key: string },
  ) {}

  /** Opens the watch; resolves once the answer's head is in (its status). */
  open(): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.managerUrl}/endpoints/watch`,
        { agent: false, ca: this.tls.ca, cert: this.tls.cert, key: this.tls.key },
        (res) => {
          this.#status = res.statusCode ?? 0;
          let buffered = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buffered += chunk;
            for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
              const line = buffered.slice(0, nl);
              buffered = buffered.slice(nl + 1);
              if (line.trim() === '') continue;
              const m = JSON.parse(line) as EndpointsMessage;
              this.messages.push(m);
              this.table.apply(m);
            }
          });
          res.on('error', () => {});
          resolve(this.#status);
        },
      );
      req.on('error', reject);
      req.end();
      this.#req = req;
    });
  }

  /** Posts what this host applied: the table's epoch and revision, and open connections per draining task. */
  async applied(draining: Record<string, number> = {}): Promise<number> {
    const body = JSON.stringify({ epoch: this.table.epoch, revision: this.table.revision, draining });
    const res = await tlsFetch(`${this.managerUrl}/endpoints/applied`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
      tls: this.tls,
    });
    return res.status;
  }

  close(): void {
    this.#req?.destroy();
  }
}
