// The limits of secrets and configs, in a module that loads nothing: the CLI checks them before
// it sends a value, and must not load the API's schemas (TypeBox) to do so.

/** The largest value of a secret or config, as Swarm's (500 KiB): a file a task reads at start, not a data set. */
export const MAX_FILE_BYTES = 500 * 1024;
