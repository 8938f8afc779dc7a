import { pino } from 'pino';
import { Leadership } from '../src/manager/group/leadership.js';
import { EtcdStore, FenceLost } from '../src/store/etcd.js';

// A candidate for leadership in a process of its own, so a test can kill -9 or freeze it:
// `node leader-candidate.js ID ENDPOINTS KEY PREFIX TTL`. It prints one JSON line per event
// (`elected` with its term, `deposed`, `leader`) and, once elected, writes `PREFIX<ID>/<n>`
// every 50 ms through a store fenced by its term. It keeps that fence after it is deposed, as
// a leader that has not noticed would: each later write must be refused (`write-refused`).

const [id = 'a', endpoints = '', key = '/leader', prefix = '/w/', ttl = '2'] = process.argv.slice(2);
const print = (line: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ id, at: Date.now(), ...line })}\n`);
};
const store = new EtcdStore<number>({ endpoints: endpoints.split(','), prefix, callTimeoutMs: 2_000 });
const leadership = new Leadership({
  client: store.client,
  key,
  self: { id, url: `https://${id}.invalid` },
  ttlSeconds: Number(ttl),
  log: pino({ level: 'silent' }),
});
let n = 0;
let elected = false;
leadership.on('elected', (fence, term) => {
  store.setFence(fence);
  elected = true;
  print({ event: 'elected', term: fence.createRevision, since: term.since });
});
leadership.on('deposed', (reason) => print({ event: 'deposed', reason }));
leadership.on('leader', (l) => print({ event: 'leader', leader: l?.id ?? null }));
setInterval(() => {
  if (!elected) return;
  n += 1;
  const i = n;
  store.put(`${id}/${String(i).padStart(6, '0')}`, i).then(
    () => print({ event: 'write', n: i }),
    (err: unknown) => print({ event: err instanceof FenceLost ? 'write-refused' : 'write-failed', n: i }),
  );
}, 50);
leadership.start();
print({ event: 'listening', url: 'candidate listening' });
process.on('SIGTERM', () => {
  void leadership.stop().then(() => process.exit(0));
});
