import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody } from '../api/index.js';
import { fieldProblem, pointerPath, PoseidonError } from '../errors/index.js';
import { formatBytes } from '../units/index.js';

const FASTIFY_JSON_MESSAGE = /^Body is not valid JSON but content-type is set to 'application\/json'$/;

// Fastify's own client errors, given stable codes and messages a person can act on.
const FASTIFY_ERRORS: Readonly<
  Record<string, { code: string; message: (e: FastifyError, req: FastifyRequest) => string }>
> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'body_too_large',
    message: (_e, req) => `body is larger than ${formatBytes(req.routeOptions.bodyLimit)}, this route's limit`,
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    code: 'invalid_json',
    message: (e) => `body is not valid JSON: ${e.message.replace(FASTIFY_JSON_MESSAGE, 'could not parse it')}`,
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'invalid_json', message: () => 'body is empty; send a JSON object' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'unsupported_media_type',
    message: () => 'body must be JSON (Content-Type: application/json)',
  },
};

/** The status a request whose caller left is counted with (nginx's "client closed request"). */
const CALLER_LEFT = 499;

/**
 * A streamed answer ended early because its caller's connection closed before its first byte
 * (fastify passes that on as an error only then: once begun, it logs it as a stream's end).
 */
function callerLeft(err: unknown, req: FastifyRequest): boolean {
  return (err as { code?: unknown } | null)?.code === 'ERR_STREAM_PREMATURE_CLOSE' && req.raw.socket.destroyed;
}

function isFastifyError(err: unknown): err is FastifyError {
  return err instanceof Error && typeof (err as FastifyError).code === 'string';
}

/**
 * An expected error as every server answers it: its body, and for one to try again later the
 * `retry-after` header's seconds (at least 1).
 */
export function errorAnswer(err: PoseidonError): { body: ErrorBody; retryAfterS?: number } {
  const error: ErrorBody['error'] = { code: err.code, message: err.message };
  if (err.retryAfterMs !== undefined) error.retryAfterMs = err.retryAfterMs;
  if (err.leader !== undefined) error.leader = err.leader;
  if (err.retryAfterMs === undefined) return { body: { error } };
  return { body: { error }, retryAfterS: Math.max(1, Math.ceil(err.retryAfterMs / 1000)) };
}

export function sendError(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  // the answer is JSON whatever the route meant to send (a stream that failed before its first byte)
  void reply.type('application/json; charset=utf-8');
  if (err instanceof PoseidonError) {
    req.log.info({ code: err.code }, err.message); // expected: one line, no stack
    const { body, retryAfterS } = errorAnswer(err);
    if (retryAfterS !== undefined) void reply.header('retry-after', retryAfterS);
    return reply.status(err.status).send(body);
  }
  if (isFastifyError(err)) {
    const known = FASTIFY_ERRORS[err.code];
    if (known !== undefined) {
      return reply
        .status(err.statusCode ?? 400)
        .send({ error: { code: known.code, message: known.message(err, req) } } satisfies ErrorBody);
    }
    if (err.validation !== undefined) {
      const first = err.validation[0];
      const field = first === undefined ? 'request' : fieldOf(err.validationContext ?? 'body', pointerOf(first), req);
      const message = first === undefined ? err.message : fieldProblem(field, problemOf(err.validation, first));
      return reply.status(400).send({ error: { code: 'invalid_request', message } } satisfies ErrorBody);
    }
    if (err.statusCode !== undefined && err.statusCode < 500) {
      return reply
        .status(err.statusCode)
        .send({ error: { code: 'bad_request', message: err.message } } satisfies ErrorBody);
    }
  }
  if (callerLeft(err, req)) {
    // a stream's answer that had not begun (an exec's quiet command) when its caller went: no bug
    req.log.info('the caller left before its answer began');
    return reply.status(CALLER_LEFT).send(); // to no one: counted in the metrics as nginx counts it
  }
  req.log.error({ err }, 'request failed'); // a bug: full stack, once
  return reply
    .status(500)
    .send({ error: { code: 'internal', message: 'internal error; see the server log' } } satisfies ErrorBody);
}

type ValidationError = NonNullable<FastifyError['validation']>[number];

/** The failed field as every message names one: `body.tasks[0].generation`, `querystring.limit`. */
function fieldOf(context: string, pointer: string, req: FastifyRequest): string {
  const input: Readonly<Record<string, unknown>> = {
    body: req.body,
    params: req.params,
    querystring: req.query,
    headers: req.headers,
  };
  return pointerPath(pointer, input[context], context);
}

/**
 * What a failed check says. A value that must be one of several constants (a union of literals)
 * fails each of them, and Ajv's first words ("must be equal to constant") name none: the answer
 * lists them, each once whatever its case (a state may also be sent in lower case).
 */
function problemOf(all: readonly ValidationError[], first: ValidationError): string {
  const allowed = new Map<string, string>();
  for (const e of all) {
    if (e.instancePath !== first.instancePath) continue;
    const params = e.params as { allowedValue?: unknown; allowedValues?: unknown };
    const values = e.keyword === 'const' ? [params.allowedValue] : e.keyword === 'enum' ? params.allowedValues : [];
    for (const v of Array.isArray(values) ? values : []) {
      const text = String(v);
      if (!allowed.has(text.toLowerCase())) allowed.set(text.toLowerCase(), text);
    }
  }
  if (allowed.size > 1) return `must be one of ${[...allowed.values()].join(', ')}`;
  // a schema that says in words what it wants (`hint`, as task specs' do) says it instead of Ajv's pattern
  const hint = (first as { parentSchema?: { hint?: unknown } }).parentSchema?.hint;
  if (typeof hint === 'string') return hint;
  return KEYWORD_WORDS[keywordOf(first)] ?? first.message ?? 'is invalid';
}

/**
 * A missing field is named itself, as a task spec's is (`body.command is required`), not its object
 * with Ajv's words ("must have required property 'command'"). A field not known keeps Ajv's words
 * ("must NOT have additional properties"): peers of other versions read them as "I am older than
 * you" (isUnknownFieldRefusal), and a message that said otherwise would break that.
 */
function pointerOf(e: ValidationError): string {
  const missing = (e.params as { missingProperty?: unknown }).missingProperty;
  if (e.keyword !== 'required' || typeof missing !== 'string') return e.instancePath;
  return `${e.instancePath}/${missing.replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

/** `type:object`: a check's keyword, with the type a `type` check wanted. */
function keywordOf(e: ValidationError): string {
  const type = (e.params as { type?: unknown }).type;
  return e.keyword === 'type' && typeof type === 'string' ? `type:${type}` : e.keyword;
}

/** What a client is told for Ajv's checks whose words say what is wrong but not what to send. */
const KEYWORD_WORDS: Readonly<Record<string, string>> = {
  required: 'is required',
  'type:object': 'must be a JSON object of fields ({"key": value})',
  'type:array': 'must be a JSON list (["a", "b"])',
};
