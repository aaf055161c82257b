// The fields of an OpenAI request body the edge can check itself, so a wrong
// type gets OpenAI's own 400 (`invalid_type`, naming the field) at the edge
// instead of a trip to the GPU host. Unknown fields pass untouched: vLLM has many.
import { z } from 'zod';
import { HttpError } from '../errors';
import { checkModelName } from './request-checks';

const optional = <T extends z.ZodType>(t: T) => t.nullish();
const count = z.number().int().positive();

/** Fields every relayed OpenAI body may have. */
const common = {
  model: z.string().min(1),
  stream: optional(z.boolean()),
  stream_options: optional(z.looseObject({ include_usage: optional(z.boolean()) })),
  max_tokens: optional(count),
  max_completion_tokens: optional(count),
  n: optional(count),
  temperature: optional(z.number()),
  top_p: optional(z.number()),
  user: optional(z.string()),
};

/** Per endpoint (path without query); other paths get the common fields only. */
const bodies: Record<string, z.ZodType> = {
  '/v1/chat/completions': z.looseObject({ ...common, messages: z.array(z.looseObject({ role: z.string() })).min(1).optional() }),
  '/v1/completions': z.looseObject({
    ...common,
    prompt: z.union([z.string(), z.array(z.string()), z.array(z.number().int()), z.array(z.array(z.number().int()))]).optional(),
  }),
  '/v1/embeddings': z.looseObject({ ...common, input: z.union([z.string(), z.array(z.unknown())]).optional() }),
};
const fallback = z.looseObject(common);

const EXPECTED: Record<string, string> = {
  model: 'a string',
  messages: 'an array of message objects',
  stream: 'a boolean',
  prompt: 'a string or an array',
};

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function valueAt(json: unknown, path: PropertyKey[]): unknown {
  let v = json;
  for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

/**
 * The body's `model` once its checkable fields have the right types; else 400 in
 * OpenAI's words (`missing_model`, `missing_required_parameter`, `invalid_type`).
 */
export function checkOpenAIBody(pathname: string, json: unknown): string {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new HttpError(400, 'invalid_type', `The request body must be a JSON object, but got ${typeName(json)} instead.`);
  }
  const model = (json as { model?: unknown }).model;
  if (model === undefined || model === '') {
    throw new HttpError(400, 'missing_model', 'You must provide a model parameter.', { param: 'model' });
  }
  const parsed = plainlyValid(pathname, json as Record<string, unknown>) ? undefined : (bodies[pathname] ?? fallback).safeParse(json);
  if (parsed && !parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue.path.map(String).join('.');
    const value = valueAt(json, issue.path);
    if (value === undefined) {
      throw new HttpError(400, 'missing_required_parameter', `Missing required parameter: '${param}'.`, { param });
    }
    if (issue.code !== 'invalid_type' && issue.code !== 'invalid_union') {
      throw new HttpError(400, 'invalid_value', `Invalid value for '${param}': ${issue.message}.`, { param });
    }
    const top = String(issue.path[0]);
    const expected = issue.path.length === 1 && EXPECTED[top] ? EXPECTED[top] : issue.message.replace(/^Invalid input: expected /, '');
    throw new HttpError(400, 'invalid_type', `Invalid type for '${param}': expected ${expected}, but got ${typeName(value)} instead.`, { param });
  }
  checkModelName(model as string);
  return model as string;
}

// The schemas' verdict for the bodies clients send, without zod (~10 µs a request, 2 % of
// the edge's CPU): true only where every schema above would pass; anything else goes to
// zod, which then decides and words the error.
const nullish = (v: unknown) => v === undefined || v === null;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown) => nullish(v) || (Number.isSafeInteger(v) && (v as number) > 0);
const isNumber = (v: unknown) => nullish(v) || (typeof v === 'number' && Number.isFinite(v));
const isBoolean = (v: unknown) => nullish(v) || typeof v === 'boolean';

function plainlyValid(pathname: string, json: Record<string, unknown>): boolean {
  const options = json.stream_options;
  const common =
    typeof json.model === 'string' && json.model.length > 0 &&
    isBoolean(json.stream) &&
    (nullish(options) || (isObject(options) && isBoolean(options.include_usage))) &&
    isCount(json.max_tokens) && isCount(json.max_completion_tokens) && isCount(json.n) &&
    isNumber(json.temperature) && isNumber(json.top_p) &&
    (nullish(json.user) || typeof json.user === 'string');
  if (!common) return false;
  switch (pathname) {
    case '/v1/chat/completions':
      return json.messages === undefined || plainMessages(json.messages);
    case '/v1/completions':
      return json.prompt === undefined || typeof json.prompt === 'string' || (Array.isArray(json.prompt) && json.prompt.every((p) => typeof p === 'string'));
    case '/v1/embeddings':
      return json.input === undefined || typeof json.input === 'string' || Array.isArray(json.input);
    default:
      return true;
  }
}

function plainMessages(messages: unknown): boolean {
  if (!Array.isArray(messages) || messages.length === 0) return false;
  for (const m of messages) if (!isObject(m) || typeof m.role !== 'string') return false;
  return true;
}
