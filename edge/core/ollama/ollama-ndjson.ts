// An upstream OpenAI SSE body turned into Ollama's answer: NDJSON read at the
// client's pace (a client that stops reading stops the upstream; one that goes
// away cancels it), or one JSON object for `stream: false`.
import { HttpError } from '../errors';
import { OllamaReply, UpstreamStreamError, type OpenAIChunk } from './ollama-reply';
import { SseDataDecoder } from './ollama-sse';

const encoder = new TextEncoder();
const line = (value: unknown): string => `${JSON.stringify(value)}\n`;

/** The chunks of some SSE payloads; `[DONE]` and non-JSON keep-alives are skipped. */
function chunksOf(payloads: string[]): OpenAIChunk[] {
  const chunks: OpenAIChunk[] = [];
  for (const payload of payloads) {
    if (payload === '[DONE]') continue;
    try {
      chunks.push(JSON.parse(payload) as OpenAIChunk);
    } catch {
      // Not an OpenAI chunk: nothing of it belongs in the answer.
    }
  }
  return chunks;
}

function readFailed(cause: unknown): UpstreamStreamError {
  return new UpstreamStreamError(`The upstream stream broke off: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
}

/** NDJSON, one part per line; a failure mid-way ends it with Ollama's `{"error": "..."}` line. */
export function ndjsonStream(body: ReadableStream<Uint8Array>, reply: OllamaReply): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const sse = new SseDataDecoder();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // Reads until there is something to send, so each pull answers with bytes or the end.
        for (;;) {
          let text = '';
          let done = false;
          try {
            const step = await reader.read();
            done = step.done;
            for (const chunk of chunksOf(step.done ? sse.finish() : sse.push(step.value))) {
              for (const part of reply.chunk(chunk)) text += line(part);
            }
          } catch (err) {
            const failure = err instanceof UpstreamStreamError ? err : readFailed(err);
            reader.cancel(failure).catch(() => {});
            controller.enqueue(encoder.encode(text + line({ error: failure.message })));
            controller.close();
            return;
          }
          if (done) {
            const tools = reply.toolCallsPart();
            if (tools) text += line(tools);
            controller.enqueue(encoder.encode(text + line(reply.final(false))));
            controller.close();
            return;
          }
          if (text !== '') return controller.enqueue(encoder.encode(text));
        }
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

/** The whole answer as one object; an upstream failure is a 502 in the route's error shape. */
export async function collectReply(body: ReadableStream<Uint8Array>, reply: OllamaReply): Promise<Record<string, unknown>> {
  const reader = body.getReader();
  const sse = new SseDataDecoder();
  try {
    for (;;) {
      const step = await reader.read();
      for (const chunk of chunksOf(step.done ? sse.finish() : sse.push(step.value))) reply.chunk(chunk);
      if (step.done) return reply.final(true);
    }
  } catch (err) {
    reader.cancel(err).catch(() => {});
    const failure = err instanceof UpstreamStreamError ? err : readFailed(err);
    throw new HttpError(502, failure.code, failure.message, { cause: err });
  }
}
