import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP relay to a server (a manager, an etcd member) that can cut every connection through it,
 * and heal: a process cut off while it stays alive. `listen()` gives `https://127.0.0.1:PORT`.
 */
export class Relay {
  readonly #sockets = new Set<Socket>();
  #cut = false;
  readonly server: Server;
  constructor(target: URL) {
    this.server = createServer((client) => {
      if (this.#cut) return void client.destroy();
      const upstream = connect(Number(target.port), target.hostname);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
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
  }
  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
