// Zod schemas for every control frame, as a table from frame type to schema,
// plus typed encode/parse helpers. Control payloads are UTF-8 JSON.
import { z } from 'zod';
import { CloseCode, ProtocolError, type Result } from './errors';
import { FrameType, type ControlTypeName, type Frame } from './frame-types';
import {
  headerBytes,
  MAX_ADVERTISED_INFLIGHT,
  MAX_AGENT_ID_LENGTH,
  MAX_HEADER_COUNT,
  MAX_MODEL_NAME,
  MAX_REQUEST_HEADER_BYTES,
  MAX_REQUEST_ID,
  MAX_REQUEST_METHOD,
  MAX_REQUEST_PATH,
  MAX_RESPONSE_HEAD_BYTES,
} from './limits';
import { fastControl } from './control-fast';
import { USAGE_HINTS, type UsageHint } from './usage-hint';
import { firstIssue } from './zod-issue';

/** Header fields, at most MAX_HEADER_COUNT of them and `maxBytes` of names and values. */
const headers = (maxBytes: number) =>
  z
    .record(z.string(), z.string())
    .refine((h) => Object.keys(h).length <= MAX_HEADER_COUNT, { message: `more than ${MAX_HEADER_COUNT} headers` })
    .refine((h) => headerBytes(h, maxBytes) <= maxBytes, { message: `headers over ${maxBytes} bytes` });
const usage = z.object({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
});

const gpu = z.object({ name: z.string(), memoryMiB: z.number().nonnegative().optional() });

export const controlSchemas = {
  /** agent → edge, first frame: who it is and what it serves. */
  hello: z.object({
    protocol: z.array(z.number().int().positive()).min(1),
    agentId: z.string().min(1).max(MAX_AGENT_ID_LENGTH),
    models: z.array(z.string().min(1).max(MAX_MODEL_NAME)).max(256),
    maxInflight: z.number().int().positive().max(MAX_ADVERTISED_INFLIGHT),
    /** false while the upstream is (re)starting: connected but no capacity. */
    ready: z.boolean().default(true),
    version: z.string().max(64).optional(),
    gpus: z.array(gpu).max(64).optional(),
  }),
  /** edge → agent, answer to hello: the version picked and the limits in force. */
  welcome: z.object({
    protocol: z.number().int().positive(),
    initialWindow: z.number().int().positive(),
    heartbeatMs: z.number().int().positive(),
  }),
  request: z.object({
    method: z.string().min(1).max(MAX_REQUEST_METHOD),
    path: z.string().min(1).max(MAX_REQUEST_PATH),
    headers: headers(MAX_REQUEST_HEADER_BYTES),
    requestId: z.string().max(MAX_REQUEST_ID),
    model: z.string().max(MAX_MODEL_NAME).optional(),
    /** What the agent must do for usage (protocol/usage-hint.ts); absent: it reads the body. */
    usageHint: z.enum(USAGE_HINTS as [UsageHint, ...UsageHint[]]).optional(),
  }),
  response: z.object({
    status: z.number().int().min(100).max(599),
    headers: headers(MAX_RESPONSE_HEAD_BYTES),
  }),
  end: z.object({ usage: usage.optional() }),
  error: z.object({
    code: z.string().max(64),
    message: z.string().max(4096),
    status: z.number().int().min(400).max(599).optional(),
    /**
     * The request never reached the upstream (e.g. connection refused): the
     * edge may send it to another agent. Only before `response`.
     */
    retry: z.boolean().optional(),
  }),
  cancel: z.object({ reason: z.string().max(256).optional() }),
  window: z.object({ bytes: z.number().int().positive().max(2 ** 31) }),
  /** "send me no new streams"; ready=true undoes it (agent back after a restart). */
  drain: z.object({ reason: z.string().max(256).optional() }),
  ping: z.object({ t: z.number() }),
  pong: z.object({ t: z.number() }),
} satisfies Record<ControlTypeName, z.ZodType>;

export type ControlMessage<T extends ControlTypeName> = z.output<(typeof controlSchemas)[T]>;
export type ControlInput<T extends ControlTypeName> = z.input<(typeof controlSchemas)[T]>;
export type Hello = ControlMessage<'hello'>;
export type Welcome = ControlMessage<'welcome'>;
export type RequestHead = ControlMessage<'request'>;
export type ResponseHead = ControlMessage<'response'>;
export type Usage = z.output<typeof usage>;
export type GpuInfo = z.output<typeof gpu>;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Builds a control frame; the message is not validated (the sender's types vouch for it). */
export function controlFrame<T extends ControlTypeName>(type: T, stream: number, message: ControlInput<T>): Frame {
  return { type: FrameType[type], stream, payload: encoder.encode(JSON.stringify(message)) };
}

/** Parses and validates a control frame's JSON payload against its type's schema. */
export function parseControl<T extends ControlTypeName>(type: T, payload: Uint8Array): Result<ControlMessage<T>> {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(payload));
  } catch (cause) {
    return { ok: false, error: new ProtocolError('ERR_CONTROL_JSON', `${type} frame is not UTF-8 JSON`, CloseCode.protocolError, cause) };
  }
  // The frames of every request take the hand-written path; zod answers the rest and words every error.
  const fast = fastControl[type]?.(json);
  if (fast !== undefined) return { ok: true, value: fast as ControlMessage<T> };
  const parsed = controlSchemas[type].safeParse(json);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error);
    const where = issue.path ? ` at ${issue.path}` : '';
    return {
      ok: false,
      error: new ProtocolError('ERR_CONTROL_SCHEMA', `${type} frame invalid${where}: ${issue.issue ? issue.message : 'bad shape'}`, CloseCode.protocolError, parsed.error),
    };
  }
  return { ok: true, value: parsed.data as ControlMessage<T> };
}
