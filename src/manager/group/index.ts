// Managers as a group on etcd: the shared CA, presence, leadership, and passing calls to the leader.
export { ManagerGroup, DEFAULT_LEASE_TTL_SECONDS, type GroupHooks, type ManagerGroupOptions } from './manager-group.js';
export { forwardToLeader, type GroupView, type ReadCopy } from './forward.js';
export { StateCopy } from './state-copy.js';
export { managerJoinTokenPath, GroupMismatch } from './group-pki.js';
export { ManagerJoinRefused } from './pki-bundle.js';
