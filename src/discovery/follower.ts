import type { Logger } from 'pino';
import type { EndpointsApplied, EndpointsMessage } from '../api/endpoints.js';
import type { EndpointTable } from './endpoint-table.js';

// A host's DNS server and proxy follow the manager's endpoint stream through this: it applies
// every message to the host's EndpointTable, tells the manager which revision it now serves
// (coalesced: one report in flight, the latest state sent next), and reconnects with backoff
// when the stream breaks or falls silent. Each connection starts with a snapshot, which the
// table takes as the whole truth: nothing missed while away survives it. Between connections the
// table keeps the last state it had (answers may be stale, never invented).

/** The manager, as the follower calls it (ManagerClient with the node's certificate). */
export interface EndpointsSource {
  watchEndpoints(signal: AbortSignal): AsyncIterable<EndpointsMessage>;
  endpointsApplied(body: EndpointsApplied): Promise<void>;
}

export interface FollowerOptions {
  source: EndpointsSource;
  table: EndpointTable;
  log: Logger;
  /** Open connections per draining endpoint (task id), from the proxy; none without one. */
  openConnections?: () => Record<string, number>;
  /** A stream with no message (pings included) for this long is taken as dead and reopened. */
  silenceMs?: number;
  /** Reconnect delays: doubling from `initialMs` up to `maxMs`, with jitter; reset by a snapshot. */
  backoff?: { initialMs: number; maxMs: number };
  /** While a draining endpoint still has open connections, the report is sent again this often. */
  drainingReportMs?: number;
  random?: () => number;
}

const DEFAULT_SILENCE_MS = 15_000;
const DEFAULT_BACKOFF = { initialMs: 100, maxMs: 5_000 };
const DEFAULT_DRAINING_REPORT_MS = 250;
/** A report that failed while the stream stays up is sent again after this long. */
const REPORT_RETRY_MS = 1_000;

export class EndpointsFollower {
  readonly #stopping = new AbortController();
  #running: Promise<void> | undefined;
  #connected = false;
  #reportWanted = false;
  #reporting: Promise<void> | undefined;
  #reportTimer: NodeJS.Timeout | undefined;
  readonly #synced: Promise<void>;
  #markSynced: () => void = () => undefined;
  /** Whether the current (or last) connection got as far as its snapshot. */
  #gotSnapshot = false;
  #connections = 0;

  constructor(private readonly opts: FollowerOptions) {
    this.#synced = new Promise((resolve) => (this.#markSynced = resolve));
  }

  /** Connections opened so far (a test sees a reconnect). */
  get connections(): number {
    return this.#connections;
  }

  start(): void {
    this.#running ??= this.#run();
  }

  /** Resolves once a snapshot has been applied (the table then holds the manager's whole truth). */
  synced(): Promise<void> {
    return this.#synced;
  }

  /** Reports the applied revision again: the proxy's open counts changed (a draining endpoint drained). */
  nudge(): void {
    if (this.#connected) this.#report();
  }

  async stop(): Promise<void> {
    this.#stopping.abort();
    clearTimeout(this.#reportTimer);
    await this.#running;
    await this.#reporting;
  }

  async #run(): Promise<void> {
    const backoff = this.opts.backoff ?? DEFAULT_BACKOFF;
    let failures = 0;
    while (!this.#stopping.signal.aborted) {
      const synced = await this.#follow().catch((err: unknown) => {
        this.opts.log.warn({ code: codeOf(err), err: messageOf(err) }, 'endpoint stream broke; reconnecting');
        return this.#gotSnapshot;
      });
      this.#connected = false;
      if (this.#stopping.signal.aborted) break;
      failures = synced ? 1 : failures + 1;
      const ceiling = Math.min(backoff.maxMs, backoff.initialMs * 2 ** (failures - 1));
      const delay = ceiling / 2 + (ceiling / 2) * (this.opts.random ?? Math.random)();
      await sleep(delay, this.#stopping.signal);
    }
  }

  /** One connection, until it ends; true if it got as far as a snapshot. */
  async #follow(): Promise<boolean> {
    this.#gotSnapshot = false;
    const connection = new AbortController();
    const abort = (): void => connection.abort();
    this.#stopping.signal.addEventListener('abort', abort, { once: true });
    const silenceMs = this.opts.silenceMs ?? DEFAULT_SILENCE_MS;
    let silence = setTimeout(abort, silenceMs);
    try {
      this.#connections += 1;
      for await (const message of this.opts.source.watchEndpoints(connection.signal)) {
        clearTimeout(silence);
        silence = setTimeout(abort, silenceMs);
        if (!this.#gotSnapshot && message.type !== 'snapshot') continue; // the stream always starts with one
        const change = this.opts.table.apply(message);
        if (message.type === 'snapshot') {
          this.#gotSnapshot = true;
          this.#connected = true;
          this.#markSynced();
          this.opts.log.info({ epoch: message.epoch, revision: message.revision }, 'endpoint table synced');
        }
        if (change !== null) this.#report();
      }
      if (connection.signal.aborted && !this.#stopping.signal.aborted)
        this.opts.log.warn({ silenceMs }, 'endpoint stream silent; reconnecting');
      return this.#gotSnapshot;
    } finally {
      clearTimeout(silence);
      this.#stopping.signal.removeEventListener('abort', abort);
    }
  }

  /** Asks for a report; one is in flight at most, and the next one carries the state as it is then. */
  #report(): void {
    this.#reportWanted = true;
    clearTimeout(this.#reportTimer);
    this.#reporting ??= this.#sendReports().finally(() => (this.#reporting = undefined));
  }

  async #sendReports(): Promise<void> {
    while (this.#reportWanted && this.#connected && !this.#stopping.signal.aborted) {
      this.#reportWanted = false;
      const draining = this.opts.openConnections?.() ?? {};
      const body: EndpointsApplied = { epoch: this.opts.table.epoch, revision: this.opts.table.revision };
      if (Object.keys(draining).length > 0) body.draining = draining;
      try {
        await this.opts.source.endpointsApplied(body);
      } catch (err) {
        // the stream breaks too when the manager is away, and the next snapshot is reported
        this.opts.log.warn({ code: codeOf(err), err: messageOf(err) }, 'applied revision not reported');
        this.#reportTimer = setTimeout(() => this.nudge(), REPORT_RETRY_MS);
        return;
      }
      if (Object.values(draining).some((n) => n > 0)) {
        const again = this.opts.drainingReportMs ?? DEFAULT_DRAINING_REPORT_MS;
        this.#reportTimer = setTimeout(() => this.nudge(), again);
      }
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
