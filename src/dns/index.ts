// The host's DNS server: `<service>.svc.poseidon.cluster` and its relatives answered from the
// endpoint table (ready replicas only), other names passed on to the host's resolvers.
export { startDnsServer, type DnsServer, type DnsServerOptions, type DnsAddress } from './server.js';
/** The pure answers, for tests and tools: a decoded query and a table in, a reply (or "forward") out. */
export { resolve, RCODE, type DnsTable, type AnswerOptions, type Resolution } from './answer.js';
export { labelOfAddress, reverseName } from './names.js';
