import { PoseidonError } from '../errors/index.js';

export class TokenNotFound extends PoseidonError {
  constructor(readonly tokenId: string) {
    super('token_not_found', `no token ${tokenId}; \`poseidon token ls\` lists them`);
  }
}

/** Revoking it would leave nobody able to create tokens or manage nodes. */
export class LastAdminToken extends PoseidonError {
  constructor(readonly tokenId: string) {
    super(
      'last_admin_token',
      `token ${tokenId} is the last active admin token; create another (poseidon token create --scope admin) first`,
    );
  }
}
