import { Type, type Static } from '@sinclair/typebox';

// API tokens on the wire (POST/GET /tokens, DELETE /tokens/{id}; GET /whoami answers the caller's
// own TokenView). The secret is answered once, when the token is created; nothing else carries it.

/** What a token allows, each including the ones before it: read (every GET) < deploy (submit, stop) < admin. */
export const TOKEN_SCOPES = ['read', 'deploy', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** Letters, digits, ".", "_" and "-": a name prints as it was typed, with nothing a terminal would act on. */
export const TOKEN_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$';

export const CreateTokenRequest = Type.Object(
  {
    scope: Type.Union(TOKEN_SCOPES.map((s) => Type.Literal(s))),
    /** How long it lasts, "30d" (s, m, h or d), checked by the handler; never expires when absent. */
    ttl: Type.Optional(Type.String({ minLength: 1, maxLength: 16 })),
    /** TOKEN_NAME_PATTERN, checked by the handler so the message names the field in words. */
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
  },
  { additionalProperties: false },
);
export type CreateTokenRequest = Static<typeof CreateTokenRequest>;

export const TokenState = Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('revoked')]);
export type TokenState = Static<typeof TokenState>;

const tokenFields = {
  id: Type.String(),
  name: Type.String({ description: "'' when none was given." }),
  scope: Type.Union(TOKEN_SCOPES.map((s) => Type.Literal(s))),
  state: TokenState,
  createdAt: Type.String(),
  expiresAt: Type.Union([Type.String(), Type.Null()], { description: 'null: never expires.' }),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
  lastUsedAt: Type.Union([Type.String(), Type.Null()], {
    description: 'When a request last carried it (kept to the minute); null: never used.',
  }),
};

/** A token as GET /tokens shows it: never its secret, nor the secret's hash. */
export const TokenView = Type.Object(tokenFields);
export type TokenView = Static<typeof TokenView>;

/**
 * The answer to DELETE /tokens/{id}: the view, and whether the token had been revoked before this
 * call (at its revokedAt; nothing changed). Revoking is idempotent: both answer 200.
 */
export const RevokedTokenView = Type.Object({
  ...tokenFields,
  alreadyRevoked: Type.Boolean({ description: 'true: it was revoked before this call, at revokedAt.' }),
});
export type RevokedTokenView = Static<typeof RevokedTokenView>;

/** The answer to POST /tokens: the view, and the token itself, shown this once. */
export const CreatedTokenView = Type.Object({ ...tokenFields, token: Type.String() });
export type CreatedTokenView = Static<typeof CreatedTokenView>;
