// Reading the files people write (task, service and Compose files): JSON or YAML.
export { readDocument, parseDocument, MAX_DOCUMENT_BYTES } from './read-document.js';
/** Node's file system errors in words, with what to do: "no such file or directory; check the path". */
export { fsFault, fsProblem, isFsError } from './fs-problem.js';
export { yamlFault } from './yaml-fault.js';
