// Newline-delimited JSON over a stream: Docker's event stream, the manager's GET /events. A leaf
// folder like lock/ and clock/: the driver reads Docker's events with it and may not import api/.
/** The non-empty, trimmed lines of a stream as they arrive; ends quietly when the signal aborts. */
export { readLines, type LineSource } from './read-lines.js';
