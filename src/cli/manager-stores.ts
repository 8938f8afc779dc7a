import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import type { Logger } from 'pino';
import type { TokenRecord } from '../auth/index.js';
import type { StoreStatusView } from '../api/index.js';
import type { ManagerRecord } from '../manager/index.js';
import { LmdbStore, type Store } from '../store/index.js';
import type { Fence } from '../store/etcd.js';
import type { StoreChoice } from './store-flag.js';

/** The manager's two stores: its records (tasks, nodes, services, volumes) and its API tokens. */
export interface ManagerStores {
  state: Store<ManagerRecord>;
  tokens: Store<TokenRecord>;
  /** Where they are, for the log line. */
  where: string;
  /** The store's members and their health (`GET /status`). */
  status(): Promise<StoreStatusView>;
  /** On etcd, for managers as a group: the client, the group's key prefix, and fencing both stores' writes. */
  group?: {
    client: Etcd3;
    prefix: string;
    fence(fence: Fence | null): void;
    /** etcd's revision after the latest write of either store. */
    written(): bigint;
  };
}

/** Opens them in the data dir (LMDB) or on etcd; etcd's client is loaded only then. */
export async function openManagerStores(choice: StoreChoice, dataDir: string, log: Logger): Promise<ManagerStores> {
  const setAside = (what: string) => (key: string, reason: string) =>
    log.error({ key, reason }, `stored ${what} cannot be decoded; set aside`);
  if (choice.kind === 'lmdb') {
    return {
      state: new LmdbStore<ManagerRecord>(join(dataDir, 'state'), { onSetAside: setAside('record') }),
      tokens: new LmdbStore<TokenRecord>(join(dataDir, 'tokens'), { onSetAside: setAside('token') }),
      where: join(dataDir, 'state'),
      status: async () => ({
        kind: 'lmdb',
        members: [
          {
            endpoint: join(dataDir, 'state'),
            healthy: true,
            leader: true,
            version: null,
            dbSizeBytes: null,
            error: null,
          },
        ],
      }),
    };
  }
  const { EtcdStore, etcdMemberStatus } = await import('../store/etcd.js');
  const common = {
    endpoints: choice.endpoints,
    ...(choice.tls === undefined ? {} : { tls: choice.tls }),
  };
  const state = new EtcdStore<ManagerRecord>({
    ...common,
    prefix: `${choice.prefix}state/`,
    onSetAside: setAside('record'),
  });
  const tokens = new EtcdStore<TokenRecord>({
    ...common,
    prefix: `${choice.prefix}tokens/`,
    onSetAside: setAside('token'),
  });
  return {
    state,
    tokens,
    where: `etcd ${choice.endpoints.join(',')} ${choice.prefix}`,
    status: async () => ({ kind: 'etcd', members: await etcdMemberStatus(choice.endpoints, choice.tls) }),
    group: {
      client: state.client,
      prefix: choice.prefix,
      fence: (fence) => {
        state.setFence(fence);
        tokens.setFence(fence);
      },
      written: () => (state.revision > tokens.revision ? state.revision : tokens.revision),
    },
  };
}
