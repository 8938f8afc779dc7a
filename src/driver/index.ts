// Runs task containers. Poseidon types in, Poseidon types out: dockerode stays in docker/.
export type {
  ExecOptions,
  ExecOutput,
  ExecRun,
  ExecStdin,
  TerminalSize,
  Driver,
  ContainerState,
  ContainerEvent,
  ContainerUsage,
  BoundPort,
  StartOptions,
  FileBind,
  LogOptions,
  PathStat,
} from './types.js';
/** The Docker Engine driver (dockerode). */
export { DockerDriver, type DockerDriverOptions } from './docker/docker-driver.js';
export {
  RegistryAuth,
  registryOf,
  authFor,
  helperFor,
  parseDockerConfig,
  runHelper,
  CredentialHelperFailed,
  type HelperCredentials,
  type PullAuth,
  type RunHelper,
} from './docker/registry-auth.js';
export {
  DriverUnreachable,
  NetworkUnusable,
  ImageUnavailable,
  ContainerStartFailed,
  ContainerGone,
  VolumeBusy,
  PathNotFound,
  CopyRefused,
} from './errors.js';
/** Label keys put on every container. */
export {
  LABEL_TASK_ID,
  LABEL_TASK_NAME,
  LABEL_WORKER,
  LABEL_GENERATION,
  LABEL_VOLUME,
  LABEL_NETWORK,
} from './labels.js';
/** The Poseidon network (its gateway is tasks' DNS; tasks join it or the default bridge): made when missing. */
export {
  ensureNetwork,
  ensureNetworkAt,
  removeNetworksByLabel,
  checkNetworkOptions,
  networkInfo,
  MAX_BRIDGE_NAME,
  TASK_NETWORKS,
} from './docker/network.js';
export type { NetworkOptions, NetworkInfo, NetworkHost, SubnetSource, TaskNetwork } from './docker/network.js';
export type { HostRoutes } from './docker/network-subnets.js';
/** What a worker left on its engine (containers, volumes, network), removed by `poseidon dev --clean`. */
export { removeWorkerLeftovers, type Leftovers } from './docker/leftovers.js';
