// Docker's reference grammar (distribution/reference), reduced to a check: an image
// reference Docker would reject is refused at the edge, before any container is created.
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?)`;
const NAME = `(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^${NAME}(?::${TAG})?(?:@${DIGEST})?$`);
// An image id (`sha256:...` or a bare 64-hex id) is also a valid way to name a local image.
const IMAGE_ID = /^(?:sha256:)?[0-9a-f]{64}$/;

export function isValidImageRef(ref: string): boolean {
  if (ref.length === 0 || ref.length > 255) return false;
  return REFERENCE.test(ref) || IMAGE_ID.test(ref);
}
