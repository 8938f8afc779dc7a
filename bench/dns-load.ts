import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import dnsPacket, { type RecordType } from 'dns-packet';

// A UDP load on one DNS server (127.0.0.1): `inFlight` queries outstanding at all times, each
// answer sending the next, until `maxQueries` are answered or `maxMs` has passed. A query with no
// answer within a second is counted lost and replaced. Latency is per query, send to answer.

export interface DnsQuery {
  name: string;
  type: RecordType;
}

export interface DnsLoadResult {
  answered: number;
  lost: number;
  elapsedMs: number;
  latenciesMs: number[];
}

const LOST_AFTER_MS = 1_000;

export async function runDnsLoad(opts: {
  port: number;
  queries: readonly DnsQuery[];
  inFlight: number;
  maxQueries: number;
  maxMs: number;
  signal: AbortSignal;
}): Promise<DnsLoadResult> {
  const templates = opts.queries.map((q) =>
    dnsPacket.encode({ type: 'query', id: 0, flags: dnsPacket.RECURSION_DESIRED, questions: [q] }),
  );
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const pending = new Map<number, number>(); // id → sent at
  const latenciesMs: number[] = [];
  let nextId = 0;
  let sent = 0;
  let lost = 0;
  const started = performance.now();
  const deadline = started + opts.maxMs;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const send = (): void => {
    if (sent >= opts.maxQueries + lost || performance.now() > deadline || opts.signal.aborted) {
      if (pending.size === 0) finish();
      return;
    }
    const id = nextId;
    nextId = (nextId + 1) & 0xffff;
    const bytes = Buffer.from(templates[sent % templates.length] ?? Buffer.alloc(0));
    bytes.writeUInt16BE(id, 0);
    pending.set(id, performance.now());
    sent += 1;
    socket.send(bytes, opts.port, '127.0.0.1');
  };
  socket.on('message', (msg) => {
    if (msg.length < 12) return;
    const sentAt = pending.get(msg.readUInt16BE(0));
    if (sentAt === undefined) return;
    pending.delete(msg.readUInt16BE(0));
    latenciesMs.push(performance.now() - sentAt);
    send();
  });
  const sweep = setInterval(() => {
    const now = performance.now();
    for (const [id, at] of pending)
      if (now - at > LOST_AFTER_MS) {
        pending.delete(id);
        lost += 1;
        send();
      }
    if (now > deadline + LOST_AFTER_MS) finish();
  }, 100);
  for (let i = 0; i < opts.inFlight; i += 1) send();
  await done;
  const elapsedMs = performance.now() - started;
  clearInterval(sweep);
  socket.close();
  return { answered: latenciesMs.length, lost, elapsedMs, latenciesMs };
}

/** One query's A (or SRV target) addresses, sorted; undefined when no answer came within `timeoutMs`. */
export async function askAddresses(port: number, name: string, timeoutMs = 1_000): Promise<string[] | undefined> {
  const socket = createSocket('udp4');
  try {
    const id = Math.floor(Math.random() * 0xffff);
    const answer = new Promise<string[] | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      socket.on('message', (msg) => {
        const p = dnsPacket.decode(msg);
        if (p.id !== id) return;
        clearTimeout(timer);
        resolve(
          (p.answers ?? [])
            .map((a) => (a.type === 'A' ? a.data : undefined))
            .filter((a): a is string => a !== undefined)
            .sort(),
        );
      });
    });
    socket.send(dnsPacket.encode({ type: 'query', id, questions: [{ name, type: 'A' }] }), port, '127.0.0.1');
    return await answer;
  } finally {
    socket.close();
  }
}
