// etcd, for managers as a group: writes acknowledged once a majority of members has them,
// fenced by leadership. Imported apart from ./index.js (see there).
export { EtcdStore, type EtcdStoreOptions, type Fence } from './etcd-store.js';
export { StoreUnavailable, StoreRefused, FenceLost } from './etcd-errors.js';
export { etcdMemberStatus } from './etcd-status.js';
export { PrefixFollower, type FollowHandlers, type FollowedChange } from './etcd-follow.js';
