import type { Logger } from 'pino';
import { reply, resolve, RCODE, type AnswerOptions, type DnsTable } from './answer.js';
import { decodeQuery, encodeReply, udpLimit } from './codec.js';
import type { Forwarder } from './forwarder.js';

// One query's bytes in, its reply's bytes out, whatever the transport: answered from the table
// at once (no promise on that path: it is the one a busy resolver takes thousands of times a
// second), or passed on to the host's resolvers.

export type Transport = 'udp' | 'tcp';

/** Counts by outcome, for /metrics and the benchmark. */
export interface QueryCounts {
  answered: number;
  forwarded: number;
  dropped: number;
}

export class QueryHandler {
  readonly counts: QueryCounts = { answered: 0, forwarded: 0, dropped: 0 };
  constructor(
    private readonly table: DnsTable,
    private readonly opts: AnswerOptions,
    private readonly forwarder: Forwarder | undefined,
    private readonly log: Logger,
  ) {}

  /** The reply's bytes, a promise of them (forwarded), or undefined: drop the message unanswered. */
  handle(bytes: Buffer, transport: Transport): Buffer | Promise<Buffer> | undefined {
    const query = decodeQuery(bytes);
    if (query === undefined) {
      this.counts.dropped += 1;
      return undefined;
    }
    const limit = transport === 'udp' ? udpLimit(query) : undefined;
    const resolution = resolve(query, this.table, this.opts);
    if (resolution.kind === 'reply') {
      this.counts.answered += 1;
      return encodeReply(resolution.packet, limit);
    }
    this.counts.forwarded += 1;
    const servfail = (): Buffer => encodeReply(reply(query, this.opts, RCODE.SERVFAIL, false).packet, limit);
    if (this.forwarder === undefined) return servfail();
    return this.forwarder.forward(bytes, transport).then(
      (answer) => answer ?? servfail(),
      (err: unknown) => {
        this.log.warn({ err }, 'forwarding a query failed');
        return servfail();
      },
    );
  }
}
