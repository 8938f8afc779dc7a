import { PoseidonError } from '../errors/index.js';
import type { PullPolicy } from '../task/process-rules.js';

export class DriverUnreachable extends PoseidonError {
  constructor(
    readonly endpoint: string,
    options?: ErrorOptions,
  ) {
    super('docker_unreachable', `cannot reach the Docker engine at ${endpoint}: is dockerd running?`, {
      ...options,
      retryAfterMs: 1_000,
    });
  }
}

/**
 * The worker's Poseidon network cannot be had as its flags say: the engine would not make it (a
 * subnet that overlaps another network's), or one of that name is there and is not it. Said with
 * what to do (another --subnet or --network, or remove the other network); the worker does not start.
 */
export class NetworkUnusable extends PoseidonError {
  constructor(message: string, options?: ErrorOptions) {
    super('network_unusable', message, options);
  }
}

/**
 * The task's image cannot be had: not on this host and its pull failed, or its pull failed where
 * the task pulls before each start (`pull: always`), or not on this host where it never pulls.
 * A reason for the task to fail.
 */
export class ImageUnavailable extends PoseidonError {
  constructor(
    readonly image: string,
    /** What the engine or registry said. */
    readonly detail: string,
    /** What was tried: a pull of a missing image (the default), a pull before each start, or none. */
    readonly pull: PullPolicy = 'missing',
  ) {
    super('image_unavailable', ImageUnavailable.#message(image, detail, pull));
  }

  static #message(image: string, detail: string, pull: PullPolicy): string {
    if (pull === 'always') return `image ${image} could not be pulled (its task pulls before each start): ${detail}`;
    if (pull === 'never') return `image ${image} is not on this host, and its task never pulls: ${detail}`;
    return `image ${image} is not on this host and could not be pulled: ${detail}`;
  }
}

/** Docker refused to create or start the container (bad port, resource limit...). */
export class ContainerStartFailed extends PoseidonError {
  constructor(detail: string) {
    super('container_start_failed', `container could not be started: ${detail}`);
  }
}

/** The container is gone (removed after a stop or an unhealthy verdict), and its output with it. */
export class ContainerGone extends PoseidonError {
  constructor(
    readonly containerId: string,
    what = 'its logs',
  ) {
    super('container_gone', `container ${containerId.slice(0, 12)} has been removed; ${what} went with it`);
  }
}

/** `poseidon cp`: no such path in the container. */
export class PathNotFound extends PoseidonError {
  constructor(readonly path: string) {
    super('path_not_found', `no ${path} in the container`);
  }
}

/** `poseidon cp`: the engine refused to unpack an archive where it was asked to. */
export class CopyRefused extends PoseidonError {
  constructor(path: string, detail: string) {
    super('copy_refused', `cannot copy to ${path} in the container: ${detail}`);
  }
}

/** A running container mounts the volume, so the engine keeps it. */
export class VolumeBusy extends PoseidonError {
  constructor(
    readonly volume: string,
    containerId: string,
  ) {
    super('volume_in_use', `volume ${volume} is mounted by running container ${containerId.slice(0, 12)}`);
  }
}
