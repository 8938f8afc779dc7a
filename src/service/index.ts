// Services as people write them: parsing a spec (defaults filled, errors naming the field) and
// telling whether a change needs a new version. A leaf: the manager, the CLI and Compose use it.
export {
  parseServiceSpec,
  DEFAULT_UPDATE,
  DEFAULT_REPLICAS,
  type ParsedServiceSpec,
  type UpdateConfig,
} from './parse-service.js';
export { templateChanged, canonical } from './template.js';
/** A replica's task spec: the template named for its slot, with the service's constraints and the slot's volumes. */
export { slotTaskSpec, slotName } from './slot-spec.js';
