import { Type, type Static } from '@sinclair/typebox';

// `GET /status` (`poseidon cluster status`): the managers, which one leads and since when, and the
// store under them with each of its members' health.

export const ManagerMemberView = Type.Object({
  id: Type.String(),
  url: Type.String(),
  leader: Type.Boolean(),
  since: Type.Union([Type.String(), Type.Null()], { description: 'When it began to lead; null for a follower.' }),
  version: Type.Optional(Type.String({ description: 'Its Poseidon version; absent: a manager older than versions.' })),
  answers: Type.Optional(
    Type.Boolean({
      description:
        'Whether it answered GET /healthz when the manager that answered asked it; absent: not asked. A follower ' +
        'asks the leader: one that died holds the leader key, and is named leader, until its lease runs out.',
    }),
  ),
});
export type ManagerMemberView = Static<typeof ManagerMemberView>;

export const StoreMemberView = Type.Object({
  endpoint: Type.String({ description: "The member's client URL (etcd), or the LMDB path." }),
  healthy: Type.Boolean(),
  leader: Type.Boolean({ description: "The member the store's own consensus elected (etcd's raft leader)." }),
  version: Type.Union([Type.String(), Type.Null()]),
  dbSizeBytes: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()], { description: 'Why it is not healthy; null when healthy.' }),
});
export type StoreMemberView = Static<typeof StoreMemberView>;

export const StoreStatusView = Type.Object({
  kind: Type.Union([Type.Literal('lmdb'), Type.Literal('etcd')]),
  members: Type.Array(StoreMemberView),
});
export type StoreStatusView = Static<typeof StoreStatusView>;

export const ClusterStatusView = Type.Object({
  managers: Type.Array(ManagerMemberView),
  leader: Type.Union([Type.String(), Type.Null()], { description: "The leading manager's id; null while none leads." }),
  store: StoreStatusView,
  answeredBy: Type.Optional(
    Type.String({ description: 'The id of the manager that answered: each answers as it sees the group.' }),
  ),
  noLeader: Type.Optional(
    Type.String({ description: 'Why no manager leads, as the manager that answered sees it; absent while one leads.' }),
  ),
});
export type ClusterStatusView = Static<typeof ClusterStatusView>;
