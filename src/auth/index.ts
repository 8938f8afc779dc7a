// API tokens for people and scripts: `psdn_<id>_<secret>`, stored as the secret's SHA-256, with a
// scope (read < deploy < admin), an optional expiry and revocation. The manager's Bearer side of
// src/http/access.ts: TokenBook.identify turns an Authorization header into an Identity.
export { TokenBook, LAST_USED_FLUSH_MS, type TokenRecord, type TokenBookDeps } from './token-book.js';
/** The first start's admin token, in `<data-dir>/admin-token` (0600). */
export { createFirstAdminToken, adminTokenPath } from './admin-token.js';
/** POST/GET /tokens, DELETE /tokens/{id}, GET /whoami. */
export { tokenRoutes } from './token-routes.js';
export { TokenNotFound, LastAdminToken } from './errors.js';
/** The token's text form and the constant-time check of its secret. */
export { formatToken, parseToken, hashSecret, secretMatches, newTokenParts, type TokenParts } from './token-format.js';
/** "30d" -> ms, 1s to 3650d. */
export { parseTtl } from './ttl.js';
