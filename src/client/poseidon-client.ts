import type { ManagerTaskView, ServiceSpec, ServiceView } from '../api/index.js';
import type { TaskSpec } from '../task/index.js';
import { InvalidField } from '../errors/index.js';
import { ManagerClient } from './manager-client.js';
import { managerUrls } from './server-address.js';

/** How a script reaches a manager: what `poseidon login` asks for. */
export interface PoseidonClientOptions {
  /**
   * The manager, as the CLI's `--manager` takes it: a URL (`https://10.0.0.1:7070`), `HOST`
   * (https, port 5555), `HOST:PORT` or `[IPv6]:PORT`; a group's, comma-separated. A bad one throws
   * InvalidField naming `url`.
   */
  url: string;
  /** An API token (`poseidon token create --scope deploy`), sent as `Authorization: Bearer`. */
  token?: string;
  /** The cluster CA certificate, PEM (`ca.crt` in the manager's data dir): the only CA trusted for `url`. */
  ca?: string;
  /** Each call's deadline (10 s); streams (events, followed logs) have none once they answer. */
  timeoutMs?: number;
}

/**
 * The Manager API for scripts, `import { PoseidonClient } from 'poseidon'`: the client the CLI
 * uses, built from options, with task and service specs typed. Failures are PoseidonErrors with
 * the server's `code` (`isNotFound(err, 'task')`, `isRetryable(err)`); a manager that does not
 * answer is `ServerUnreachable`.
 */
export class PoseidonClient extends ManagerClient {
  constructor(opts: PoseidonClientOptions) {
    super(managerAddress(opts.url), opts.timeoutMs, {
      ...(opts.token === undefined ? {} : { token: opts.token }),
      ...(opts.ca === undefined ? {} : { tls: { ca: opts.ca } }),
    });
  }
  /** Submits a task; the manager checks the spec (a 400 names the field) and answers it Pending or placed. */
  override submit(spec: TaskSpec): Promise<ManagerTaskView> {
    return super.submit(spec);
  }
  /** Creates a service; 409 service_exists when the name is taken. */
  override createService(spec: ServiceSpec): Promise<ServiceView> {
    return super.createService(spec);
  }
  /** A new spec for the service: a change of what runs is a new version, rolled out. */
  override updateService(name: string, spec: ServiceSpec): Promise<ServiceView> {
    return super.updateService(name, spec);
  }
}

/** `url` as managerUrls reads it; a script's unset variable (not text) is named too, not a TypeError later. */
function managerAddress(url: unknown): string {
  if (typeof url !== 'string')
    throw new InvalidField('url', `is ${String(url)}; give the manager's address, such as https://10.0.0.5:5555`);
  return managerUrls('url', url);
}
