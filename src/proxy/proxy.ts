import { EventEmitter } from 'node:events';
import { Registry } from 'prom-client';
import type { EndpointView, ServiceEndpointsView } from '../api/endpoints.js';
import { systemClock, type Clock } from '../clock/index.js';
import { Balancer } from './balancer.js';
import { targetOf, type Target } from './mesh-route.js';
import { bridgeVips } from './bridge-vips.js';
import { HeldPorts, listenFailure } from './held-ports.js';
import { routedVips, VipRouted } from './routed-vips.js';
import { ProxyMetrics } from './metrics.js';
import { OpenCounts } from './open-counts.js';
import type { PortContext } from './port-context.js';
import { PortListener } from './port-listener.js';
import { DEFAULT_SET_ASIDE, SetAside } from './set-aside.js';
import { hopKey, retainTunnelSessions } from './tunnel-dial.js';
import { DEFAULT_UDP_IDLE_MS, DEFAULT_UDP_MAX_FLOWS, UdpPortListener, type UdpLimits } from './udp-listener.js';
import type { Proxy, ProxyOptions, VipAddresses } from './types.js';

const DEFAULT_CONNECT_TIMEOUT_MS = 1_000;
const DEFAULT_RESPONSE_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_ATTEMPTS = 3;
/** A listener or VIP that could not be set up is tried again after this long. */
const RETRY_MS = 2_000;

interface ServiceState {
  vip: string;
  listeners: Map<number, PortListener>;
  /** Its udp ports' sockets, apart: a port number may be both tcp and udp. */
  udp: Map<number, UdpPortListener>;
  /** A listen found the VIP gone from the host (another proxy here removed it): added again before the next. */
  vipGone: boolean;
}

