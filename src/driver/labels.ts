// Label keys are part of Poseidon's contract with the host: containers are found by label,
// never by name.
export const LABEL_TASK_ID = 'poseidon.task-id';
export const LABEL_TASK_NAME = 'poseidon.task-name';
export const LABEL_WORKER = 'poseidon.worker';
export const LABEL_GENERATION = 'poseidon.generation';
/** On every named volume a worker creates ("true"), with LABEL_WORKER naming the worker. */
export const LABEL_VOLUME = 'poseidon.volume';
/** On the Poseidon network a worker creates: the network's name (every task container joins it). */
export const LABEL_NETWORK = 'poseidon.network';
