import { Type, type Static } from '@sinclair/typebox';

/**
 * The one error body every server sends. `code` is one of src/errors' ERRORS (or a newer
 * server's); `retryAfterMs` comes with temporary failures that know when trying again makes sense;
 * `leader` with `not_leader`: the URL of the manager that leads (managers as a group).
 */
export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String({ description: "A stable snake_case code (src/errors' ERRORS): `not_found`, `forbidden`." }),
    message: Type.String({ description: 'What went wrong, written for a person.' }),
    retryAfterMs: Type.Optional(Type.Number()),
    leader: Type.Optional(Type.String({ description: 'With `not_leader`: the URL of the manager that leads.' })),
  }),
});
export type ErrorBody = Static<typeof ErrorBody>;
