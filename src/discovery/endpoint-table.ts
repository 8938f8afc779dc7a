import { EventEmitter } from 'node:events';
import type { EndpointView, EndpointsMessage, ServiceEndpointsView } from '../api/endpoints.js';

// A host's copy of the manager's endpoint table, fed by the endpoint stream (one message at a
// time, in order). The DNS server and the proxy read it; both learn of changes from `change`.
// It never answers with an endpoint that is not ready: `ready()` is the only list of targets.

export interface TableChange {
  /** Services added or changed (their new view), and services removed (by name). */
  changed: ServiceEndpointsView[];
  removed: string[];
  /** True when a snapshot replaced the whole table (a (re)connect or a new manager epoch). */
  reset: boolean;
}

export class EndpointTable extends EventEmitter<{ change: [TableChange] }> {
  #epoch = '';
  #revision = 0;
  readonly #services = new Map<string, ServiceEndpointsView>();
  readonly #byVip = new Map<string, string>();

  get epoch(): string {
    return this.#epoch;
  }

  /** The revision applied: every change up to it is in the table. */
  get revision(): number {
    return this.#revision;
  }

  /** Applies one stream message; returns what changed (also emitted as `change`), null for a ping. */
  apply(message: EndpointsMessage): TableChange | null {
    if (message.type === 'ping') return null;
    if (message.type === 'snapshot') {
      const removed = [...this.#services.keys()].filter((name) => !message.services.some((s) => s.service === name));
      this.#services.clear();
      this.#byVip.clear();
      for (const service of message.services) this.#put(service);
      return this.#changed(message.epoch, message.revision, { changed: message.services, removed, reset: true });
    }
    if (message.epoch !== this.#epoch) return null; // a message of another manager run before its snapshot
    if (message.type === 'service') {
      const old = this.#services.get(message.service.service);
      if (old !== undefined) this.#byVip.delete(old.vip);
      this.#put(message.service);
      return this.#changed(message.epoch, message.revision, { changed: [message.service], removed: [], reset: false });
    }
    const old = this.#services.get(message.service);
    if (old !== undefined) this.#byVip.delete(old.vip);
    this.#services.delete(message.service);
    return this.#changed(message.epoch, message.revision, { changed: [], removed: [message.service], reset: false });
  }

  service(name: string): ServiceEndpointsView | undefined {
    return this.#services.get(name);
  }

  /** The service a virtual IP belongs to. */
  serviceByVip(vip: string): ServiceEndpointsView | undefined {
    const name = this.#byVip.get(vip);
    return name === undefined ? undefined : this.#services.get(name);
  }

  services(): IterableIterator<ServiceEndpointsView> {
    return this.#services.values();
  }

  /** The endpoints of a service that may be answered or sent traffic: ready ones, nothing else. */
  ready(name: string): EndpointView[] {
    return (this.#services.get(name)?.endpoints ?? []).filter((e) => e.state === 'ready' && e.address !== null);
  }

  #put(service: ServiceEndpointsView): void {
    this.#services.set(service.service, service);
    this.#byVip.set(service.vip, service.service);
  }

  #changed(epoch: string, revision: number, change: TableChange): TableChange {
    this.#epoch = epoch;
    this.#revision = revision;
    this.emit('change', change);
    return change;
  }
}
