/**
 * A reading a heartbeat carries (the host's figures, the host ports in use), taken in the
 * background, so that a beat goes with the latest reading instead of waiting for a new one. A
 * reading is procfs and statfs through libuv's thread pool; on a loaded host it took up to 670 ms
 * (2026-12-02, 2 cores at load 58), and a beat that waited for it reached the manager that much
 * later: with 1 s beats and a 3 s grace the manager saw beats up to 3.2 s apart, and a live node
 * went Down while its tasks started.
 */
export class HostReadings<T> {
  #latest: T | undefined;
  /** When the latest reading began (performance.now() ms). */
  #latestAtMs = -Infinity;
  #reading: Promise<T> | undefined;

  /**
   * @param refreshAfterMs latest() starts a new reading only once the latest is this old (0:
   *   every call), for a reading that costs more than the beat it goes with.
   */
  constructor(
    private readonly read: () => Promise<T>,
    private readonly refreshAfterMs = 0,
  ) {}

  /** A new reading, waited for (a registration: the manager learns the node from it). */
  fresh(): Promise<T> {
    return this.#start();
  }

  /**
   * The latest reading at once, with a new one started for the next call. With none yet, or after
   * a reading failed, it waits for a new one, so a failure reaches the caller.
   */
  latest(): Promise<T> {
    if (this.#latest !== undefined && performance.now() - this.#latestAtMs < this.refreshAfterMs)
      return Promise.resolve(this.#latest);
    const next = this.#start();
    if (this.#latest === undefined) return next;
    next.catch(() => undefined); // the next call waits for a reading, and sees the failure then
    return Promise.resolve(this.#latest);
  }

  #start(): Promise<T> {
    const beganMs = performance.now();
    this.#reading ??= this.read().then(
      (reading) => {
        this.#latest = reading;
        this.#latestAtMs = beganMs;
        this.#reading = undefined;
        return reading;
      },
      (err: unknown) => {
        this.#latest = undefined;
        this.#reading = undefined;
        throw err;
      },
    );
    return this.#reading;
  }
}

/**
 * How long to wait before the next beat: the manager's period counts from when the last beat went,
 * not from its answer, so a beat whose answer took 2 s is followed by the next at once rather than
 * a period later (which the manager would see as one beat missed more).
 */
export function beatDelayMs(askedMs: number, tookMs: number): number {
  return Math.max(0, askedMs - tookMs);
}
