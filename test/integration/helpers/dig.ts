import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { PoseidonProcess } from '../../../testkit/spawner.js';
import { waitFor } from './wait-for.js';

const run = promisify(execFile);

/** One record of an answer as dig prints it: `name ttl class type data...`. */
export interface DigRecord {
  name: string;
  ttl: number;
  type: string;
  data: string;
}

export interface DigAnswer {
  status: string;
  flags: string[];
  answer: DigRecord[];
  authority: DigRecord[];
  additional: DigRecord[];
}

/** `dig @127.0.0.1 -p PORT NAME TYPE` (one try, 2 s), read into its status and sections. */
export async function dig(port: number, name: string, type = 'A', extra: string[] = []): Promise<DigAnswer> {
  const args = ['@127.0.0.1', '-p', String(port), name, type, '+time=2', '+tries=1', '+nocmd', '+nostats', ...extra];
  const { stdout } = await run('dig', args);
  const status = /status: ([A-Z]+)/.exec(stdout)?.[1] ?? 'NO ANSWER';
  const flags = (/flags: ([a-z ]+);/.exec(stdout)?.[1] ?? '').trim().split(/\s+/);
  const sections: Record<string, DigRecord[]> = { ANSWER: [], AUTHORITY: [], ADDITIONAL: [] };
  let current: DigRecord[] | undefined;
  for (const line of stdout.split('\n')) {
    const header = /^;; ([A-Z]+) SECTION:/.exec(line);
    if (header) current = sections[header[1] ?? ''];
    else if (line.trim() === '') current = undefined;
    else if (current !== undefined && !line.startsWith(';')) {
      const [owner = '', ttl = '0', , rtype = '', ...data] = line.trim().split(/\s+/);
      current.push({ name: owner, ttl: Number(ttl), type: rtype, data: data.join(' ') });
    }
  }
  return {
    status,
    flags,
    answer: sections.ANSWER ?? [],
    authority: sections.AUTHORITY ?? [],
    additional: sections.ADDITIONAL ?? [],
  };
}

/** The A records' addresses of an answer, sorted. */
export function addresses(a: DigAnswer): string[] {
  return a.answer
    .filter((r) => r.type === 'A')
    .map((r) => r.data)
    .sort();
}

/** The port a `worker --proxy --dns-port 0` logged its DNS server on (127.0.0.1). */
export async function dnsPortOf(worker: PoseidonProcess): Promise<number> {
  return waitFor(
    () => {
      for (const line of worker.output) {
        try {
          const parsed = JSON.parse(line) as { msg?: string; addresses?: Array<{ port: number }> };
          if (parsed.msg === 'DNS server listening') return parsed.addresses?.[0]?.port;
        } catch {
          // not a log line
        }
      }
      return undefined;
    },
    { timeoutMs: 15_000, what: 'the DNS server to listen' },
  );
}

/** Whether the worker logged that its DNS server listens for containers (the gateway, port 53). */
export function listensForContainers(worker: PoseidonProcess): boolean {
  return worker.output.some((line) => line.includes('"DNS server listening for containers"'));
}
