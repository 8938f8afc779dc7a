import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { Etcd3 } from 'etcd3';
import { EtcdCluster } from '../../testkit/etcd-cluster.js';
import { waitFor } from './helpers/wait-for.js';

// Leadership of a manager group on a real three-member etcd, with candidates in processes of
// their own: one leads at a time; killed (-9) or frozen (SIGSTOP), it is replaced once its lease
// lapses; and a frozen leader that wakes up still believing it leads cannot write: etcd refuses
// every write of its term (the fence), so nothing it writes lands after its successor's term began.

const CANDIDATE = fileURLToPath(new URL('../../testkit/leader-candidate.js', import.meta.url));
const TTL_SECONDS = 2;

interface Line {
  id: string;
  event: string;
  term?: string;
  n?: number;
  leader?: string | null;
}

class Candidate {
  readonly lines: Line[] = [];
  readonly child: ChildProcess;
  constructor(id: string, etcd: EtcdCluster, key: string, prefix: string) {
    this.child = spawn(process.execPath, [CANDIDATE, id, etcd.endpoints.join(','), key, prefix, String(TTL_SECONDS)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buffered = '';
    this.child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        this.lines.push(JSON.parse(buffered.slice(0, nl)) as Line);
        buffered = buffered.slice(nl + 1);
      }
    });
  }
  events(name: string): Line[] {
    return this.lines.filter((l) => l.event === name);
  }
  signal(sig: NodeJS.Signals): void {
    if (this.child.pid !== undefined && this.child.exitCode === null) process.kill(this.child.pid, sig);
  }
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.signal('SIGCONT');
    this.signal('SIGKILL');
    await exited;
  }
}

describe('leadership of a manager group on etcd', () => {
  let etcd: EtcdCluster;
  const candidates: Candidate[] = [];
  let round = 0;
  const start = (id: string, key: string, prefix: string): Candidate => {
    const c = new Candidate(id, etcd, key, prefix);
    candidates.push(c);
    return c;
  };
  before(async () => {
    etcd = await EtcdCluster.start(3);
  });
  after(async () => {
    for (const c of candidates) await c.kill();
    await etcd.stop();
  });

  test('one of three leads; killed -9, another leads once its lease lapses', async () => {
    round += 1;
    const key = `/t${process.pid}/r${round}/leader`;
    const group = ['a', 'b', 'c'].map((id) => start(id, key, `/t${process.pid}/r${round}/w/`));
    const first = await waitFor(() => group.find((c) => c.events('elected').length > 0), { what: 'a leader' });
    // nobody else leads meanwhile
    assert.equal(group.filter((c) => c.events('elected').length > 0).length, 1);
    await first.kill();
    const second = await waitFor(() => group.find((c) => c !== first && c.events('elected').length > 0), {
      what: 'a new leader after kill -9',
      timeoutMs: 30_000,
    });
    assert.notEqual(second, first);
    assert.equal(group.filter((c) => c !== first && c.events('elected').length > 0).length, 1);
  });

  test('a frozen leader is replaced, and once thawed every write of its old term is refused', async () => {
    round += 1;
    const base = `/t${process.pid}/r${round}`;
    const a = start('a', `${base}/leader`, `${base}/w/`);
    await waitFor(() => a.events('write').length >= 3 || undefined, { what: 'a leading and writing' });
    const b = start('b', `${base}/leader`, `${base}/w/`);
    a.signal('SIGSTOP');
    const elected = await waitFor(() => b.events('elected')[0], {
      what: 'b elected while a is frozen',
      timeoutMs: 30_000,
    });
    a.signal('SIGCONT');
    await waitFor(() => a.events('write-refused')[0], { what: "a's first write after it thawed, refused" });
    // no write of a's term landed after b's term began
    const client = new Etcd3({ hosts: etcd.endpoints });
    try {
      const res = await client.getAll().prefix(`${base}/w/a/`).exec();
      const bTerm = BigInt(elected.term ?? '0');
      for (const kv of res.kvs)
        assert.ok(BigInt(kv.mod_revision) < bTerm, `a wrote at revision ${kv.mod_revision} after b's term ${bTerm}`);
      assert.ok(res.kvs.length >= 3);
    } finally {
      client.close();
    }
    await waitFor(() => a.events('deposed')[0], { what: 'a noticing it no longer leads' });
  });

  test('a leader that stops resigns (SIGTERM revokes its lease), and another leads', async () => {
    round += 1;
    const base = `/t${process.pid}/r${round}`;
    const a = start('a', `${base}/leader`, `${base}/w/`);
    await waitFor(() => a.events('elected')[0], { what: 'a elected' });
    const b = start('b', `${base}/leader`, `${base}/w/`);
    await waitFor(() => b.events('leader').find((l) => l.leader === 'a'), { what: 'b seeing a lead' });
    a.signal('SIGTERM');
    await waitFor(() => b.events('elected')[0], { what: 'b elected after a stepped down' });
  });
});
