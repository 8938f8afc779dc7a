import { serverUrl } from '../client/index.js';

// A server's own address flag; the parser of addresses is the client's (src/client/server-address.ts).

/**
 * `--advertise` of a manager or a worker, the URL others reach it at: a HOST alone is reached at
 * the port it listens on, which --port 0 leaves unknown until it listens (the port must be given).
 */
export function advertiseFlag(value: string, listenPort: number): string {
  return serverUrl('--advertise', value, listenPort === 0 ? undefined : listenPort);
}
