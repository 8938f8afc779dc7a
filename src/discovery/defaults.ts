// Discovery's defaults, in one place: every one of them is a flag too.

/** The DNS zone of services: `<service>.svc.poseidon.cluster`. */
export const DNS_ZONE = 'svc.poseidon.cluster';
/** Where the host's DNS server listens on 127.0.0.1 (`--dns-port`); containers reach it on their gateway, port 53. */
export const DEFAULT_DNS_PORT = 8600;
/** Seconds a DNS answer may be cached (`--dns-ttl`). */
export const DEFAULT_DNS_TTL = 5;
/**
 * The Docker bridge network every task joins (`poseidon worker --network`); the name is also the
 * Linux bridge's name, so at most 15 characters.
 */
export const DEFAULT_NETWORK = 'poseidon0';
/**
 * Its subnet when free: the first block of DEFAULT_SUBNET_POOL. Containers take addresses from the
 * lower half, virtual IPs from the upper.
 */
export const DEFAULT_SUBNET = '10.213.0.0/16';
/**
 * Where a worker given no `--subnet` takes one (`--subnet-pool`): the first /16 from 10.213.0.0/16 to
 * 10.223.0.0/16 that no Docker network and no host route uses.
 */
export const DEFAULT_SUBNET_POOL: readonly string[] = ['10.213.0.0/16', '10.214.0.0/15', '10.216.0.0/13'];
/** The range the manager gives services their virtual IPs from (`poseidon manager --vip-range`). */
export const DEFAULT_VIP_RANGE = '10.213.128.0/17';
/** How long a draining replica's open connections may take before it is stopped anyway. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 5_000;
/** How long the manager waits for live proxies to apply a draining change before it goes on without them. */
export const APPLY_WAIT_MS = 2_000;
