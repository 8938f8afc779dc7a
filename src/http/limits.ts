// How long and how much a server waits for and takes from a client. Every Poseidon server has
// them (an open port is reachable by whoever can connect): a client that sends its headers a byte
// a minute, or never finishes its body, or sits on an idle connection, is cut off, and a body is
// refused (413) past its route's limit before it is read.

/** The body limit of a route that sets none: requests that carry a small object or nothing. */
export const BODY_LIMIT_BYTES = 64 * 1024;
/**
 * One task spec (`POST /tasks`): its largest parts are bounded (env 64 KiB, labels 16 KiB, two
 * commands of 64 KiB, see src/task/limits.ts), with room for JSON's escapes (up to 6 bytes a character).
 */
export const TASK_BODY_LIMIT_BYTES = 1024 * 1024;
/** `POST /tasks/batch`: a batch too big for it is refused whole, and the manager sends its tasks one by one. */
export const BATCH_BODY_LIMIT_BYTES = 16 * 1024 * 1024;
/**
 * What workers send the manager (register, heartbeat, reports): every task they hold, about 300
 * bytes each, so 64 MiB holds ~200,000. A refused heartbeat ends with the node declared Down, so
 * this is sized for the largest node, not the typical one.
 */
export const NODE_BODY_LIMIT_BYTES = 64 * 1024 * 1024;

export interface ServerTimeouts {
  /** The request line and headers must be in within this long (Node's headersTimeout). */
  headersMs: number;
  /** The whole request, body included, must be in within this long (Node's requestTimeout). */
  requestMs: number;
  /** A connection on which nothing moves for this long is closed (fastify's connectionTimeout). */
  idleMs: number;
  /**
   * An idle keep-alive connection is closed after this long: longer than the 60 s after which our
   * own clients drop an idle socket (src/client/http-transport.ts), so a request never goes out on a
   * socket the server is closing.
   */
  keepAliveMs: number;
  /** How often Node checks the headers and request deadlines (they are enforced on this tick). */
  checkEveryMs: number;
}

export const SERVER_TIMEOUTS: Readonly<ServerTimeouts> = {
  headersMs: 10_000,
  // a worker's 64 MiB heartbeat on a slow link still makes it
  requestMs: 60_000,
  // streams that may be quiet longer (logs --follow) turn it off for their own socket
  idleMs: 120_000,
  keepAliveMs: 65_000,
  checkEveryMs: 1_000,
};
