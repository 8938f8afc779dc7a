import { PoseidonError } from '../errors/index.js';

export class TaskNotFound extends PoseidonError {
  readonly code = 'task_not_found';
  readonly status = 404;
  constructor(readonly taskId: string) {
    super(`no task ${taskId} on this worker`);
  }
}

export class WorkerStopping extends PoseidonError {
  readonly code = 'worker_stopping';
  readonly status = 503;
  override readonly temporary = true;
  constructor() {
    super('the worker is shutting down');
  }
}
