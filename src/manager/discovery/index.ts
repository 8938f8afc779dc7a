// Service discovery on the manager: the endpoint table, its consumers, the drain gate before a
// replica stops, virtual IPs, and the routes hosts and people use.
export { Discovery, type DiscoveryDeps } from './discovery.js';
export { VipAllocator, VipRangeFull } from './vip-allocator.js';
export { assignMissingVips } from './vip-backfill.js';
export { discoveryRoutes } from './discovery-routes.js';
export { WatchStreams, MAX_WATCHERS, WATCH_PING_MS } from './watch-streams.js';
