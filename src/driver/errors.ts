import { PoseidonError } from '../errors/index.js';

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

/** The image is not on this host and could not be pulled: a reason for the task to fail. */
export class ImageUnavailable extends PoseidonError {
  constructor(
    readonly image: string,
    detail: string,
  ) {
    super('image_unavailable', `image ${image} is not on this host and could not be pulled: ${detail}`);
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
  constructor(readonly containerId: string) {
    super('container_gone', `container ${containerId.slice(0, 12)} has been removed; its logs went with it`);
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
