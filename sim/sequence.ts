// What the engine asks of a sequence and tells its owner: the contract between
// the batching loop and whoever turns tokens into HTTP responses.
import type { FinishReason, TokenStep } from './tokens';

export type EngineFinishReason = FinishReason | 'abort';

export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

export interface SequenceSpec {
  promptTokens: number;
  /** Identifies the prompt for the prefix cache, e.g. a hash of model and prompt. */
  promptKey: string | number;
  /** Produces the sequence's next token; the engine ends the sequence on `finish`. */
  next(): TokenStep;
  /** Every token but the last; `text` may be empty while a stop string is held back. */
  onToken(text: string): void;
  /**
   * The last token's text comes here rather than through `onToken`, so a stream
   * can put it in the same chunk as finish_reason, as vLLM does. Not called on abort.
   */
  onFinish(reason: FinishReason, usage: Usage, last: TokenStep): void;
}

/** Opaque to callers: pass it back to `abort`. */
export interface SequenceHandle {
  readonly id: number;
}

export interface EngineObserver {
  /** Once per step, with the tokens it prefilled (whole prompts, at their first token) and generated. */
  step?(promptTokens: number, generationTokens: number): void;
  firstToken?(seconds: number): void;
  finished?(reason: EngineFinishReason, e2eSeconds: number): void;
}
