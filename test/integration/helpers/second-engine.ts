import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, openSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** How long a second dockerd may take to answer, and to stop. */
const ENGINE_WAIT_MS = 60_000;

/**
 * A Docker daemon of the test's own, beside the one every other test uses: its own data root,
 * exec root, pidfile and socket, and its own network namespace (`unshare --net`, no bridge, no
 * iptables). A second daemon in the host's namespace deletes the host's docker0 when it stops,
 * which breaks every other test; in a namespace of its own it touches nothing of the host's.
 * Stopping and starting it again is what a package upgrade of Docker does to a node.
 */
export class SecondEngine {
  readonly dir = mkdtempSync(join(tmpdir(), 'poseidon-engine-'));
  readonly socket = join(this.dir, 'docker.sock');
  #proc: ChildProcess | undefined;

  /** Why this machine cannot run one (not root, or a tool missing); null when it can. */
  static async unavailable(): Promise<string | null> {
    if (process.getuid?.() !== 0) return 'a second Docker daemon needs root';
    for (const tool of ['unshare', 'dockerd', 'ip']) {
      try {
        await run('sh', ['-c', `command -v ${tool}`]);
      } catch {
        return `${tool} is not installed`;
      }
    }
    return null;
  }

  get host(): string {
    return `unix://${this.socket}`;
  }

  get running(): boolean {
    return this.#proc !== undefined && this.#proc.exitCode === null && this.#proc.signalCode === null;
  }

  /** Starts the daemon (again, with the same state) and waits until it answers. */
  async start(): Promise<void> {
    if (this.running) return;
    const log = openSync(join(this.dir, 'dockerd.log'), 'a');
    const dockerd = [
      'dockerd',
      `--data-root=${join(this.dir, 'data')}`,
      `--exec-root=${join(this.dir, 'exec')}`,
      `--pidfile=${join(this.dir, 'dockerd.pid')}`,
      `--host=${this.host}`,
      '--bridge=none',
      '--iptables=false',
      '--ip-masq=false',
    ].join(' ');
    // exec: the child's pid is dockerd's own, so stopping it stops the daemon
    this.#proc = spawn('unshare', ['--net', 'sh', '-c', `ip link set lo up && exec ${dockerd}`], {
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    const deadline = Date.now() + ENGINE_WAIT_MS;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`the second dockerd exited; see ${join(this.dir, 'dockerd.log')}`);
      try {
        await this.docker(['info', '--format', '{{.ServerVersion}}']);
        return;
      } catch {
        await sleep(200);
      }
    }
    throw new Error(`the second dockerd did not answer within ${ENGINE_WAIT_MS} ms`);
  }

  /** Stops the daemon as `systemctl stop docker` does (SIGTERM); it stops its containers first. */
  async stop(): Promise<void> {
    const proc = this.#proc;
    if (proc === undefined || !this.running) return;
    const exited = once(proc, 'exit');
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), ENGINE_WAIT_MS);
    await exited;
    clearTimeout(timer);
  }

  /** Copies an image of the host's engine into this one (there is no registry to pull from). */
  async loadImage(image: string): Promise<void> {
    await run('sh', ['-c', `docker save ${image} | docker -H ${this.host} load`], { maxBuffer: 16 * 1024 * 1024 });
  }

  /** Ids of the containers carrying `label` (key=value), running ones only unless `all`. */
  async containers(label: string, all = false): Promise<string[]> {
    const out = await this.docker(['ps', ...(all ? ['-a'] : []), '-q', '--no-trunc', '--filter', `label=${label}`]);
    return out === '' ? [] : out.split('\n');
  }

  async docker(args: string[]): Promise<string> {
    const { stdout } = await run('docker', ['-H', this.host, ...args]);
    return stdout.trim();
  }

  /** Removes every container it holds (they are all this test's), stops it, and deletes its files. */
  async destroy(): Promise<void> {
    if (this.running) {
      const ids = await this.docker(['ps', '-aq']).catch(() => '');
      if (ids !== '') await this.docker(['rm', '-f', ...ids.split('\n')]).catch(() => '');
      await this.stop();
    }
    try {
      rmSync(this.dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // a mount the daemon left behind: the temp dir stays, nothing else is touched
    }
  }
}
