import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP relay to a server (a manager, an etcd member) that can cut every connection through it,
 * and heal: a process cut off while it stays alive. `listen()` gives `https://127.0.0.1:PORT`.
 * It can also hold each chunk back a while (a slow link: `delayMs`), or stall: keep every
 * connection open and pass nothing more either way, as a network that drops packets does, which
 * no socket error reveals.
 */
export class Relay {
  readonly #sockets = new Set<Socket>();
  #cut = false;
  #stalled = false;
  #losingReplies = false;
  readonly server: Server;
  constructor(target: URL, opts: { delayMs?: number } = {}) {
    this.server = createServer((client) => {
      if (this.#cut) return void client.destroy();
      if (this.#stalled) return void client.resume(); // accepted, and nothing passes
      const upstream = connect(Number(target.port), target.hostname);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => undefined);
      }
      this.#pass(client, upstream, opts.delayMs ?? 0);
      this.#pass(upstream, client, opts.delayMs ?? 0, true);
    });
  }

  /** Stops passing anything, either way, on every connection, and takes new ones the same way. */
  stall(): void {
    this.#stalled = true;
  }

  /**
   * Passes requests on and loses every answer: the first byte the server sends back on a
   * connection breaks it, both ways. A call on an open connection reaches the server, which
   * answers, and its caller never hears (a new connection's handshake breaks the same way).
   */
  loseReplies(): void {
    this.#losingReplies = true;
  }

  #pass(from: Socket, to: Socket, delayMs: number, answers = false): void {
    from.on('data', (chunk: Buffer) => {
      if (this.#stalled) return;
      if (answers && this.#losingReplies) {
        from.destroy();
        to.destroy();
        return;
      }
      if (delayMs === 0) to.write(chunk);
      else setTimeout(() => this.#stalled || to.destroyed || to.write(chunk), delayMs); // timers keep their order
    });
    from.on('end', () => (delayMs === 0 ? to.end() : setTimeout(() => to.end(), delayMs)));
  }
  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('relay has no port');
    return `https://127.0.0.1:${address.port}`;
  }
  cut(): void {
    this.#cut = true;
    for (const s of this.#sockets) s.destroy();
  }
  heal(): void {
    this.#cut = false;
    this.#stalled = false;
    this.#losingReplies = false;
  }
  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
