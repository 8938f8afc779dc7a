import { ApiError, TOKEN_REFUSED, type Api } from './api.js';
import { clusterEvent, type ClusterEvent } from './decode.js';

/** `refused`: the manager refuses the token (revoked, expired): asking again cannot work, and is not done. */
export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'refused';

const BACKOFF_MS = [500, 1_000, 2_000, 5_000];
/** What the stream's state says while the manager does not answer at all (it restarts, the network broke). */
export const NO_ANSWER = 'the manager does not answer; trying again';
/** What the page lists when it opens: the events the manager kept from this long ago. */
export const RECENT_MS = 15 * 60_000;
/** The longest the page waits for those (a manager whose clock is behind the browser's holds them back). */
const PAST_WAIT_MS = 5_000;
/** The longest the stream waits for the manager to answer its ask (a manager that hangs accepts, then says nothing). */
const ANSWER_WAIT_MS = 10_000;
/**
 * The longest the stream stays silent before the manager is taken not to answer: it sends a keep-alive
 * every 15 s on an event stream (text/event-stream), so two missed and some slack. Without this a hung
 * manager (stopped, its machine gone without a reset) would leave the page saying it is live.
 */
export const SILENCE_MS = 40_000;

/**
 * Follows `GET /events` (as an event stream, whose keep-alives tell a quiet cluster from a manager
 * that hangs; NDJSON from a server that answers that) with a streaming fetch, the token in its header:
 * each event as it happens, no polling. A manager that does not answer within ANSWER_WAIT_MS, or says
 * nothing for SILENCE_MS, is taken as one that does not answer at all (NO_ANSWER).
 * When the stream ends or fails it connects again with backoff, from the
 * last event it had (those of that very time it had are left out), and `onResync` runs first on
 * every reconnect. `past()` reads the events the manager kept from before the page opened, `ofTask()`
 * those of one task.
 */
export class EventFollower {
  readonly #abort = new AbortController();
  #running: Promise<void> = Promise.resolve();
  /** The time of the last event, and the lines of that time: where a reconnect starts. */
  #last: { time: string; lines: Set<string> } | null = null;

  constructor(
    private readonly api: Api,
    private readonly on: {
      event(e: ClusterEvent): void;
      state(s: StreamState, detail: string): void;
      resync(): Promise<void>;
    },
  ) {}

  start(): void {
    this.#running = this.#run();
  }

  /** Once it follows no more: stopped, or its token refused. */
  get finished(): Promise<void> {
    return this.#running;
  }

  stop(): void {
    this.#abort.abort();
  }

