import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';

// The host's resolvers, where names outside the zone are passed on: the `nameserver` lines of
// /etc/resolv.conf (at most three, as the C library reads them), and its `options timeout:N`.

export interface Upstream {
  host: string;
  port: number;
}

export interface ResolvConf {
  servers: Upstream[];
  /** Per server and try, as `options timeout:N` says, capped at 2 s (the C library's 5 s is long to hold a query). */
  timeoutMs: number;
}

const MAX_SERVERS = 3;
const DEFAULT_TIMEOUT_MS = 2_000;

export function parseResolvConf(text: string): ResolvConf {
  const servers: Upstream[] = [];
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  for (const raw of text.split('\n')) {
    const [keyword, ...rest] = raw
      .replace(/[#;].*$/, '')
      .trim()
      .split(/\s+/);
    if (keyword === 'nameserver' && rest[0] !== undefined) {
      const host = rest[0].replace(/%.*$/, ''); // drop an IPv6 zone id (`%eth0`): isIP refuses it
      if (isIP(host) !== 0 && servers.length < MAX_SERVERS) servers.push({ host, port: 53 });
    }
    if (keyword === 'options')
      for (const option of rest) {
        const m = /^timeout:(\d+)$/.exec(option);
        if (m?.[1] !== undefined) timeoutMs = Math.min(DEFAULT_TIMEOUT_MS, Math.max(1, Number(m[1])) * 1_000);
      }
  }
  return { servers, timeoutMs };
}

/** /etc/resolv.conf as it is now; no file means no resolver (every forwarded name gets SERVFAIL). */
export async function readResolvConf(path = '/etc/resolv.conf'): Promise<ResolvConf> {
  try {
    return parseResolvConf(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { servers: [], timeoutMs: DEFAULT_TIMEOUT_MS };
    throw err;
  }
}
