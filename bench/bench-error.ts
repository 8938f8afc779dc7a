/**
 * An expected way for a bench run to fail (no engine, no image, a process that would not
 * start): run.ts prints its message as one line, without a stack. Anything else is a bug.
 */
export class BenchError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
