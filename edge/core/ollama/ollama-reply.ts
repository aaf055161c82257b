// One Ollama answer built from the OpenAI chunks of a streamed upstream reply:
// the NDJSON parts to send as tokens arrive, and the final `done` object with
// the token counts vLLM reported and the durations the edge measured.
import { toOllamaToolCalls, type OllamaToolCall } from './ollama-messages';

export interface OpenAIChunk {
  choices?: {
    delta?: { content?: string | null; reasoning_content?: string | null; tool_calls?: ToolCallDelta[] | null };
    text?: string | null;
    finish_reason?: string | null;
  }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  /** The edge's or vLLM's error event in the middle of a stream. */
  error?: { message?: string } | string;
}

interface ToolCallDelta {
  index?: number;
  function?: { name?: string | null; arguments?: string | null } | null;
}

/** An error event inside the upstream stream; its message is for the client. */
export class UpstreamStreamError extends Error {
  override name = 'UpstreamStreamError';
  readonly code = 'upstream_stream_error';
}

export type ReplyKind = 'chat' | 'generate';
type Part = Record<string, unknown>;

const msToNs = (ms: number): number => Math.max(0, Math.round(ms * 1e6));

export class OllamaReply {
  readonly #kind: ReplyKind;
  readonly #model: string;
  readonly #startedAt: number;
  readonly #now: () => number;
  #firstAt: number | undefined;
  #lastAt: number | undefined;
  #text = '';
  #thinking = '';
  #tools: { name: string; arguments: string }[] = [];
  #finish: string | null = null;
  #promptTokens = 0;
  #completionTokens: number | undefined;
  #pieces = 0;

  /** `startedAt`: when the edge took the request, on the `now` clock (ms). */
  constructor(kind: ReplyKind, model: string, startedAt: number, now: () => number = () => performance.now()) {
    this.#kind = kind;
    this.#model = model;
    this.#startedAt = startedAt;
    this.#now = now;
  }

  /** The parts to stream for one upstream chunk (text deltas; tool calls wait for the end). */
  chunk(chunk: OpenAIChunk): Part[] {
    if (chunk.error !== undefined) {
      const message = typeof chunk.error === 'string' ? chunk.error : chunk.error.message;
      throw new UpstreamStreamError(message ?? 'The upstream stream failed.');
    }
    if (chunk.usage) {
      this.#promptTokens = chunk.usage.prompt_tokens ?? this.#promptTokens;
      this.#completionTokens = chunk.usage.completion_tokens ?? this.#completionTokens;
    }
    const parts: Part[] = [];
    for (const choice of chunk.choices ?? []) {
      const text = choice.delta?.content ?? choice.text ?? '';
      const thinking = choice.delta?.reasoning_content ?? '';
      for (const call of choice.delta?.tool_calls ?? []) this.#toolDelta(call);
      if (text !== '' || thinking !== '' || choice.delta?.tool_calls?.length) this.#token();
      if (choice.finish_reason) this.#finish = choice.finish_reason;
      if (text === '' && thinking === '') continue;
      this.#text += text;
      this.#thinking += thinking;
      this.#pieces++;
      parts.push(this.#part(text, thinking));
    }
    return parts;
  }

  /** Tool calls, once the stream has given them whole (Ollama sends them in one part). */
  toolCallsPart(): Part | undefined {
    if (this.#kind !== 'chat' || this.#tools.length === 0) return undefined;
    return { ...this.#part('', ''), message: { role: 'assistant', content: '', tool_calls: this.#toolCalls() } };
  }

  /** The `done` object; `whole` puts the full text in it (`stream: false`). */
  final(whole: boolean): Part {
    const end = this.#now();
    const first = this.#firstAt ?? end;
    const last = this.#lastAt ?? first;
    const part = this.#part(whole ? this.#text : '', whole ? this.#thinking : '');
    if (whole && this.#kind === 'chat' && this.#tools.length > 0) (part.message as Part).tool_calls = this.#toolCalls();
    return {
      ...part,
      done: true,
      done_reason: this.#finish === 'length' ? 'length' : 'stop',
      total_duration: msToNs(end - this.#startedAt),
      load_duration: 0,
      prompt_eval_count: this.#promptTokens,
      prompt_eval_duration: msToNs(first - this.#startedAt),
      eval_count: this.#completionTokens ?? this.#pieces,
      eval_duration: msToNs(last - first),
    };
  }

  #part(text: string, thinking: string): Part {
    const base = { model: this.#model, created_at: new Date().toISOString() };
    if (this.#kind === 'generate') return { ...base, response: text, ...(thinking ? { thinking } : {}), done: false };
    return { ...base, message: { role: 'assistant', content: text, ...(thinking ? { thinking } : {}) }, done: false };
  }

  #token(): void {
    const now = this.#now();
    this.#firstAt ??= now;
    this.#lastAt = now;
  }

  #toolDelta(delta: ToolCallDelta): void {
    const i = delta.index ?? this.#tools.length;
    const call = (this.#tools[i] ??= { name: '', arguments: '' });
    if (delta.function?.name) call.name += delta.function.name;
    if (delta.function?.arguments) call.arguments += delta.function.arguments;
  }

  #toolCalls(): OllamaToolCall[] {
    return toOllamaToolCalls(this.#tools.filter(Boolean).map((t) => ({ function: t })));
  }
}
