import type { Logger } from 'pino';

/** What a failed listen on a virtual IP's port says of the host. */
export type ListenFailure = 'held' | 'vip-gone' | 'other';

/**
 * `held`: another process on this host listens there (a second worker with `--proxy`, whose proxy
 * got there first); `vip-gone`: the address is not on the host (that other proxy took it away as
 * it stopped); `other`: anything else.
 */
export function listenFailure(err: unknown): ListenFailure {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE') return 'held';
  if (code === 'EADDRNOTAVAIL') return 'vip-gone';
  return 'other';
}

/**
 * The virtual IPs' ports another process on this host serves. Each is said once, in one line with
 * what to do, and tried again quietly until it is free; a VIP with such a port is the other
 * proxy's too, so this one leaves it on the bridge when it closes.
 */
export class HeldPorts {
  /** VIP → its ports held elsewhere, as `80/tcp`. */
  readonly #held = new Map<string, Set<string>>();

  constructor(private readonly log: Logger) {}

  held(service: string, vip: string, port: number, protocol: 'tcp' | 'udp'): void {
    const key = `${port}/${protocol}`;
    let ports = this.#held.get(vip);
    if (ports === undefined) this.#held.set(vip, (ports = new Set()));
    if (ports.has(key)) return;
    ports.add(key);
    this.log.warn(
      { service, vip, port, protocol },
      `${vip}:${key} of service ${service} is held by another process on this host (another worker's ` +
        `--proxy?), so this proxy serves it once it is free; run one worker with --proxy per host`,
    );
  }

  /** A listen on the port went through: it is this proxy's now. */
  listening(service: string, vip: string, port: number, protocol: 'tcp' | 'udp'): void {
    const ports = this.#held.get(vip);
    if (ports?.delete(`${port}/${protocol}`) !== true) return;
    if (ports.size === 0) this.#held.delete(vip);
    this.log.info({ service, vip, port, protocol }, 'serving a virtual IP port another process held');
  }

  /** Whether another process serves a port of the VIP, as the last try found. */
  any(vip: string): boolean {
    return this.#held.has(vip);
  }

  forget(vip: string): void {
    this.#held.delete(vip);
  }
}
