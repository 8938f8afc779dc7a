import { join } from 'node:path';
import type { Logger } from 'pino';
import { writeSecretFile } from './secret-file.js';
import type { TokenBook } from './token-book.js';

/** Where the first manager start leaves its admin token, readable by the manager's user only. */
export function adminTokenPath(dataDir: string): string {
  return join(dataDir, 'admin-token');
}

/**
 * On the manager's first start (no token was ever created) makes an admin token that never
 * expires and writes it to `<data-dir>/admin-token` (0600); returns whether it did. Later starts
 * leave the file alone: a deleted file or a revoked token is the operator's choice.
 */
export async function createFirstAdminToken(tokens: TokenBook, dataDir: string, log: Logger): Promise<boolean> {
  if (tokens.size > 0) return false;
  const path = adminTokenPath(dataDir);
  const created = await tokens.create({ scope: 'admin', name: 'admin' }, (token) =>
    writeSecretFile(path, `${token}\n`),
  );
  log.info({ tokenId: created.id, path }, 'admin token written');
  return true;
}
