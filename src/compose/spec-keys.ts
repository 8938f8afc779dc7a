// The keys the Compose specification defines at each level Poseidon's reader walks, written out
// from its JSON schema: https://github.com/compose-spec/compose-spec/blob/master/schema/compose-spec.json
// (as of commit 170098ba07d9f53c383a41bfd4c5166b0a4529a6, June 2026; each list is the `properties`
// of the definition named beside it). Every one of these objects also takes `x-` extension keys
// (`patternProperties: {"^x-": {}}`). A key Poseidon does not read but the specification defines is
// only warned about, so a file written for `docker compose` still deploys; a key the specification
// does not define is a typo, and the file is refused, as `docker stack deploy` refuses it.
// When the specification grows a key, add it here: until then a file using it is refused.

/** A level's keys, or 'any' where the specification takes any key (a logging driver's options). */
export type ComposeKeys = ReadonlySet<string> | 'any';

const keys = (words: string): ReadonlySet<string> => new Set(words.split(/\s+/).filter((w) => w !== ''));

const UPDATE = keys('parallelism delay failure_action monitor max_failure_ratio order');

export const COMPOSE_KEYS = {
  /** The document (the schema's root). */
  top: keys('version name include services models networks volumes secrets configs'),
  /** `services.<name>` (definitions.service). */
  service: keys(`
    develop deploy annotations attach build blkio_config cap_add cap_drop cgroup cgroup_parent command
    configs container_name cpu_count cpu_percent cpu_shares cpu_quota cpu_period cpu_rt_period
    cpu_rt_runtime cpus cpuset credential_spec depends_on device_cgroup_rules devices dns dns_opt
    dns_search domainname entrypoint env_file label_file environment expose extends external_links
    extra_hosts gpus group_add healthcheck hostname image init ipc isolation labels links logging
    mac_address mem_limit mem_reservation mem_swappiness memswap_limit network_mode models networks
    oom_kill_disable oom_score_adj pid pids_limit platform ports post_start pre_stop privileged
    profiles pull_policy pull_refresh_after read_only restart runtime scale security_opt shm_size
    secrets sysctls stdin_open stop_grace_period stop_signal storage_opt tmpfs tty ulimits
    use_api_socket user uts userns_mode volumes volumes_from working_dir provider
  `),
  /** `services.<name>.logging`. */
  logging: keys('driver options'),
  /** `logging.options`: whatever the driver takes. */
  loggingOptions: 'any',
  /** `ulimits.<name>` as a mapping. */
  ulimit: keys('soft hard'),
  /** `healthcheck` (definitions.healthcheck). */
  healthcheck: keys('disable interval retries test timeout start_period start_interval'),
  /** `deploy` (definitions.deployment). */
  deploy: keys('mode endpoint_mode replicas labels rollback_config update_config resources restart_policy placement'),
  /** `deploy.update_config` and `deploy.rollback_config`, the same keys. */
  update: UPDATE,
  /** `deploy.restart_policy`. */
  restartPolicy: keys('condition delay max_attempts window'),
  /** `deploy.resources`. */
  resources: keys('limits reservations'),
  /** `deploy.resources.limits`. */
  limits: keys('cpus memory pids'),
  /** `deploy.resources.reservations`. */
  reservations: keys('cpus memory generic_resources devices'),
  /** `deploy.placement`. */
  placement: keys('constraints preferences max_replicas_per_node'),
  /** A `ports` entry in the long syntax. */
  port: keys('name mode host_ip target published protocol app_protocol'),
  /** A `volumes` entry in the long syntax. */
  volumeMount: keys('type source target read_only consistency bind volume tmpfs image'),
  /** The `tmpfs` options of a `volumes` entry. */
  tmpfsOptions: keys('size mode'),
  /** `volumes.<name>` at the top level (definitions.volume). */
  volume: keys('name driver driver_opts external labels'),
  /** `secrets.<name>` at the top level (definitions.secret). */
  secret: keys('name environment file external labels driver driver_opts template_driver'),
  /** `configs.<name>` at the top level (definitions.config). */
  config: keys('name content environment file external labels template_driver'),
} as const satisfies Readonly<Record<string, ComposeKeys>>;
