import { ApiError } from './api.js';

// What the page says of a call that failed: the API's own words when it answered; when it did not
// (fetch's TypeError, "Failed to fetch", which says nothing to a person), that the manager did not.

const DID_NOT_ANSWER = 'the manager did not answer (it may be restarting, or the network is down)';

export function errorText(err: unknown): string {
  if (err instanceof ApiError) return `refused (${err.status} ${err.code}): ${err.message}`;
  if (err instanceof TypeError) return DID_NOT_ANSWER;
  return err instanceof Error ? err.message : String(err);
}

/**
 * What an action (a change: stop, scale, drain) that failed says: as errorText, and for one that got
 * no answer, that whether it was done is not known (the call may have reached the manager before it
 * went away; a change is never sent again on its own).
 */
export function actionErrorText(err: unknown): string {
  if (err instanceof TypeError)
    return `Not known whether it was done: ${DID_NOT_ANSWER}. Look again once the page is live.`;
  return errorText(err);
}
