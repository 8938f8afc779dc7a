import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';

/**
 * A request's logger (`req.log`) that becomes its parent's child, with the request's bindings
 * (its reqId), on its first use. Fastify makes one child per request; pino's child writes its
 * bindings as JSON and sets a dozen fields, ~0.5 KB a request, and nearly every request logs
 * nothing (the servers log refusals, failures and a few actions).
 */
export class LazyChildLogger implements FastifyBaseLogger {
  #child: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  #made(): FastifyBaseLogger {
    return (this.#child ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.#child?.level ?? this.options.level ?? this.parent.level;
  }
  set level(level: string) {
    this.#made().level = level;
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#made().child(bindings, options);
  }

  // each level's call, with its arguments as the caller gave them (methods: an instance makes no closures)
  fatal(...args: unknown[]): void {
    const log = this.#made();
    Reflect.apply(log.fatal, log, args);
  }
  error(...args: unknown[]): void {
    const log = this.#made();
    Reflect.apply(log.error, log, args);
  }
  warn(...args: unknown[]): void {
    const log = this.#made();
    Reflect.apply(log.warn, log, args);
  }
  info(...args: unknown[]): void {
    const log = this.#made();
    Reflect.apply(log.info, log, args);
  }
  debug(...args: unknown[]): void {
    const log = this.#made();
    Reflect.apply(log.debug, log, args);
  }
  trace(...args: unknown[]): void {
    const log = this.#made();
    Reflect.apply(log.trace, log, args);
  }
  silent(...args: unknown[]): void {
    const log = this.#made();
    Reflect.apply(log.silent, log, args);
  }
}
