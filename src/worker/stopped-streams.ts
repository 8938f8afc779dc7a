// What the caller of a worker's stream (the manager, which passes it on to the CLI) is told when
// the worker stops (SIGTERM) during it: the stream ends whole, or a copy's archive is cut off, and
// one not yet answered is answered 503 server_stopping with these words (src/http/streams.ts).

export const WORKER_LOGS_STOPPED = 'the worker ended the log stream (it is stopping)';
export const WORKER_EXEC_STOPPED =
  'the worker ended the exec stream (it is stopping); the command may still run in the container';
export const WORKER_COPY_STOPPED = 'the worker ended the copy (it is stopping); run poseidon cp again';
