import type { Logger } from 'pino';
import type { Clock } from '../clock/index.js';
import type { NodeCertificateInfo } from './certificate.js';

/** Node certificates last this long unless the manager is told otherwise (`--cert-ttl`). */
export const DEFAULT_CERT_TTL_MS = 7 * 24 * 3_600_000;
/** Renewal happens between these fractions of a certificate's life, at a random point. */
export const RENEW_FROM = 0.5;
export const RENEW_TO = 0.8;
/** A failed renewal is tried again after this, doubling up to RETRY_MAX_MS. */
const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 5 * 60_000;
/** setTimeout holds at most ~24.8 days; a longer wait is taken in steps. */
const MAX_TIMER_MS = 24 * 3_600_000;

/**
 * When to renew a certificate: a random point between 50% and 80% of its life, so the nodes of a
 * cluster that joined together do not all renew in the same second, and a node that cannot reach
 * the manager for a while still has a fifth of the life left to try again.
 */
export function renewalAtMs(cert: Pick<NodeCertificateInfo, 'notBeforeMs' | 'notAfterMs'>, random: number): number {
  const life = cert.notAfterMs - cert.notBeforeMs;
  return cert.notBeforeMs + Math.round(life * (RENEW_FROM + (RENEW_TO - RENEW_FROM) * random));
}

export interface RenewerDeps {
  clock: Clock;
  log: Logger;
  /** [0,1): where in the window each renewal falls, and retry jitter. */
  random(): number;
  /** The certificate in use now. */
  current(): Pick<NodeCertificateInfo, 'notBeforeMs' | 'notAfterMs' | 'nodeId'>;
  /** Gets a new certificate and puts it in use; rejects when it could not. */
  renew(): Promise<void>;
}

/**
 * Renews a certificate on its own: a timer at a random point of the renewal window, then again for
 * each new certificate; a failed renewal is retried with capped exponential backoff until the
 * certificate runs out (then only joining again with a token helps, and the log says so).
 */
export class CertificateRenewer {
  #cancel: (() => void) | undefined;
  #running: Promise<void> | undefined;
  #failures = 0;
  #stopped = false;
  /** When the next renewal is planned, epoch ms (for tests and logs); undefined while one runs. */
  nextAtMs: number | undefined;

  constructor(private readonly deps: Readonly<RenewerDeps>) {}

  start(): void {
    this.#arm(renewalAtMs(this.deps.current(), this.deps.random()));
  }

  /** Cancels the timer and waits for a renewal in flight. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancel?.();
    this.#cancel = undefined;
    await this.#running;
  }

  #arm(atMs: number): void {
    if (this.#stopped) return;
    this.nextAtMs = atMs;
    const delay = Math.max(0, atMs - this.deps.clock.now());
    this.#cancel = this.deps.clock.setTimer(Math.min(delay, MAX_TIMER_MS), () => {
      this.#cancel = undefined;
      if (delay > MAX_TIMER_MS) this.#arm(atMs);
      else this.#running = this.#renew();
    });
  }

  async #renew(): Promise<void> {
    this.nextAtMs = undefined;
    const { log, clock } = this.deps;
    const before = this.deps.current();
    try {
      await this.deps.renew();
      this.#failures = 0;
      const now = this.deps.current();
      log.info({ nodeId: now.nodeId, expiresAt: new Date(now.notAfterMs).toISOString() }, 'certificate renewed');
      this.#arm(renewalAtMs(now, this.deps.random()));
    } catch (err) {
      this.#failures += 1;
      const expired = clock.now() >= before.notAfterMs;
      const backoff = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** (this.#failures - 1));
      const retryMs = Math.round(backoff * (0.5 + this.deps.random() / 2));
      const fields = {
        nodeId: before.nodeId,
        code: (err as { code?: string }).code,
        reason: err instanceof Error ? err.message : String(err),
        retryInMs: retryMs,
      };
      // once expired, the manager refuses the certificate: only joining again with a token helps
      if (expired) log.error(fields, 'certificate expired and could not be renewed; join again with a join token');
      else log.warn(fields, 'certificate renewal failed; will retry');
      this.#arm(clock.now() + retryMs);
    }
  }
}