  async #run(): Promise<void> {
    let failures = 0;
    let first = true;
    while (!this.#abort.signal.aborted) {
      const watch = new Watchdog(this.#abort.signal);
      try {
        this.on.state(first ? 'connecting' : 'reconnecting', '');
        const from = this.#last === null ? '' : `?since=${encodeURIComponent(this.#last.time)}`;
        watch.arm(ANSWER_WAIT_MS);
        const { reader, type } = await this.api.typedStream(`/events${from}`, watch.signal, 'text/event-stream');
        watch.arm(SILENCE_MS);
        if (!first) await this.on.resync();
        first = false;
        failures = 0;
        this.on.state('live', '');
        await this.#read(reader, (type ?? '').startsWith('text/event-stream'), () => watch.arm(SILENCE_MS));
      } catch (err) {
        if (this.#abort.signal.aborted) return;
        if (err instanceof ApiError && err.status === TOKEN_REFUSED) {
          this.on.state('refused', err.message);
          return;
        }
        // fetch's own words for a manager that does not answer ("Failed to fetch") say little to a person
        const lost = err instanceof TypeError || watch.fired; // network failures, a stream cut off, or silent
        const why = lost ? NO_ANSWER : err instanceof Error ? err.message : String(err);
        this.on.state('reconnecting', why);
      } finally {
        watch.done();
      }
      first = false;
      const wait = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)] ?? 5_000;
      failures += 1;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** Each event of the stream; `sse`: an event stream, whose `data:` lines carry them. `heard`: on every chunk. */
  async #read(reader: ReadableStreamDefaultReader<Uint8Array>, sse: boolean, heard: () => void): Promise<void> {
    await eachLine(
      reader,
      (raw) => {
        // an event stream's comments (keep-alives) and `event:` lines carry nothing the data line does not
        if (sse && !raw.startsWith('data:')) return;
        const line = sse ? raw.slice('data:'.length).trim() : raw;
        const e = clusterEvent(JSON.parse(line) as unknown);
        if (!this.#seen(e.time, line)) this.on.event(e);
      },
      heard,
    );
  }

  /**
   * The events the manager kept from the last RECENT_MS until now, oldest first: to list, not to
   * apply (the state loaded is newer than they are). What came within PAST_WAIT_MS, on a failure too.
   */
  async past(): Promise<ClusterEvent[]> {
    const now = Date.now();
    const kept = await this.#kept({
      since: new Date(now - RECENT_MS).toISOString(),
      until: new Date(now).toISOString(),
    });
    return kept.events;
  }

  /**
   * A task's events the manager kept, from `sinceIso` (its submission) until now, oldest first: its
   * whole history as far as the manager kept it, however many other events came since. None from a
   * manager that takes no `task` (older), and what came within PAST_WAIT_MS. Null when the manager
   * did not answer, or its answer was cut off: what came is not its history, and none is not its word.
   */
  async ofTask(taskId: string, sinceIso: string): Promise<ClusterEvent[] | null> {
    const since = sinceIso === '' ? '0' : sinceIso;
    const kept = await this.#kept({ task: taskId, since, until: new Date().toISOString() });
    return kept.answered ? kept.events : null;
  }

  /** What came; `answered` false when the manager did not answer or the answer was cut (not by the wait). */
  async #kept(params: Record<string, string>): Promise<{ events: ClusterEvent[]; answered: boolean }> {
    const query = new URLSearchParams(params).toString();
    const events: ClusterEvent[] = [];
    let answered = true;
    const abort = new AbortController();
    const stop = (): void => abort.abort();
    this.#abort.signal.addEventListener('abort', stop);
    const timer = setTimeout(stop, PAST_WAIT_MS);
    try {
      const reader = await this.api.stream(`/events?${query}`, abort.signal);
      await eachLine(reader, (line) => events.push(clusterEvent(JSON.parse(line) as unknown)));
    } catch (err) {
      // what came is what there is: the page lists live events either way; a network failure is a TypeError
      answered = !(err instanceof TypeError);
    } finally {
      clearTimeout(timer);
      this.#abort.signal.removeEventListener('abort', stop);
    }
    return { events, answered };
  }

  /** True for an event had before (a reconnect asks again from the last time); notes it otherwise. */
  #seen(time: string, line: string): boolean {
    if (this.#last !== null && time < this.#last.time) return false; // out of order: the last stays
    if (this.#last === null || this.#last.time !== time) {
      this.#last = { time, lines: new Set([line]) };
      return false;
    }
    if (this.#last.lines.has(line)) return true;
    this.#last.lines.add(line);
    return false;
  }
}

/**
 * Each line of an NDJSON body; a line `take` cannot read is skipped (the next resync repairs what it said).
 * `heard`: told of each chunk as it comes.
 */
async function eachLine(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  take: (line: string) => void,
  heard?: () => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    heard?.();
    buffered += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (line === '') continue;
      try {
        take(line);
      } catch {
        // one event the console cannot read is skipped
      }
    }
  }
}

/** Ends one try of the stream once a deadline passes without word from the manager (or when the follower stops). */
class Watchdog {
  readonly #abort = new AbortController();
  readonly #stop = (): void => this.#abort.abort();
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Whether a deadline passed (the manager said nothing for that long), rather than the follower stopping. */
  fired = false;

  constructor(private readonly outer: AbortSignal) {
    outer.addEventListener('abort', this.#stop);
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** From now, `ms` at most until the next word. */
  arm(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.fired = true;
      this.#abort.abort();
    }, ms);
  }

  done(): void {
    clearTimeout(this.#timer);
    this.outer.removeEventListener('abort', this.#stop);
  }
}