class HostProxy extends EventEmitter<{ drained: [string] }> implements Proxy {
  readonly #services = new Map<string, ServiceState>();
  /** Listeners of services or ports that went away, kept until their last connection ends. */
  readonly #leaving = new Set<PortListener>();
  readonly #draining = new Set<string>();
  readonly #counts = new OpenCounts((taskId) => {
    if (this.#draining.has(taskId)) this.emit('drained', taskId);
  });
  readonly #setAside: SetAside;
  readonly #metrics: ProxyMetrics;
  readonly #vips: VipAddresses;
  /** VIPs the host routes elsewhere, already said: the retries that follow do not say it again. */
  readonly #routedSaid = new Set<string>();
  readonly #held: HeldPorts;
  #queue: Promise<void> = Promise.resolve();
  #cancelRetry: (() => void) | undefined;
  #closed = false;
  /** Each service's ready list, as the table last gave it: one array per table change, not per request. */
  readonly #ready = new Map<string, EndpointView[]>();
  readonly #onChange = (): void => {
    this.#ready.clear();
    this.#markDraining();
    this.#reconcileSoon();
  };

  get #hostId(): string | undefined {
    return this.options.mesh?.hostId;
  }

  constructor(private readonly options: ProxyOptions) {
    super();
    const clock = options.clock ?? systemClock;
    this.#setAside = new SetAside(clock, options.setAside ?? DEFAULT_SET_ASIDE);
    this.#metrics = new ProxyMetrics(options.registry ?? new Registry(), () => this.#counts.byService());
    this.#held = new HeldPorts(options.logger);
    const vips = options.vips ?? bridgeVips(options.network);
    this.#vips = options.hostRoutes === undefined ? vips : routedVips(vips, options.network, options.hostRoutes);
  }

  async start(): Promise<void> {
    this.options.table.on('change', this.#onChange);
    this.#markDraining();
    this.#reconcileSoon();
    await this.#queue;
  }

  openConnections(): Record<string, number> {
    const open: Record<string, number> = {};
    for (const taskId of this.#draining) open[taskId] = this.#counts.get(taskId);
    return open;
  }

  restoreVips(): Promise<void> {
    this.#queue = this.#queue.then(async () => {
      for (const [service, state] of this.#services) {
        if (this.#closed) return;
        try {
          await this.#vips.add(state.vip);
        } catch (err) {
          this.options.logger.error({ err, service, vip: state.vip }, 'could not add the virtual IP again');
        }
      }
    });
    return this.#queue;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.options.table.off('change', this.#onChange);
    this.#cancelRetry?.();
    await this.#queue;
    const listeners: Array<PortListener | UdpPortListener> = [...this.#leaving];
    for (const state of this.#services.values()) listeners.push(...state.listeners.values(), ...state.udp.values());
    await Promise.all(listeners.map((l) => l.destroy()));
    // a VIP whose ports another proxy of this host serves is its too: removing it would cut that one off
    await Promise.all(
      [...this.#services.values()].filter((s) => !this.#held.any(s.vip)).map((s) => this.#removeVip(s.vip)),
    );
    this.#services.clear();
    this.#leaving.clear();
  }

  /** Draining endpoints, kept in step with the table at once (a listener reads the table itself). */
  #markDraining(): void {
    this.#draining.clear();
    for (const service of this.options.table.services()) {
      for (const e of service.endpoints) if (e.state === 'draining') this.#draining.add(e.taskId);
    }
  }

  #reconcileSoon(): void {
    this.#queue = this.#queue.then(() => this.#reconcile());
  }

  async #reconcile(): Promise<void> {
    if (this.#closed) return;
    const log = this.options.logger;
    let failed = false;
    const wanted = new Map<string, ServiceEndpointsView>();
    for (const service of this.options.table.services()) wanted.set(service.service, service);
    for (const [name, state] of this.#services) {
      const view = wanted.get(name);
      if (view !== undefined && view.vip === state.vip) continue;
      this.#retire(state.listeners.values());
      this.#closeUdp(state.udp.values());
      this.#services.delete(name);
      this.#held.forget(state.vip);
      await this.#removeVip(state.vip);
      log.info({ service: name, vip: state.vip }, 'service left the proxy');
    }
    for (const view of wanted.values()) {
      if (!(await this.#serve(view))) failed = true;
    }
    this.#forgetGone();
    if (failed && !this.#closed) {
      this.#cancelRetry?.();
      this.#cancelRetry = (this.options.clock ?? systemClock).setTimer(RETRY_MS, () => this.#reconcileSoon());
    }
  }

  /** Why a VIP could not be added, logged; one the host routes elsewhere once per VIP, though it is tried again. */
  #vipNotAdded(view: ServiceEndpointsView, err: unknown): void {
    const fields = { service: view.service, vip: view.vip };
    if (!(err instanceof VipRouted)) {
      this.options.logger.error({ err, ...fields }, 'could not add the virtual IP');
      return;
    }
    if (this.#routedSaid.has(view.vip)) return;
    this.#routedSaid.add(view.vip);
    this.options.logger.error(fields, err.message);
  }

  /**
   * Makes one service's VIP and listeners match its view; false when something must be tried again.
   * A VIP a listen found gone is added again and the listens tried once more at once, not a retry later:
   * the proxy that served it has just stopped, and its clients wait meanwhile.
   */
  async #serve(view: ServiceEndpointsView, again = false): Promise<boolean> {
    const log = this.options.logger;
    let state = this.#services.get(view.service);
    if (state === undefined) {
      try {
        await this.#vips.add(view.vip);
        this.#routedSaid.delete(view.vip);
      } catch (err) {
        this.#vipNotAdded(view, err);
        return false;
      }
      state = { vip: view.vip, listeners: new Map(), udp: new Map(), vipGone: false };
      this.#services.set(view.service, state);
      log.info({ service: view.service, vip: view.vip }, 'service joined the proxy');
    } else if (state.vipGone) {
      try {
        await this.#vips.add(view.vip);
        state.vipGone = false;
        log.info({ service: view.service, vip: view.vip }, 'virtual IP added again');
      } catch (err) {
        this.#vipNotAdded(view, err);
        return false;
      }
    }
    let ok = true;
    const ports = view.ports.filter((p) => p.protocol !== 'udp');
    for (const [port, listener] of state.listeners) {
      const p = ports.find((x) => x.port === port);
      if (p !== undefined && (p.protocol === 'http' ? 'http' : 'tcp') === listener.mode) continue;
      this.#retire([listener]);
      state.listeners.delete(port);
    }
    for (const p of ports) {
      const mode = p.protocol === 'http' ? 'http' : 'tcp';
      const balancer = (): Balancer =>
        new Balancer(p.balance ?? 'least-conn', p.port, this.#setAside, (id) => this.#counts.get(id), this.#hostId);
      const settings = { balancer: balancer(), proxyProtocol: mode === 'tcp' ? p.proxyProtocol : undefined };
      const existing = state.listeners.get(p.port);
      if (existing !== undefined) {
        const now = existing.ctx.settings;
        if (now.balancer.mode !== settings.balancer.mode || now.proxyProtocol !== settings.proxyProtocol) {
          existing.ctx.settings = settings;
        }
        continue;
      }
      try {
        const ctx = this.#context(view.service, p.port, settings);
        state.listeners.set(p.port, await PortListener.open(mode, view.vip, ctx));
        this.#held.listening(view.service, view.vip, p.port, 'tcp');
      } catch (err) {
        this.#listenFailed(view, state, p.port, 'tcp', err);
        ok = false;
      }
    }
    ok = (await this.#serveUdp(view, state)) && ok;
    return state.vipGone && !again ? this.#serve(view, true) : ok;
  }

  /** Makes a service's udp sockets match its udp ports; false when one could not be bound. */
  async #serveUdp(view: ServiceEndpointsView, state: ServiceState): Promise<boolean> {
    const ports = view.ports.filter((p) => p.protocol === 'udp');
    for (const [port, listener] of state.udp) {
      if (ports.some((p) => p.port === port)) continue;
      this.#closeUdp([listener]);
      state.udp.delete(port);
    }
    let ok = true;
    for (const p of ports) {
      const mode = p.balance ?? 'least-conn';
      const settings = {
        balancer: new Balancer(mode, p.port, this.#setAside, (id) => this.#counts.get(id), this.#hostId, 'udp'),
        proxyProtocol: undefined,
      };
      const existing = state.udp.get(p.port);
      if (existing !== undefined) {
        if (existing.ctx.settings.balancer.mode !== mode) existing.ctx.settings = settings;
        continue;
      }
      try {
        const ctx = this.#context(view.service, p.port, settings);
        state.udp.set(p.port, await UdpPortListener.open(view.vip, ctx, this.#udpLimits, this.#clock));
        this.#held.listening(view.service, view.vip, p.port, 'udp');
      } catch (err) {
        this.#listenFailed(view, state, p.port, 'udp', err);
        ok = false;
      }
    }
    return ok;
  }

  /**
   * A port another process of this host holds is said once and tried again quietly; a VIP found gone
   * is added again on the next try (both: a second worker's proxy on the host, which took the VIP away
   * as it stopped); anything else is logged each time.
   */
  #listenFailed(
    view: ServiceEndpointsView,
    state: ServiceState,
    port: number,
    protocol: 'tcp' | 'udp',
    err: unknown,
  ): void {
    const failure = listenFailure(err);
    if (failure === 'held') return this.#held.held(view.service, view.vip, port, protocol);
    if (failure === 'vip-gone') {
      state.vipGone = true;
      return;
    }
    const what = protocol === 'udp' ? 'could not listen on the virtual IP (udp)' : 'could not listen on the virtual IP';
    this.options.logger.error({ err, service: view.service, vip: view.vip, port }, what);
  }

  get #udpLimits(): UdpLimits {
    return {
      idleMs: this.options.udp?.idleMs ?? DEFAULT_UDP_IDLE_MS,
      maxFlows: this.options.udp?.maxFlows ?? DEFAULT_UDP_MAX_FLOWS,
    };
  }

  get #clock(): Clock {
    return this.options.clock ?? systemClock;
  }

  /** A udp port that went away ends its flows at once: no connection is left to finish. */
  #closeUdp(listeners: Iterable<UdpPortListener>): void {
    for (const listener of listeners) void listener.destroy();
  }

  #context(service: string, port: number, settings: PortContext['settings']): PortContext {
    return {
      service,
      port,
      settings,
      ready: () => {
        let ready = this.#ready.get(service);
        if (ready === undefined) this.#ready.set(service, (ready = this.options.table.ready(service)));
        return ready;
      },
      setAside: this.#setAside,
      counts: this.#counts,
      metrics: this.#metrics,
      log: this.options.logger,
      connectTimeoutMs: this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      responseTimeoutMs: this.options.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS,
      maxAttempts: this.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      tunnelTls: this.options.mesh?.tls,
    };
  }

  /** Stops a listener accepting; its open connections finish on their own. */
  #retire(listeners: Iterable<PortListener>): void {
    for (const listener of listeners) {
      listener.stopAccepting();
      this.#leaving.add(listener);
    }
  }

  /** Drops set-aside records, keep-alive agents of replicas no longer ready, and TLS sessions of workers left. */
  #forgetGone(): void {
    const keys = new Set<string>();
    const hops = new Set<string>();
    const keep = (target: Target | undefined): void => {
      if (target === undefined) return;
      keys.add(target.key);
      if (target.via !== undefined) hops.add(hopKey(target.via));
    };
    for (const [name, state] of this.#services) {
      const ready = this.options.table.ready(name);
      const ids = new Set(ready.map((e) => e.taskId));
      for (const listener of state.listeners.values()) {
        listener.upstreams?.retain(ids);
        for (const e of ready) keep(targetOf(e, listener.ctx.port, this.#hostId));
      }
      if (state.udp.size === 0) continue;
      // a udp flow lasts while its replica is an endpoint, ready or draining
      const endpoints = new Set(this.options.table.service(name)?.endpoints.map((e) => e.taskId));
      for (const listener of state.udp.values()) {
        listener.retain(endpoints);
        for (const e of ready) keep(targetOf(e, listener.ctx.port, this.#hostId, 'udp'));
      }
    }
    this.#setAside.retain(keys);
    const tls = this.options.mesh?.tls();
    if (tls !== undefined) retainTunnelSessions(tls, hops);
    for (const listener of this.#leaving) {
      if (listener.openSockets > 0) continue;
      listener.upstreams?.destroy(); // its idle replica connections have nothing left to carry
      this.#leaving.delete(listener);
    }
  }

  async #removeVip(vip: string): Promise<void> {
    try {
      await this.#vips.remove(vip);
    } catch (err) {
      this.options.logger.warn({ err, vip }, 'could not remove the virtual IP');
    }
  }
}

export async function startProxy(options: ProxyOptions): Promise<Proxy> {
  const proxy = new HostProxy(options);
  await proxy.start();
  return proxy;
}
