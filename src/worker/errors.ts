import { PoseidonError } from '../errors/index.js';

export class WorkerStopping extends PoseidonError {
  constructor() {
    super('worker_stopping', 'the worker is shutting down', { retryAfterMs: 1_000 });
  }
}
