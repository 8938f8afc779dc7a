import { hostname } from 'node:os';

/** Listen addresses that stand for every interface: a certificate cannot name them. */
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

/**
 * The addresses a node's certificate names: the one it listens on (unless it listens on every
 * interface, then the machine's name), and the host of each URL it advertises.
 */
export function certificateAddresses(listenHost: string, advertised: readonly string[] = []): string[] {
  const out = new Set<string>();
  out.add(WILDCARDS.has(listenHost) ? hostname().toLowerCase() : bare(listenHost));
  for (const url of advertised) out.add(bare(new URL(url).hostname));
  return [...out];
}

/**
 * The manager's: its node addresses and the loopback ones, so the CLI on the manager's machine
 * reaches it as https://127.0.0.1 or https://localhost whatever it listens on.
 */
export function managerAddresses(listenHost: string, advertised: readonly string[] = []): string[] {
  return [...new Set([...certificateAddresses(listenHost, advertised), '127.0.0.1', '::1', 'localhost'])];
}

function bare(host: string): string {
  return host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}
