import { PoseidonError } from '../errors/index.js';

/** How many names `poseidon run IMAGE` makes up before it gives up: four hex digits clash 1 in 65,536 a pair. */
export const GENERATED_NAME_TRIES = 5;

/**
 * Submits the body `make` builds. A task not ended holds its name (the manager refuses another
 * under it, task_name_taken); when the name was made up (`poseidon run IMAGE` without --name),
 * the body is built again with another, as docker's made-up names never stop a `docker run`.
 * A name the user gave is refused as it is.
 */
export async function submitWithName<T>(
  make: () => unknown,
  submit: (body: unknown) => Promise<T>,
  madeUp: boolean,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await submit(make());
    } catch (err) {
      const taken = err instanceof PoseidonError && err.code === 'task_name_taken';
      if (!taken || !madeUp || attempt >= GENERATED_NAME_TRIES) throw err;
    }
  }
}
