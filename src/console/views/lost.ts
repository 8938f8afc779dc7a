import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

// While the manager does not answer, every figure a page shows is what it last answered: the page
// is greyed (main.lost), its states say as of when (AsOfLost), and what would ask the manager to
// change something is not offered until it answers again (whether it was done could not be known).

/** Since when the manager does not answer (ISO time), as the store says; null while it answers. */
export const LostSince = createContext<string | null>(null);

/** Since when the manager does not answer; null while it does. */
export function useLostSince(): string | null {
  return useContext(LostSince);
}

/** Why an action is not offered while the manager does not answer. */
export const NOT_WHILE_LOST = 'not while the manager does not answer';
