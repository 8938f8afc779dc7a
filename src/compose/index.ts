// Compose files → Poseidon services (`poseidon deploy`). Pure: no I/O (files come through a reader given), no clients.
/** composeToServices: a Compose document → the stack's ServiceSpecs and the warnings, by path; refuses typos. */
export { composeToServices, STACK_LABEL, type ComposeOptions, type ComposeStack } from './convert.js';
/** StackFile: a secret or config a stack's services mount, created by the deploy (or external). */
export { type StackFile, type ReadBytes } from './files.js';
/** planStack: what a deploy creates, updates and removes, against the cluster's services. */
export { planStack, changedFields, sameValue, modeOf, type StackPlan, type PlanInputs } from './plan.js';
/** stackNameFrom: the default stack name from the Compose file's directory. */
export { stackNameFrom } from './stack-name.js';
/** interpolate: `${VAR}` in a Compose document's values, substituted as Compose does. */
export { interpolate, interpolateText, type Variables } from './interpolate.js';
/** mergeComposeDocuments: several Compose files (`-c a.yml -c b.yml`) → one, by the specification's merge rules. */
export { mergeComposeDocuments } from './merge.js';
/** fieldOrigin: which of several Compose files set the field an error names. */
export { fieldOrigin } from './field-origin.js';
/** withIncludes: the top-level `include:` of Compose files, read as docker compose reads it. */
export { withIncludes, type IncludeReader, type ComposeFile } from './include.js';
/** asDocument: a Compose document is a mapping; a text file or a list is refused at `(document)`. */
export { asDocument } from './values.js';
