import type { ClusterEvent } from './decode.js';

/** A task page lists at most this many of its events, the newest. */
export const TASK_EVENTS_SHOWN = 200;

interface Entry {
  e: ClusterEvent;
  key: string;
  /** Its place among the entries ever taken: a row's key on the page. */
  seq: number;
}

/**
 * One task's events as its page lists them: those the manager kept (asked for once, when the page
 * opens) and each one heard live since, each once, in the order they happened; the newest `max` of
 * them held, and how many there are in all. A task restarted thousands of times has tens of
 * thousands: each is taken once, as it comes (its key made once, put in its place from the newest
 * end), and a render reads what is held without sorting or comparing anything again.
 *
 * Events carry no id: two are the same when every field is (their JSON, made once per event). The
 * same event can come both kept and live only when it happened while the page was asking for the
 * kept ones; those are compared when the kept ones come. Live events are never heard twice (the
 * stream's reconnect leaves out those it had, event-stream.ts).
 */
export class TaskEventLog {
  /** The newest `max`, oldest first. */
  #held: Entry[] = [];
  /** The keys of those held. */
  #keys = new Set<string>();
  #total = 0;
  #seq = 0;
  #keptCame = false;
  #newestFirst: ClusterEvent[] | null = null;
  readonly #seqOf = new WeakMap<ClusterEvent, number>();

  constructor(readonly max = TASK_EVENTS_SHOWN) {}

  /** Events in all: held and older. */
  get total(): number {
    return this.#total;
  }

  /** Whether the kept events came (those the manager had when the page asked). */
  get keptCame(): boolean {
    return this.#keptCame;
  }

  /** One event heard live; false when it was had already (nothing changed). */
  live(e: ClusterEvent): boolean {
    const key = JSON.stringify(e);
    if (this.#keys.has(key)) return false;
    const held = this.#held;
    // older than every one held, and no room: counted, not shown
    if (held.length >= this.max && e.time < (held[0] as Entry).e.time) {
      this.#total += 1;
      return true;
    }
    // its place from the newest end: live events come in order, so almost always last
    let at = held.length;
    while (at > 0 && (held[at - 1] as Entry).e.time > e.time) at -= 1;
    held.splice(at, 0, this.#entry(e, key));
    this.#keys.add(key);
    this.#total += 1;
    this.#trim();
    return true;
  }

  /**
   * The events the manager kept, oldest first, as it streams them (once; a second call is ignored).
   * Only its newest `max`, and those as new as the oldest heard live (the only ones both may hold),
   * are looked at one by one; the others are counted.
   */
  kept(events: readonly ClusterEvent[]): void {
    if (this.#keptCame) return;
    this.#keptCame = true;
    const liveFrom = this.#held[0]?.e.time;
    let from = Math.max(0, events.length - this.max);
    while (from > 0 && liveFrom !== undefined && (events[from - 1] as ClusterEvent).time >= liveFrom) from -= 1;
    const tail: Entry[] = [];
    for (let i = from; i < events.length; i++) {
      const e = events[i] as ClusterEvent;
      const key = JSON.stringify(e);
      if (!this.#keys.has(key)) tail.push(this.#entry(e, key));
    }
    // two runs in time order, merged; of equal times the kept one first (it was had first)
    const live = this.#held;
    const merged: Entry[] = [];
    let k = 0;
    let l = 0;
    while (k < tail.length || l < live.length) {
      const a = tail[k];
      const b = live[l];
      if (b === undefined || (a !== undefined && a.e.time <= b.e.time)) {
        merged.push(a as Entry);
        k += 1;
      } else {
        merged.push(b);
        l += 1;
      }
    }
    this.#total += from + tail.length;
    this.#held = merged;
    this.#keys = new Set(merged.map((x) => x.key));
    this.#trim();
  }

  /** Those held, newest first: the same list until something changes. */
  newestFirst(): readonly ClusterEvent[] {
    this.#newestFirst ??= this.#held.map((x) => x.e).reverse();
    return this.#newestFirst;
  }

  /** A stable key for an event held (its row on the page). */
  keyOf(e: ClusterEvent): number | undefined {
    return this.#seqOf.get(e);
  }

  #entry(e: ClusterEvent, key: string): Entry {
    const seq = this.#seq++;
    this.#seqOf.set(e, seq);
    return { e, key, seq };
  }

  #trim(): void {
    const over = this.#held.length - this.max;
    if (over > 0) for (const gone of this.#held.splice(0, over)) this.#keys.delete(gone.key);
    this.#newestFirst = null;
  }
}
