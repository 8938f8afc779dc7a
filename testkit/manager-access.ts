import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ManagerClient, type ClientTls } from '../src/client/index.js';

// What a test or a benchmark needs to reach a manager the way a user must: the files the
// manager's first start leaves in its data dir (the CA certificate, the worker join token, the
// admin token, and its own certificate for calling workers as the manager does).

export interface ManagerAccess {
  /** https://127.0.0.1:PORT, as it logged it. */
  url: string;
  dataDir: string;
  /** The cluster CA certificate (PEM) and its file. */
  caPem: string;
  caFile: string;
  /** `PSDN-1-…`: what a worker joins with (read at start; rotating it makes a new one). */
  joinToken: string;
  /** `psdn_…`: an admin API token. */
  adminToken: string;
  /** The manager's own certificate and key (PEM): a test calling a worker as the manager does. */
  managerCert: string;
  managerKey: string;
}

/** How long a manager of a group may take, once it listens, to write its admin token (when it first leads). */
const ADMIN_TOKEN_WAIT_MS = 30_000;

/**
 * Reads the manager's files once it listens (they are written before it does; a group's first
 * manager writes its admin token when it first leads, just after: waited for).
 */
export async function readManagerAccess(url: string, dataDir: string): Promise<ManagerAccess> {
  const read = async (name: string): Promise<string> => readFile(join(dataDir, name), 'utf8');
  await waitForFile(join(dataDir, 'admin-token'), ADMIN_TOKEN_WAIT_MS);
  const [caPem, joinToken, adminToken, managerCert, managerKey] = await Promise.all([
    read('ca.crt'),
    read('join-token'),
    read('admin-token'),
    read('manager.crt'),
    read('manager.key'),
  ]);
  return {
    url,
    dataDir,
    caPem,
    caFile: join(dataDir, 'ca.crt'),
    joinToken: joinToken.trim(),
    adminToken: adminToken.trim(),
    managerCert,
    managerKey,
  };
}

/** The Manager API with the admin token, trusting the cluster's CA only. */
export function adminClient(access: ManagerAccess, timeoutMs = 10_000): ManagerClient {
  return new ManagerClient(access.url, timeoutMs, { token: access.adminToken, tls: { ca: access.caPem } });
}

/** TLS as the manager calls a worker: its certificate, a worker certificate of the cluster expected. */
export function asManager(access: ManagerAccess): ClientTls {
  return { ca: access.caPem, cert: access.managerCert, key: access.managerKey, serverRole: 'worker' };
}

/** The environment a CLI command needs to reach this manager as an admin (secrets stay off argv). */
export function cliEnv(access: ManagerAccess): NodeJS.ProcessEnv {
  return { POSEIDON_MANAGER: access.url, POSEIDON_TOKEN: access.adminToken, POSEIDON_CA: access.caFile };
}

/** The environment `poseidon worker --manager URL` needs to join this manager's cluster. */
export function joinEnv(access: ManagerAccess): NodeJS.ProcessEnv {
  return { POSEIDON_JOIN_TOKEN: access.joinToken };
}

async function waitForFile(path: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      await access(path);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
