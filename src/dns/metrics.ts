import { performance } from 'node:perf_hooks';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Transport } from './queries.js';

// The DNS server's series, in the registry it is given (the worker's, served on its /metrics
// beside the proxy's): queries by type and answer code, forwarded and refused ones, malformed
// messages dropped, and how long an answer took from the query's arrival.

/** Query types counted by name; any other is `other`, so a client cannot make series without bound. */
const TYPES = new Set(['A', 'AAAA', 'SRV', 'PTR', 'SOA', 'ANY', 'CNAME', 'TXT', 'MX', 'NS', 'HTTPS']);
const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'] as const;
const REFUSED = 5;

/** Where an answer came from: the endpoint table, or the host's resolvers. */
export type AnswerSource = 'table' | 'forwarded';

export class DnsMetrics {
  readonly #queries: Counter<'transport' | 'type' | 'rcode'>;
  readonly #forwarded: Counter<'outcome'>;
  readonly #refused: Counter<'transport'>;
  readonly #dropped: Counter<'transport'>;
  readonly #answerSeconds: Histogram<'source'>;

  constructor(registry: Registry) {
    this.#queries = new Counter({
      name: 'poseidon_dns_queries_total',
      help: 'DNS queries answered, by transport, query type and response code',
      labelNames: ['transport', 'type', 'rcode'] as const,
      registers: [registry],
    });
    this.#forwarded = new Counter({
      name: 'poseidon_dns_forwarded_total',
      help: "Queries for names outside the zone passed on to the host's resolvers, by outcome (answered, failed)",
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
    this.#refused = new Counter({
      name: 'poseidon_dns_refused_total',
      help: 'Queries for names outside the zone refused (the server runs with --no-recursion)',
      labelNames: ['transport'] as const,
      registers: [registry],
    });
    this.#dropped = new Counter({
      name: 'poseidon_dns_dropped_total',
      help: 'Messages dropped unanswered: malformed, too large, or not a query',
      labelNames: ['transport'] as const,
      registers: [registry],
    });
    this.#answerSeconds = new Histogram({
      name: 'poseidon_dns_answer_seconds',
      help: 'Time from a query arriving to its answer being sent, by where the answer came from',
      labelNames: ['source'] as const,
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
  }

  /** A start time for `answered` (performance.now() ms). */
  static now(): number {
    return performance.now();
  }

  /** One answer sent: `reply` is its bytes (the response code is read from them). */
  answered(transport: Transport, type: string, reply: Buffer, source: AnswerSource, startedMs: number): void {
    const rcode = (reply[3] ?? 0) & 0x0f;
    this.#queries.inc({ transport, type: TYPES.has(type) ? type : 'other', rcode: RCODES[rcode] ?? 'other' });
    if (rcode === REFUSED && source === 'table') this.#refused.inc({ transport });
    this.#answerSeconds.observe({ source }, (performance.now() - startedMs) / 1000);
  }

  forwarded(outcome: 'answered' | 'failed'): void {
    this.#forwarded.inc({ outcome });
  }

  dropped(transport: Transport): void {
    this.#dropped.inc({ transport });
  }
}
