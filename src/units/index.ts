// Quantities and durations as people write them ("256Mi", "500ms") and bytes as people read
// them. A leaf with no dependencies beyond errors, so the CLI can parse a flag or print a table
// without loading the task schemas.
/**
 * parseQuantity: bytes from "256Mi"; parseDuration: ms from "500ms"; formatBytes: bytes for people
 * ("256 MiB"); formatDuration: ms for people ("10m"), which parseDuration reads back.
 */
export { parseQuantity, parseDuration, formatBytes, formatDuration } from './quantity.js';
/** The same grammars as JSON-schema patterns, for the task spec. */
export { QUANTITY_PATTERN, DURATION_PATTERN } from './quantity.js';
/** The longest duration anything accepts: 24 hours (Node timers misfire past 2^31-1 ms). */
export { MAX_DURATION_MS } from './quantity.js';
/** The most bytes a quantity may say: 4 PiB (no node has more memory; exact in a JSON number). */
export { MAX_QUANTITY_BYTES } from './quantity.js';
