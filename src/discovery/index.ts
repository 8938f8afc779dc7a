// Discovery on a host: the copy of the manager's endpoint table that the DNS server and the proxy
// read, and the defaults they share.
export { EndpointTable } from './endpoint-table.js';
export type { TableChange } from './endpoint-table.js';
export * from './defaults.js';
/** Follows the manager's endpoint stream into an EndpointTable and reports what it applied. */
export { EndpointsFollower, type EndpointsSource, type FollowerOptions } from './follower.js';
/** IPv4 blocks: the network's subnet, gateway and container range, and the virtual IP range. */
export { parseCidr, formatCidr, cidrContains, cidrHas, ipToNumber, numberToIp, networkLayout } from './cidr.js';
export type { Cidr } from './cidr.js';
/** A worker's automatic subnet: the first block of its pool that nothing on the host uses. */
export { poolSubnets, cidrOverlaps, firstFreeSubnet, POOL_SUBNET_PREFIX } from './subnet-pool.js';
/** A block the host already routes elsewhere (a LAN, a VPN), which Poseidon's network and VIPs must not take. */
export { routeClash, routeWords, ipv4Block, type HostRoute } from './route-clash.js';
