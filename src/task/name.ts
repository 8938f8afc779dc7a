// Task and node names. A name is a DNS label, so discovery can serve it as a DNS name, and it
// cannot carry anything a terminal would act on (escape codes, control characters).

/** A DNS label (RFC 1123): 1 to 63 lowercase letters, digits or "-", starting and ending with a letter or digit. */
export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
const DNS_LABEL = new RegExp(DNS_LABEL_PATTERN);

/**
 * What a task name could be before names became DNS labels. Records stored then keep working: a
 * manager still dispatches them, so a worker accepts these from its manager. Nothing in it is a
 * control character.
 */
export const LEGACY_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$';
const LEGACY_NAME = new RegExp(LEGACY_NAME_PATTERN);

export const NAME_RULE =
  'must be a DNS label: 1 to 63 lowercase letters, digits or "-", starting and ending with a letter or digit';

export function isDnsLabel(name: string): boolean {
  return DNS_LABEL.test(name);
}

export function isLegacyName(name: string): boolean {
  return LEGACY_NAME.test(name);
}
