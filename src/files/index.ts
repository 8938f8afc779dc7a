// Reading the files people write (task, service and Compose files): JSON or YAML.
export { readDocument, parseDocument, MAX_DOCUMENT_BYTES } from './read-document.js';
