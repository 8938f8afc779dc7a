import { isIPv4, isIPv6 } from 'node:net';

// A published port's host address (`-p 127.0.0.1:8080:80`, a spec's `ports[].hostIp`, Compose's
// `host_ip`): the one address of its node the port is bound on, as Docker binds it. No TypeBox
// here: the CLI and the Compose reader check it with the words the manager uses.

export const HOST_IP_RULE = 'must be an IPv4 or IPv6 address of the node, such as 127.0.0.1 or ::1';

const WILDCARDS = new Set(['0.0.0.0', '::']);

/**
 * The address as Docker takes it (IPv6 in its short form, brackets off), or undefined when it is
 * none: a name (`localhost`) is not taken, as Docker takes none.
 */
export function normalHostIp(text: string): string | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isIPv4(bare)) return bare;
  // a zone (`fe80::1%eth0`) names an interface: Docker binds no such address
  if (!isIPv6(bare) || bare.includes('%')) return undefined;
  return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
}

/** Every address (`0.0.0.0`, `::`): the same as none, where the worker publishes (its --host). */
export function isWildcardIp(ip: string): boolean {
  return WILDCARDS.has(ip);
}

/** 127.0.0.0/8 or ::1: reached from the node itself only. */
export function isLoopbackIp(ip: string): boolean {
  return (isIPv4(ip) && ip.startsWith('127.')) || normalHostIp(ip) === '::1';
}

/** The rule `text` breaks as a host address (`must be…`), with what to write instead; undefined when it is one. */
export function hostIpProblem(text: string): string | undefined {
  if (normalHostIp(text) !== undefined) return undefined;
  return text.trim().toLowerCase() === 'localhost' ? `${HOST_IP_RULE} (127.0.0.1 for localhost)` : HOST_IP_RULE;
}

/**
 * Where a port asked for on `asked` is bound, on a worker that publishes on `workerIp` (its
 * --host): a port keeps to what the worker allows, never wider. Every address (or none asked) is
 * the worker's own; a loopback address is taken on any worker (nothing off the node reaches it);
 * another address only on a worker that publishes on every address, or on that one. Returns
 * the address, or an Error saying why the worker cannot honour it.
 */
export function publishAddress(asked: string | undefined, workerIp: string): string | Error {
  if (asked === undefined || isWildcardIp(asked)) return workerIp;
  if (isLoopbackIp(asked) || isWildcardIp(workerIp) || workerIp === '' || normalHostIp(workerIp) === asked)
    return asked;
  return new Error(
    `its port's host address ${asked} is not one this worker publishes on (its --host is ${workerIp}): ` +
      'give a loopback address or none, or run the worker with --host 0.0.0.0 or that address',
  );
}

/** `127.0.0.1:8080`, `[::1]:8080`: an address and port as `docker ps` and `-p` write them. */
export function withHostIp(ip: string, rest: string): string {
  return ip.includes(':') ? `[${ip}]:${rest}` : `${ip}:${rest}`;
}
