import { PoseidonError } from '../errors/index.js';

export class DriverUnreachable extends PoseidonError {
  readonly code = 'docker_unreachable';
  readonly status = 503;
  override readonly temporary = true;
  constructor(
    readonly endpoint: string,
    options?: ErrorOptions,
  ) {
    super(`cannot reach the Docker engine at ${endpoint}: is dockerd running?`, options);
  }
}

/** The image is not on this host and could not be pulled: a reason for the task to fail. */
export class ImageUnavailable extends PoseidonError {
  readonly code = 'image_unavailable';
  readonly status = 422;
  constructor(
    readonly image: string,
    detail: string,
  ) {
    super(`image ${image} is not on this host and could not be pulled: ${detail}`);
  }
}

/** Docker refused to create or start the container (bad port, resource limit...). */
export class ContainerStartFailed extends PoseidonError {
  readonly code = 'container_start_failed';
  readonly status = 422;
  constructor(detail: string) {
    super(`container could not be started: ${detail}`);
  }
}

/** The container is gone (removed after a stop or an unhealthy verdict), and its output with it. */
export class ContainerGone extends PoseidonError {
  readonly code = 'container_gone';
  readonly status = 410;
  constructor(readonly containerId: string) {
    super(`container ${containerId.slice(0, 12)} has been removed; its logs went with it`);
  }
}
