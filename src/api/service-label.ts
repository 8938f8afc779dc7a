/**
 * The label each service replica's container carries (`poseidon.service=<service>`), put on the
 * task as the manager sends it to its worker (never stored with the task, so a service's template
 * is unchanged by it): the worker opens a tunnel (`GET /tunnel/{taskId}/{port}`) to replicas only.
 * A task a user labelled so is theirs to expose: they could have made it a service.
 */
export const SERVICE_LABEL = 'poseidon.service';
