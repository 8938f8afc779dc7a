import { connect, type Socket } from 'node:net';
import type { Target } from './balancer.js';
import { ConnectTimeout, connectFailed, type PortContext } from './port-context.js';
import { proxyHeaderV1, proxyHeaderV2 } from './proxy-header.js';
import { dialTunnel } from './tunnel-dial.js';

const EMPTY = Buffer.alloc(0);

/**
 * Forwards one client connection (accepted paused, half-open allowed) to a ready replica: a
 * failed connect moves on to the next one, up to `maxAttempts`; then bytes flow both ways, each
 * side's end is passed on (half-close), and an error on either side ends both.
 */
export function forwardTcp(ctx: PortContext, client: Socket, sockets: Set<Socket>): void {
  track(sockets, client);
  const tried = new Set<string>();
  let upstream: Socket | undefined;
  let clientGone = false;
  client.on('error', () => upstream?.destroy());
  client.on('close', () => {
    clientGone = true;
    // a client that closed while its replica still talks: end (never drop what is still to write)
    if (upstream !== undefined && !opened.has(upstream)) upstream.destroy();
    else upstream?.end();
  });

  const attempt = (): void => {
    if (clientGone) return;
    const target = ctx.settings.balancer.pick(ctx.ready(), tried);
    if (target === undefined) {
      ctx.metrics.noReplica.inc({ service: ctx.service });
      ctx.log.debug({ service: ctx.service, tried: tried.size }, 'no replica for connection');
      client.destroy();
      return;
    }
    if (tried.size > 0) ctx.metrics.retries.inc({ service: ctx.service });
    tried.add(target.taskId);
    upstream = connectTo(ctx, target, client, () => {
      if (tried.size < ctx.maxAttempts) attempt();
      else {
        ctx.metrics.noReplica.inc({ service: ctx.service });
        client.destroy();
      }
    });
    track(sockets, upstream);
  };
  attempt();
}

function track(sockets: Set<Socket>, socket: Socket): void {
  sockets.add(socket);
  socket.once('close', () => sockets.delete(socket));
}

/** Replica connections that are open: connected, or their tunnel answered 101. */
const opened = new WeakSet<Socket>();

/**
 * Connects to the replica: at its address, or through its worker's tunnel when it runs on another
 * machine. The connect timeout covers the whole tunnel handshake (TLS, the upgrade, its answer).
 */
function connectTo(ctx: PortContext, target: Target, client: Socket, onFailed: () => void): Socket {
  const onOpen = (early: Buffer): void => {
    clearTimeout(timer);
    connected = true;
    opened.add(upstream);
    ctx.setAside.succeeded(target.key);
    ctx.counts.open(target.taskId, ctx.service);
    upstream.once('close', () => ctx.counts.close(target.taskId, ctx.service));
    if (client.destroyed) {
      upstream.destroy();
      return;
    }
    const header = headerFor(ctx, client);
    if (header !== undefined) upstream.write(header);
    if (early.length > 0) client.write(early); // the replica spoke first (a greeting), with the 101
    client.pipe(upstream);
    upstream.pipe(client);
  };
  const via = target.via;
  const tls = ctx.tunnelTls?.();
  const upstream: Socket =
    via === undefined || tls === undefined
      ? connect({ host: target.address, port: target.port, allowHalfOpen: true, noDelay: true })
      : dialTunnel({ ...target, via }, tls, { open: (_socket, early) => onOpen(early) });
  let connected = false;
  const timer = setTimeout(() => upstream.destroy(new ConnectTimeout('connect timed out')), ctx.connectTimeoutMs);
  if (via === undefined || tls === undefined) upstream.once('connect', () => onOpen(EMPTY));
  upstream.on('error', (err) => {
    clearTimeout(timer);
    if (connected) {
      client.destroy();
      return;
    }
    connectFailed(ctx, target, err);
    if (!client.destroyed) onFailed();
  });
  return upstream;
}

function headerFor(ctx: PortContext, client: Socket): Buffer | undefined {
  const mode = ctx.settings.proxyProtocol;
  if (mode === undefined) return undefined;
  const addresses = {
    sourceAddress: client.remoteAddress,
    sourcePort: client.remotePort,
    destinationAddress: client.localAddress,
    destinationPort: client.localPort,
  };
  return mode === 'v1' ? proxyHeaderV1(addresses) : proxyHeaderV2(addresses);
}
