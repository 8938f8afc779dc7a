import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

// A registry for tests, on 127.0.0.1 (no registry is reachable here): the Registry HTTP API v2
// for one image, made from a local one (`docker save`), behind basic auth as registry:2 with
// htpasswd answers. The engine pulls from it over plain HTTP (127.0.0.0/8 is an insecure
// registry by default).

const run = promisify(execFile);
const MANIFEST_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';

interface Blob {
  bytes: Buffer;
  digest: string;
}

function blob(bytes: Buffer): Blob {
  return { bytes, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
}

/** An image as the registry serves it: its manifest, and its config and layers by digest. */
interface Served {
  manifest: Blob;
  blobs: Map<string, Blob>;
}

/** `source` (a local image) as a registry serves it, from `docker save`. */
async function servedOf(source: string): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'poseidon-registry-'));
  try {
    await run('sh', ['-c', `docker save "$0" | tar -x -C "$1"`, source, dir]);
    const [entry] = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Array<{
      Config: string;
      Layers: string[];
    }>;
    if (entry === undefined) throw new Error(`docker save ${source} gave no image`);
    const config = blob(readFileSync(join(dir, entry.Config)));
    const layers = entry.Layers.map((l) => blob(gzipSync(readFileSync(join(dir, l)))));
    const manifest = blob(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MANIFEST_TYPE,
          config: {
            mediaType: 'application/vnd.docker.container.image.v1+json',
            size: config.bytes.length,
            digest: config.digest,
          },
          layers: layers.map((l) => ({
            mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
            size: l.bytes.length,
            digest: l.digest,
          })),
        }),
      ),
    );
    return { manifest, blobs: new Map([config, ...layers].map((b) => [b.digest, b])) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export class TestRegistry {
  /** Requests refused for want of credentials. */
  refused = 0;
  /** Manifests served (a pull asks for one; an image it has is not fetched again). */
  manifests = 0;

  private constructor(
    private readonly server: Server,
    readonly host: string,
    private readonly repository: string,
    private readonly tag: string,
    private served: Served,
    private readonly user: string,
    private readonly password: string,
  ) {}

  /** Serves `source` (a local image) as `<host>/<repository>:<tag>`, to `user` with `password` only. */
  static async start(opts: {
    source: string;
    repository: string;
    tag: string;
    user: string;
    password: string;
  }): Promise<TestRegistry> {
    const served = await servedOf(opts.source);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const registry = new TestRegistry(server, host, opts.repository, opts.tag, served, opts.user, opts.password);
    server.on('request', (req, res) => registry.#answer(req, res));
    return registry;
  }

  /** The same reference now names `source`: as when a tag is pushed again (`app:latest`). */
  async push(source: string): Promise<void> {
    this.served = await servedOf(source);
  }

  /** The image's reference, as a task names it. */
  get image(): string {
    return `${this.host}/${this.repository}:${this.tag}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  #answer(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    const expected = `Basic ${Buffer.from(`${this.user}:${this.password}`).toString('base64')}`;
    if (req.headers.authorization !== expected) {
      this.refused += 1;
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="poseidon-test"', 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      return;
    }
    const path = new URL(req.url ?? '/', 'http://registry').pathname;
    const base = `/v2/${this.repository}`;
    let found: Blob | undefined;
    let type = 'application/octet-stream';
    if (path === '/v2/' || path === '/v2') found = blob(Buffer.from('{}'));
    else if (path === `${base}/manifests/${this.tag}` || path === `${base}/manifests/${this.served.manifest.digest}`) {
      found = this.served.manifest;
      type = MANIFEST_TYPE;
      this.manifests += 1;
    } else if (path.startsWith(`${base}/blobs/`)) found = this.served.blobs.get(path.slice(`${base}/blobs/`.length));
    if (found === undefined) {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: `no ${path}` }] }));
      return;
    }
    res.writeHead(200, {
      'Content-Type': type,
      'Content-Length': found.bytes.length,
      'Docker-Content-Digest': found.digest,
    });
    res.end(req.method === 'HEAD' ? undefined : found.bytes);
  }
}
