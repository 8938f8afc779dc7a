import { parseSpec, validateSpec, type SpecLimits } from './parse-spec.js';
import type { TaskRequest } from './request.js';
import { decodeSeed, isSeedFormat } from './seed-format.js';

/**
 * Parses a submitted task in either format (native spec or the seed's TaskEvent) into a
 * TaskRequest. Throws InvalidField naming the first bad field; nothing is created on error.
 */
export function parseSubmission(body: unknown, limits: SpecLimits = {}): TaskRequest {
  if (isSeedFormat(body)) return parseSpec(decodeSeed(body).spec, limits, 'Task');
  return parseSpec(validateSpec(body), limits);
}
