// Without TypeBox, so the CLI's `stack` commands can name it without loading the schemas.

/**
 * The label a Compose deploy puts on each service of a stack (`poseidon.stack=<stack>`), by which a
 * later deploy finds the stack's services; its replicas carry it too, so their containers can look
 * up the stack's other services by their Compose names (`db`).
 */
export const STACK_LABEL = 'poseidon.stack';
