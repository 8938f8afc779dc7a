import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { PoseidonError } from '../errors/index.js';
import { textResponse } from '../http/index.js';

// The web console (issue 16): its page and assets, built by scripts/bundle-console.mjs into
// dist/console/ and shipped in the npm package, served from memory. The page loads nothing from
// elsewhere (the Content-Security-Policy says so to the browser too); every API call it makes
// carries the token the user signed in with, so these routes are open, as /healthz is.

/**
 * dist/console: this module runs from dist/src/manager (as tsc wrote it) or from a chunk in
 * dist/cli (bundled), so the console is found from the nearest `dist` folder above it.
 */
export const CONSOLE_DIR = consoleDir(fileURLToPath(import.meta.url));

function consoleDir(modulePath: string): string {
  const parts = modulePath.split(sep);
  const dist = parts.lastIndexOf('dist');
  return dist < 0 ? join(dirname(modulePath), 'console') : join(parts.slice(0, dist + 1).join(sep) || sep, 'console');
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};
const ASSET_NAME = '^[a-z0-9][a-z0-9.-]{0,63}$';
const AssetParams = Type.Object({ file: Type.String({ pattern: ASSET_NAME }) });

// script-src 'self': no inline script runs; connect-src 'self': the page talks to this manager only
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

class ConsoleAssetNotFound extends PoseidonError {
  constructor(what: string) {
    super('not_found', what);
  }
}

/** The console's files, read once: name → body. Empty when the console was not built (npm run build builds it). */
function readAssets(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  if (!existsSync(join(dir, 'index.html'))) return files;
  for (const name of ['index.html', 'app.js', 'app.css']) files.set(name, readFileSync(join(dir, name)));
  return files;
}

/** `GET /ui` (the page) and `GET /ui/assets/{file}`; `dir` is where the built console is (CONSOLE_DIR). */
export const consoleRoutes: FastifyPluginAsyncTypebox<{ dir?: string }> = async (app, opts) => {
  const files = readAssets(opts.dir ?? CONSOLE_DIR);
  const send = (name: string) => {
    const body = files.get(name);
    if (body === undefined)
      throw new ConsoleAssetNotFound(
        files.size === 0
          ? 'the web console was not built into this package (npm run build)'
          : `no console file ${name}`,
      );
    return body;
  };
  const page = { config: { access: 'open' as const } };
  const html = { response: textResponse('text/html', 'the web console (sign-in asks for an API token)') };
  for (const url of ['/ui', '/ui/'])
    app.get(url, { ...page, schema: html }, async (_req, reply) =>
      reply
        .type(TYPES['.html'] as string)
        .header('content-security-policy', CSP)
        .header('cache-control', 'no-cache')
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .send(send('index.html')),
    );
  const asset = { params: AssetParams, response: textResponse('application/octet-stream', 'a file of the console') };
  app.get('/ui/assets/:file', { ...page, schema: asset }, async (req, reply) => {
    const { file } = req.params;
    return reply
      .type(TYPES[extname(file)] ?? 'application/octet-stream')
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .send(send(file));
  });
};
