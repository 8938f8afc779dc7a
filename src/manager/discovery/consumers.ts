import type { EndpointsApplied } from '../../api/index.js';

/** One open `GET /endpoints/watch`: a host's proxy and DNS server, and what it last said it applied. */
export interface Consumer {
  readonly id: number;
  readonly nodeId: string;
  readonly connectedAtMs: number;
  /** The epoch and revision it last applied; '' and -1 before it said anything. */
  epoch: string;
  revision: number;
  /** Open connections per draining endpoint (task id), as it last reported them. */
  draining: Readonly<Record<string, number>>;
}

/**
 * The live consumers of the endpoint table: one per open watch stream, known by the node whose
 * certificate opened it. `applied` from a node updates each of its open watches (a node may hold
 * two for a moment while it reconnects); from a node with none it is noted nowhere, since a
 * consumer that does not watch cannot be waited for.
 */
export class Consumers {
  readonly #open = new Map<number, Consumer>();
  #ids = 0;
  readonly #listeners = new Set<() => void>();

  constructor(private readonly now: () => number) {}

  get size(): number {
    return this.#open.size;
  }

  live(): IterableIterator<Consumer> {
    return this.#open.values();
  }

  /** A watch opened; returns its consumer, and `close` for when it ends. */
  open(nodeId: string): { consumer: Consumer; close(): void } {
    const consumer: Consumer = {
      id: ++this.#ids,
      nodeId,
      connectedAtMs: this.now(),
      epoch: '',
      revision: -1,
      draining: {},
    };
    this.#open.set(consumer.id, consumer);
    this.#changed();
    return {
      consumer,
      close: () => {
        if (this.#open.delete(consumer.id)) this.#changed();
      },
    };
  }

  /** What a node applied; how many of its watches it updated (0: it has none open). */
  applied(nodeId: string, body: EndpointsApplied): number {
    let updated = 0;
    for (const c of this.#open.values()) {
      if (c.nodeId !== nodeId) continue;
      // a late post of an older revision of the same epoch never moves a consumer back
      if (c.epoch === body.epoch && body.revision < c.revision) continue;
      c.epoch = body.epoch;
      c.revision = body.revision;
      c.draining = body.draining ?? {};
      updated += 1;
    }
    if (updated > 0) this.#changed();
    return updated;
  }

  /** Called after every change: a watch opened or closed, a consumer applied something. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(): void {
    for (const l of this.#listeners) l();
  }
}
