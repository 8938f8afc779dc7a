/**
 * The engine's words for a start it refused, said as what is wrong: a host port another container
 * or a process holds reads as such, not as the engine's "driver failed programming external
 * connectivity on endpoint poseidon-web-1-… (64 hex digits): Bind for 0.0.0.0:80 failed: port is
 * already allocated". Other refusals keep the engine's words.
 */
export function startFailureWords(detail: string): string {
  const allocated = /Bind for (\S+) failed: port is already allocated/.exec(detail);
  if (allocated !== null)
    return `host port ${allocated[1] ?? ''} is already taken on this machine (another container publishes it)`;
  const inUse = /listen (?:tcp|udp)[46]? (\S+): bind: address already in use/.exec(detail);
  if (inUse !== null) return `host port ${inUse[1] ?? ''} is already in use on this machine (a process listens on it)`;
  return detail;
}
