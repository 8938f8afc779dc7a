// Label keys are part of Poseidon's contract with the host: containers are found by label,
// never by name.
export const LABEL_TASK_ID = 'poseidon.task-id';
export const LABEL_TASK_NAME = 'poseidon.task-name';
export const LABEL_WORKER = 'poseidon.worker';
export const LABEL_GENERATION = 'poseidon.generation';
/** On every named volume a worker creates ("true"), with LABEL_WORKER naming the worker. */
export const LABEL_VOLUME = 'poseidon.volume';
