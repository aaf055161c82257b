// Runs one generation through the engine and writes it to the HTTP response:
// one res.write per token when streaming, one JSON body otherwise.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Engine, SequenceSpec } from './engine';
import { chatCompletion, chatStream, completionStream, responseMeta, SSE_DONE, textCompletion } from './openai-shapes';
import { TokenStream, type GenerationParams } from './tokens';

export interface GenerationJob {
  kind: 'chat' | 'completion';
  /** The model name as requested; responses echo it. */
  model: string;
  promptTokens: number;
  /** Prefix-cache identity of the prompt. */
  promptKey: string | number;
  stream: boolean;
  includeUsage: boolean;
  params: GenerationParams;
}

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };

export function runGeneration(engine: Engine, req: IncomingMessage, res: ServerResponse, job: GenerationJob): void {
  // A client that left while its body was read gets no sequence at all.
  if (req.socket.destroyed || res.destroyed) return;
  const meta = responseMeta(job.kind === 'chat' ? 'chatcmpl' : 'cmpl', job.model);
  const tokens = new TokenStream(job.params);
  let finished = false;
  let spec: SequenceSpec;

  if (job.stream) {
    const shape = job.kind === 'chat' ? chatStream(meta) : completionStream(meta);
    let opened = false;
    // Starlette sends the headers before the first token; so do we, so clients see the stream start at once.
    res.writeHead(200, SSE_HEADERS);
    res.flushHeaders();
    spec = {
      promptTokens: job.promptTokens,
      promptKey: job.promptKey,
      next: () => tokens.next(),
      onToken(text) {
        if (!opened) {
          opened = true;
          res.write(text === '' ? shape.opening : shape.opening + shape.token(text));
        } else if (text !== '') {
          res.write(shape.token(text));
        }
      },
      onFinish(reason, usage, last) {
        finished = true;
        const usageEvent = job.includeUsage ? shape.usage(usage) : '';
        res.end(`${opened ? '' : shape.opening}${shape.finish(last.text, reason, last.stopReason)}${usageEvent}${SSE_DONE}`);
      },
    };
  } else {
    let text = '';
    spec = {
      promptTokens: job.promptTokens,
      promptKey: job.promptKey,
      next: () => tokens.next(),
      onToken(t) {
        text += t;
      },
      onFinish(reason, usage, last) {
        finished = true;
        text += last.text;
        const build = job.kind === 'chat' ? chatCompletion : textCompletion;
        const body = JSON.stringify(build(meta, text, reason, last.stopReason, usage));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      },
    };
  }

  const handle = engine.submit(spec);
  // 'close' before the end means the client went away: free the slot now, so
  // the abort shows in the metrics within milliseconds, as vLLM's does.
  res.once('close', () => {
    if (!finished) engine.abort(handle);
  });
}
