import { InvalidField } from '../errors/index.js';
import { parseSpec, validateSpec, type SpecLimits } from './parse-spec.js';
import type { TaskRequest } from './request.js';
import { decodeSeed, isSeedFormat } from './seed-format.js';

// Native field -> the seed's name for it, so an error about a seed file names what its author wrote.
const SEED_FIELDS: Readonly<Record<string, string>> = {
  name: 'Name',
  image: 'Image',
  cpu: 'Cpu',
  memory: 'Memory',
  disk: 'Disk',
  ports: 'ExposedPorts',
  restartPolicy: 'RestartPolicy',
  healthCheck: 'HealthCheck',
};

/**
 * Parses a submitted task in either format (native spec or the seed's TaskEvent) into a
 * TaskRequest. Throws InvalidField naming the first bad field; nothing is created on error.
 */
export function parseSubmission(body: unknown, limits: SpecLimits = {}): TaskRequest {
  if (!isSeedFormat(body)) return parseSpec(validateSpec(body), limits);
  try {
    return parseSpec(decodeSeed(body).spec, limits);
  } catch (err) {
    if (!(err instanceof InvalidField) || err.field.startsWith('Task.') || err.field === 'State' || err.field === 'ID')
      throw err;
    const top = err.field.split(/[.[]/)[0] ?? err.field;
    throw new InvalidField(`Task.${SEED_FIELDS[top] ?? top}`, err.problem);
  }
}
