import type { Logger } from 'pino';
import { reply, resolve, RCODE, type AnswerOptions, type DnsTable } from './answer.js';
import { decodeQuery, encodeReply, udpLimit } from './codec.js';
import type { Forwarder } from './forwarder.js';
import { DnsMetrics } from './metrics.js';

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
    private readonly metrics?: DnsMetrics,
  ) {}

  /** The reply's bytes, a promise of them (forwarded), or undefined: drop the message unanswered. */
  handle(bytes: Buffer, transport: Transport): Buffer | Promise<Buffer> | undefined {
    const metrics = this.metrics;
    const startedMs = metrics === undefined ? 0 : DnsMetrics.now();
    const query = decodeQuery(bytes);
    if (query === undefined) {
      this.counts.dropped += 1;
      metrics?.dropped(transport);
      return undefined;
    }
    const limit = transport === 'udp' ? udpLimit(query) : undefined;
    const resolution = resolve(query, this.table, this.opts);
    const type = query.questions?.[0]?.type ?? 'none';
    if (resolution.kind === 'reply') {
      this.counts.answered += 1;
      const out = encodeReply(resolution.packet, limit);
      metrics?.answered(transport, type, out, 'table', startedMs);
      return out;
    }
    this.counts.forwarded += 1;
    const servfail = (): Buffer => encodeReply(reply(query, this.opts, RCODE.SERVFAIL, false).packet, limit);
    const sent = (out: Buffer, outcome: 'answered' | 'failed'): Buffer => {
      metrics?.forwarded(outcome);
      metrics?.answered(transport, type, out, 'forwarded', startedMs);
      return out;
    };
    if (this.forwarder === undefined) return sent(servfail(), 'failed');
    return this.forwarder.forward(bytes, transport).then(
      (answer) => (answer === null ? sent(servfail(), 'failed') : sent(answer, 'answered')),
      (err: unknown) => {
        this.log.warn({ err }, 'forwarding a query failed');
        return sent(servfail(), 'failed');
      },
    );
  }
}
