import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { toReport } from '../api/index.js';
import type { WorkerClient } from '../client/index.js';
import type { Clock } from '../clock/index.js';
import type { Manager } from './manager.js';

/**
 * The seed's static worker list (`--workers host:port,...`): workers that do not push are
 * polled instead. Each poll reads their stats and tasks and stands in for a heartbeat, so such a
 * worker that stops answering is declared down like any other. Such a worker holds a certificate
 * of this cluster too (it joined with `poseidon worker --join-token ... --no-register`): it
 * answers the manager's certificate only. It hears of removed nodes from the poll too: its stats
 * say which version of the revoked list it holds, and the manager puts its own list there when
 * that differs (a put that failed goes again on the next poll; an older worker says none: nothing).
 * The manager keys such a node by its URL, while its certificate names the node id it got when it
 * joined: that id is read from the worker's certificate on the first poll that reaches it (and
 * again after a poll failed: it may have joined anew) and kept with the node, so `node rm` revokes
 * the certificate it holds.
 */
export class StaticWorkers {
  readonly #timers = new Map<string, () => void>();
  /** By URL: the node id its worker's certificate names, once read. */
  readonly #certNodeIds = new Map<string, string>();
  #stopped = false;

  constructor(
    private readonly deps: {
      manager: Manager;
      clock: Clock;
      log: Logger;
      periodMs: number;
      /** A client for the worker at `url` (the manager's certificate: workers answer no one else). */
      client(url: string, timeoutMs: number): Pick<WorkerClient, 'stats' | 'listTasks' | 'putRevoked'>;
      /** The node id the certificate of the worker at `url` names (one TLS handshake). */
      certNodeId(url: string, timeoutMs: number): Promise<string>;
    },
    private readonly urls: readonly string[],
  ) {}

  start(): void {
    for (const url of this.urls) this.#poll(url, nodeIdFor(url));
  }

  stop(): void {
    this.#stopped = true;
    for (const cancel of this.#timers.values()) cancel();
    this.#timers.clear();
  }

  #poll(url: string, nodeId: string): void {
    if (this.#stopped) return;
    const timeoutMs = Math.max(1_000, this.deps.periodMs);
    const client = this.deps.client(url, timeoutMs);
    const once = async (): Promise<void> => {
      try {
        const certNodeId = this.#certNodeIds.get(url) ?? (await this.deps.certNodeId(url, timeoutMs));
        this.#certNodeIds.set(url, certNodeId);
        const [stats, tasks] = await Promise.all([client.stats(), client.listTasks()]);
        const metrics = {
          cpuUsage: Math.min(1, Math.max(0, stats.host.cpuUsage)),
          load1: stats.host.load.load1,
          memoryAvailableBytes: stats.host.memory.availableBytes,
          diskFreeBytes: stats.host.disk.freeBytes,
        };
        await this.deps.manager.register(
          {
            nodeId,
            name: stats.worker,
            url,
            capacity: {
              cpuCores: stats.host.cpuCores,
              memoryBytes: stats.host.memory.totalBytes,
              diskBytes: stats.host.disk.totalBytes,
            },
            metrics,
            tasks: tasks.map(toReport),
          },
          { certNodeId },
        );
        const revoked =
          stats.revokedVersion === undefined ? undefined : this.deps.manager.revokedFor(stats.revokedVersion);
        if (revoked !== undefined) await client.putRevoked(revoked);
      } catch (err) {
        this.#certNodeIds.delete(url); // back, it may hold another certificate (joined anew)
        this.deps.log.debug(
          { url, err: err instanceof Error ? err.message : String(err) },
          'static worker poll failed',
        );
      }
      if (!this.#stopped)
        this.#timers.set(
          url,
          this.deps.clock.setTimer(this.deps.periodMs, () => void once()),
        );
    };
    void once();
  }
}

/** A stable node id for a static worker URL, shaped like a UUID. */
export function nodeIdFor(url: string): string {
  const h = createHash('sha256').update(url).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
