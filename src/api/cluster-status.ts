// `GET /status` (`poseidon cluster status`): the managers, which one leads and since when, and the
// store under them with each of its members' health.

export interface ManagerMemberView {
  id: string;
  url: string;
  leader: boolean;
  /** When it began to lead (ISO); null for a follower. */
  since: string | null;
}

export interface StoreMemberView {
  /** The member's client URL (etcd), or the LMDB path. */
  endpoint: string;
  healthy: boolean;
  /** The member the store's own consensus elected (etcd's raft leader). */
  leader: boolean;
  version: string | null;
  dbSizeBytes: number | null;
  /** Why it is not healthy ("connection refused"); null when healthy. */
  error: string | null;
}

export interface StoreStatusView {
  kind: 'lmdb' | 'etcd';
  members: StoreMemberView[];
}

export interface ClusterStatusView {
  managers: ManagerMemberView[];
  /** The leading manager's id; null while none leads. */
  leader: string | null;
  store: StoreStatusView;
}
