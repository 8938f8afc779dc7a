import { statSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { InvalidField } from '../errors/index.js';

// One process of a role (a manager, a worker, a `poseidon dev`) per data dir. Two managers on one data dir share its
// certificate, so its node id: on etcd the second overwrote the first's entry in the group's list
// and, taking the leader's id for its own, answered every call passed on with no_leader; on LMDB
// both led on the same records and both placed every task. So a manager claims its data dir as it
// starts, and a second one is refused, saying which process holds it.
//
// The claim is a Unix socket in Linux's abstract namespace named for the role and the directory
// (its device and inode, so a symlink or a bind mount of it is the same dir): binding it is
// atomic, and the kernel lets it go when its process ends however it ends (kill -9 too), so no
// file is left to mistake for a live claim. The holder answers a connection with its pid and
// when it started. Not checked: other systems than Linux, and processes in other network
// namespaces (containers) sharing the dir through a volume.

/** What the holder tells a process that finds the data dir taken. */
interface Holder {
  pid: number;
  startedAt: string;
}

const ASK_TIMEOUT_MS = 1_000;

/** The claim's socket address: `\0poseidon-<role>:<device>:<inode>`. */
function claimAddress(role: string, dataDir: string): string {
  const st = statSync(dataDir);
  return `\0poseidon-${role}:${st.dev}:${st.ino}`;
}

/** The refusal of a claim, given who holds the data dir: `pid 4242, since 2026-…`, or `another process`. */
export type Refusal = (who: string) => Error;

/** What a manager or a worker is told: its data dir holds its certificate, so its identity. */
function ownDataDir(role: string, dataDir: string): Refusal {
  return (who) =>
    new InvalidField(
      '--data-dir',
      `${dataDir} is in use by another poseidon ${role} (${who}); ` +
        `give each ${role} a data dir of its own (it holds the ${role}'s certificate, so its identity)`,
    );
}

/**
 * Claims `dataDir` (which must exist) for this process as `role`; resolves to the release, or
 * rejects with `refused`'s error (by default InvalidField('--data-dir')) naming the process that
 * holds it. Where abstract sockets do not exist (not Linux), claims nothing.
 */
export async function claimDataDir(
  role: string,
  dataDir: string,
  refused: Refusal = ownDataDir(role, dataDir),
): Promise<() => Promise<void>> {
  if (process.platform !== 'linux') return () => Promise.resolve();
  const address = claimAddress(role, dataDir);
  const me: Holder = { pid: process.pid, startedAt: new Date().toISOString() };
  const server = createServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.end(`${JSON.stringify(me)}\n`);
  });
  try {
    await listen(server, address);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    const holder = await askHolder(address);
    throw refused(holder === undefined ? 'another process' : `pid ${holder.pid}, since ${holder.startedAt}`);
  }
  server.unref(); // the claim alone keeps no process alive
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}

function listen(server: Server, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** What the holder of `address` says of itself; undefined when it does not say in time. */
function askHolder(address: string): Promise<Holder | undefined> {
  return new Promise((resolve) => {
    const socket = connect(address);
    let text = '';
    const done = (holder: Holder | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(holder);
    };
    const timer = setTimeout(() => done(undefined), ASK_TIMEOUT_MS);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk.slice(0, 1_000)));
    socket.on('error', () => done(undefined));
    socket.on('end', () => done(parseHolder(text)));
  });
}

function parseHolder(text: string): Holder | undefined {
  try {
    const v = JSON.parse(text) as Partial<Holder>;
    return Number.isInteger(v.pid) && typeof v.startedAt === 'string'
      ? { pid: v.pid as number, startedAt: v.startedAt }
      : undefined;
  } catch {
    return undefined;
  }
}
