// Typed HTTP clients: the CLI and workers call the Manager API, the manager calls the Worker API.
// Remote errors come back as RemoteError with the server's code; silence as ServerUnreachable.
export {
  HttpClient,
  ServerUnreachable,
  ServerNotTrusted,
  ServerSpeaksHttps,
  type RequestOptions,
  type ClientCredentials,
} from './http-client.js';
/** Whether a call's failure is the server not reached (refused, no route, TLS, deadline), not a bug. */
export { isConnectionFailure } from './http-transport.js';
/** TLS for the cluster's own servers: its CA only, this side's certificate, the server's role. */
export type { ClientTls, TlsSource } from './tls.js';
/** The credentials a TlsSource gives now (a renewed certificate is a new object). */
export { connectOptions, currentTls } from './tls.js';
/** Credentials that call only the node a certificate names (the manager calling a worker by its URL). */
export { calling } from './tls.js';
/** The manager's and workers' calls to each other through undici's pool, not node:http. */
export { poolConnections } from './pooled.js';
export { WorkerClient, type StartTaskOptions } from './worker-client.js';
/** The node id a server's certificate names, from one handshake (a static worker's, for its removal). */
export { serverNodeId } from './server-node.js';
export { ManagerClient, type LogsOptions, type TaskFilter } from './manager-client.js';
export type { CopyView } from './copy-view.js';
/** A manager's or worker's address as people type it (HOST, HOST:PORT, [IPv6]:PORT, a URL), as its URL. */
export { MANAGER_PORT, managerUrls, serverUrl, serverUrls } from './server-address.js';
/** The Manager API for scripts, from options (the package's `import { PoseidonClient } from 'poseidon'`). */
export { PoseidonClient, type PoseidonClientOptions } from './poseidon-client.js';
export { BadEventLine, type EventsWindow } from './events-stream.js';
export { BadExecLine } from './exec-stream.js';
export { BadLogLine, type LogPiece } from './log-stream.js';
