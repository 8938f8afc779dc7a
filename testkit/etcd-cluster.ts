import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

// A real etcd cluster on loopback for tests and benchmarks: Debian's `etcd-server` (the `etcd`
// binary; scripts/setup-etcd.sh installs it), each member with its own data dir and ports, stopped
// by pid. A member can be stopped and started again (its data kept), or frozen (SIGSTOP).

/** The etcd binary; ETCD_BIN overrides it. */
export const ETCD_BIN = process.env['ETCD_BIN'] ?? 'etcd';
const READY_TIMEOUT_MS = 20_000;
/** Starts on fresh ports when one was taken between finding it free and etcd binding it. */
const PORT_TRIES = 3;

interface Member {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  child: ChildProcess | null;
  output: string[];
}

export class EtcdCluster {
  private constructor(
    private readonly root: string,
    private readonly members: Member[],
    private readonly token: string,
  ) {}

  /**
   * Starts `size` members (1 or 3 in tests) and waits until the cluster has a leader. A port found
   * free can be taken by another process before etcd binds it (seen in CI: `bind: address already
   * in use`); the cluster is then started again on other ports, up to PORT_TRIES times.
   */
  static async start(size = 3): Promise<EtcdCluster> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await EtcdCluster.#startOnce(size);
      } catch (err) {
        if (attempt >= PORT_TRIES || !(err instanceof Error) || !err.message.includes('address already in use'))
          throw err;
      }
    }
  }

  static async #startOnce(size: number): Promise<EtcdCluster> {
    const root = await mkdtemp(join(tmpdir(), 'poseidon-etcd-'));
    const members: Member[] = [];
    for (let i = 0; i < size; i += 1) {
      members.push({
        name: `m${i}`,
        clientPort: await freePort(),
        peerPort: await freePort(),
        dataDir: join(root, `m${i}`),
        child: null,
        output: [],
      });
    }
    const cluster = new EtcdCluster(root, members, `poseidon-test-${process.pid}-${Date.now()}`);
    try {
      for (let i = 0; i < size; i += 1) cluster.#spawn(i);
      await cluster.waitHealthy();
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** Client URLs of every member. */
  get endpoints(): string[] {
    return this.members.map((m) => `http://127.0.0.1:${m.clientPort}`);
  }

  /** `etcd://127.0.0.1:A,127.0.0.1:B,…`, as `poseidon manager --store` takes it. */
  get storeUrl(): string {
    return `etcd://${this.members.map((m) => `127.0.0.1:${m.clientPort}`).join(',')}`;
  }

  pid(i: number): number | undefined {
    return this.#member(i).child?.pid;
  }

  /** Stops member i (SIGTERM, then SIGKILL); its data stays for startMember. */
  async stopMember(i: number): Promise<void> {
    const m = this.#member(i);
    const child = m.child;
    m.child = null;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  /** Starts a stopped member again with its data, and waits until the cluster is healthy. */
  async startMember(i: number): Promise<void> {
    this.#spawn(i);
    await this.waitHealthy();
  }

  /** Until every running member answers /health with true (a leader is known to each). */
  async waitHealthy(timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const [i, m] of this.members.entries()) {
      if (m.child === null) continue;
      for (;;) {
        if (m.child.exitCode !== null) throw new Error(`etcd member ${i} exited: ${m.output.slice(-5).join('\n')}`);
        if (await healthy(m.clientPort)) break;
        if (Date.now() > deadline)
          throw new Error(`etcd member ${i} not healthy within ${timeoutMs} ms: ${m.output.slice(-5).join('\n')}`);
        await sleep(100);
      }
    }
  }

  async stop(): Promise<void> {
    for (let i = 0; i < this.members.length; i += 1) await this.stopMember(i);
    await rm(this.root, { recursive: true, force: true });
  }

  #member(i: number): Member {
    const m = this.members[i];
    if (m === undefined) throw new Error(`no etcd member ${i}`);
    return m;
  }

  #spawn(i: number): void {
    const m = this.#member(i);
    const peers = this.members.map((p) => `${p.name}=http://127.0.0.1:${p.peerPort}`).join(',');
    const client = `http://127.0.0.1:${m.clientPort}`;
    const args = [
      `--name=${m.name}`,
      `--data-dir=${m.dataDir}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=http://127.0.0.1:${m.peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${m.peerPort}`,
      `--initial-cluster=${peers}`,
      `--initial-cluster-token=${this.token}`,
      '--initial-cluster-state=new',
      '--logger=zap',
      '--log-level=warn',
      // short elections: a stopped member's loss is noticed in a second, not ten
      '--heartbeat-interval=100',
      '--election-timeout=1000',
    ];
    const child = spawn(ETCD_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    m.output = [];
    const keep = (chunk: Buffer): void => {
      m.output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      if (m.output.length > 200) m.output.splice(0, m.output.length - 200);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('error', (err) =>
      m.output.push(`spawn failed: ${err.message} (is etcd installed? scripts/setup-etcd.sh)`),
    );
    m.child = child;
  }
}

async function healthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1_000) });
    const body = (await res.json()) as { health?: string };
    return body.health === 'true';
  } catch {
    return false;
  }
}

/** A port free on 127.0.0.1 right now (the kernel's pick). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
