// Typed HTTP clients: the CLI and workers call the Manager API, the manager calls the Worker API.
// Remote errors come back as RemoteError with the server's code; silence as ServerUnreachable.
export { HttpClient, ServerUnreachable, type RequestOptions, type ClientCredentials } from './http-client.js';
export { WorkerClient, type StartTaskOptions } from './worker-client.js';
export { ManagerClient } from './manager-client.js';
