// The host's proxy: listens on each service's virtual IP and port and forwards to the service's
// ready replicas, as the host's EndpointTable says (issue 14). One per host (`poseidon worker --proxy`).
export type { Proxy, ProxyOptions, VipAddresses } from './types.js';
/** Starts the proxy on the table's current services, then follows the table's changes. */
export { startProxy } from './proxy.js';
