import { withHostIp } from './host-ip.js';

// A port as people read it, as `docker ps` shows one: `8080->80/tcp`, and `127.0.0.1:8080->80/tcp`
// (`[::1]:8080->80/tcp`) when it is bound on one host address only. `status`, `status TASK`,
// `service ps` and `service inspect` show ports so.

export interface PortShown {
  container: number;
  /** 0: no host port (yet: Docker picks one when the container starts; or none, not published). */
  host: number;
  protocol: string;
  /** The one host address it is bound on; absent: where its worker publishes. */
  hostIp?: string;
}

export function portText(p: PortShown): string {
  const port = `${p.container}/${p.protocol}`;
  if (p.host > 0) return `${p.hostIp === undefined ? '' : withHostIp(p.hostIp, '')}${p.host}->${port}`;
  // a port Docker picks a host port for when the container starts
  return p.hostIp === undefined ? port : `${port} on ${p.hostIp}`;
}
