/**
 * Connections (tcp) or requests in flight (http) the proxy has open towards each replica, by task
 * id and by service: least-connections reads the first, the `applied` report the draining ones.
 */
export class OpenCounts {
  readonly #byTask = new Map<string, number>();
  readonly #byService = new Map<string, number>();

  constructor(private readonly onZero: (taskId: string) => void) {}

  get(taskId: string): number {
    return this.#byTask.get(taskId) ?? 0;
  }

  byService(): Map<string, number> {
    return new Map(this.#byService);
  }

  open(taskId: string, service: string): void {
    this.#byTask.set(taskId, this.get(taskId) + 1);
    this.#byService.set(service, (this.#byService.get(service) ?? 0) + 1);
  }

  close(taskId: string, service: string): void {
    const left = this.get(taskId) - 1;
    if (left > 0) this.#byTask.set(taskId, left);
    else this.#byTask.delete(taskId);
    const inService = (this.#byService.get(service) ?? 1) - 1;
    if (inService > 0) this.#byService.set(service, inService);
    else this.#byService.delete(service);
    if (left <= 0) this.onZero(taskId);
  }
}
