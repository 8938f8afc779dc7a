import type { ClusterEvent } from './events.js';
import type { TaskRecord } from './records.js';
import type { ServiceRecord } from './services/service-record.js';

/**
 * What one step decided: the new records to write (the latest per task) and the events to
 * publish once they are written. Nothing here touches memory or the store; ClusterState.commit
 * does both, in that order, and publishes the events only after the write.
 */
export class Changes {
  readonly records = new Map<string, TaskRecord>();
  readonly events: ClusterEvent[] = [];
  /** Services to write (null: to delete), by name; written in the same batch as the tasks. */
  readonly services = new Map<string, ServiceRecord | null>();

  get size(): number {
    return this.records.size + this.services.size;
  }

  /** The task as this step has it so far, else as `fallback` says (the cluster's latest). */
  current(id: string, fallback: (id: string) => TaskRecord | undefined): TaskRecord | undefined {
    return this.records.get(id) ?? fallback(id);
  }

  put(rec: TaskRecord): TaskRecord {
    this.records.set(rec.request.id, rec);
    return rec;
  }

  putService(rec: ServiceRecord): ServiceRecord {
    this.services.set(rec.name, rec);
    return rec;
  }

  removeService(name: string): void {
    this.services.set(name, null);
  }

  /** Queues an event, published once the records are written. */
  event(e: ClusterEvent): void {
    this.events.push(e);
  }
}
