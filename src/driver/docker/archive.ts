import type Docker from 'dockerode';
import type { IncomingMessage } from 'node:http';
import { ContainerGone, CopyRefused, PathNotFound } from '../errors.js';
import type { PathStat } from '../types.js';
import { engineMessage, type HttpError } from './engine-error.js';

// `poseidon cp` on the engine: a path's stat (HEAD /containers/{id}/archive), a tar archive of it
// (GET) and an archive unpacked into a directory (PUT), as `docker cp` asks for them.

/** Runs one Engine API call, as the driver does (an engine that is not there is DriverUnreachable). */
export type EngineCall = <T>(fn: () => Promise<T>) => Promise<T>;

/** Go's os.FileMode bits for a path's kind, as the engine's stat header carries them. */
const GO_MODE_DIR = 2 ** 31;
const GO_MODE_SYMLINK = 2 ** 27;
/** Every kind bit besides a directory's and a symlink's: pipe, socket, device, char device, irregular. */
const GO_MODE_OTHER = 2 ** 25 + 2 ** 24 + 2 ** 26 + 2 ** 21 + 2 ** 19;
/** Go keeps setuid, setgid and sticky apart from the permission bits. */
const GO_SETUID = 2 ** 23;
const GO_SETGID = 2 ** 22;
const GO_STICKY = 2 ** 20;

/** The engine's `X-Docker-Container-Path-Stat` header (base64 JSON) in Poseidon's terms. */
export function pathStatOf(header: string): PathStat {
  const raw = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as {
    name?: unknown;
    size?: unknown;
    mode?: unknown;
    mtime?: unknown;
    linkTarget?: unknown;
  };
  const mode = typeof raw.mode === 'number' ? raw.mode : 0;
  const kind =
    mode >= GO_MODE_DIR
      ? 'directory'
      : (mode & GO_MODE_SYMLINK) !== 0
        ? 'symlink'
        : (mode & GO_MODE_OTHER) !== 0
          ? 'other'
          : 'file';
  const special =
    ((mode & GO_SETUID) !== 0 ? 0o4000 : 0) |
    ((mode & GO_SETGID) !== 0 ? 0o2000 : 0) |
    ((mode & GO_STICKY) !== 0 ? 0o1000 : 0);
  const linkTarget = typeof raw.linkTarget === 'string' ? raw.linkTarget : '';
  return {
    name: typeof raw.name === 'string' ? raw.name : '',
    kind,
    size: typeof raw.size === 'number' && raw.size >= 0 ? raw.size : 0,
    mode: (mode & 0o777) | special,
    mtime: typeof raw.mtime === 'string' ? raw.mtime : '',
    ...(linkTarget === '' ? {} : { linkTarget }),
  };
}

/** The engine answers 404 for a container and for a path alike: which one is asked of the container. */
async function notFound(container: Docker.Container, call: EngineCall, path: string, id: string): Promise<Error> {
  try {
    await call(() => container.inspect());
    return new PathNotFound(path);
  } catch (err) {
    if ((err as HttpError).statusCode === 404) return new ContainerGone(id, 'its files');
    return err instanceof Error ? err : new Error(String(err));
  }
}

export async function statPath(docker: Docker, call: EngineCall, id: string, path: string): Promise<PathStat> {
  const container = docker.getContainer(id);
  let res: IncomingMessage;
  try {
    res = (await call(() => container.infoArchive({ path }))) as IncomingMessage;
  } catch (err) {
    if ((err as HttpError).statusCode === 404) throw await notFound(container, call, path, id);
    throw err;
  }
  res.resume(); // a HEAD answer has no body, but its socket goes back to the pool once read
  const header = res.headers['x-docker-container-path-stat'];
  if (typeof header !== 'string') throw new Error(`the engine gave no stat of ${path}`);
  return pathStatOf(header);
}

export async function getArchive(
  docker: Docker,
  call: EngineCall,
  id: string,
  path: string,
  signal: AbortSignal,
): Promise<NodeJS.ReadableStream> {
  const container = docker.getContainer(id);
  try {
    return (await call(() => container.getArchive({ path, abortSignal: signal }))) as NodeJS.ReadableStream;
  } catch (err) {
    if ((err as HttpError).statusCode === 404) throw await notFound(container, call, path, id);
    throw err;
  }
}

export async function putArchive(
  docker: Docker,
  call: EngineCall,
  id: string,
  path: string,
  tar: NodeJS.ReadableStream,
  signal: AbortSignal,
): Promise<void> {
  const container = docker.getContainer(id);
  try {
    // a directory is never replaced by a file of the archive, nor a file by a directory (docker cp's way)
    const answer = await call(() =>
      container.putArchive(tar, { path, noOverwriteDirNonDir: true, abortSignal: signal }),
    );
    (answer as { resume?: () => void } | undefined)?.resume?.();
  } catch (err) {
    const status = (err as HttpError).statusCode;
    if (status === 404) throw await notFound(container, call, path, id);
    if (status === 400 || status === 403) throw new CopyRefused(path, engineMessage(err));
    throw err;
  }
}
