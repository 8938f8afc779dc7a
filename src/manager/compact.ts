import type { HealthView, PortView } from '../api/index.js';
import { SharedParts } from '../task/index.js';
import { NO_HEALTH } from './records.js';

/** The empty port list every task without ports shares. */
export const NO_PORTS = Object.freeze([]) as unknown as PortView[];

/**
 * Shares what many tasks hold alike (SharedParts: a request's image, command, env, labels and
 * restart policy), and what reports repeat: health, ports, reasons and timestamps.
 */
export class Compactor extends SharedParts {
  #lastTime: string | null = null;

  health(h: HealthView): HealthView {
    return h.status === 'none' && h.failures === 0 && h.lastOutput === '' && h.lastCheckedAt === null ? NO_HEALTH : h;
  }

  ports(p: PortView[]): PortView[] {
    return p.length === 0 ? NO_PORTS : p;
  }

  /** A timestamp: the tasks of one busy millisecond share one string. */
  time(t: string | null): string | null {
    if (t === null) return null;
    if (t === this.#lastTime) return this.#lastTime;
    this.#lastTime = t;
    return t;
  }
}
