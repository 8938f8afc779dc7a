/**
 * The one error body every server sends. `code` is one of src/errors' ERRORS (or a newer
 * server's); `retryAfterMs` comes with temporary failures that know when trying again makes sense;
 * `leader` with `not_leader`: the URL of the manager that leads (managers as a group).
 */
export interface ErrorBody {
  error: { code: string; message: string; retryAfterMs?: number; leader?: string };
}
