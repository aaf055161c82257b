import { describe, expect, it } from 'vitest';
import { HttpError } from '../errors';
import { collectReply, ndjsonStream } from './ollama-ndjson';
import { OllamaReply } from './ollama-reply';
import { SseDataDecoder } from './ollama-sse';

const encoder = new TextEncoder();
const event = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
const delta = (content: string, finish: string | null = null) => ({ choices: [{ delta: { content }, finish_reason: finish }] });

/** A body that gives each string as one chunk, then ends or fails; records a cancel. */
function body(chunks: string[], end: 'close' | Error = 'close') {
  const state = { cancelled: undefined as unknown };
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) return controller.enqueue(encoder.encode(chunks[i++]));
      if (end === 'close') controller.close();
      else controller.error(end);
    },
    cancel(reason) {
      state.cancelled = reason ?? 'cancelled';
    },
  });
  return { stream, state };
}

async function lines(stream: ReadableStream<Uint8Array>): Promise<Record<string, unknown>[]> {
  const text = await new Response(stream).text();
  return text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

const SSE = [event(delta('')), event(delta(' one')) + event(delta(' two', 'length')), event({ choices: [], usage: { prompt_tokens: 4, completion_tokens: 2 } }), 'data: [DONE]\n\n'];

describe('ndjsonStream', () => {
  it('turns an OpenAI SSE stream into NDJSON parts and a final done object', async () => {
    const out = await lines(ndjsonStream(body(SSE).stream, new OllamaReply('chat', 'm', performance.now())));
    expect(out.map((p) => (p.message as { content: string }).content)).toEqual([' one', ' two', '']);
    expect(out.at(-1)).toMatchObject({ done: true, done_reason: 'length', prompt_eval_count: 4, eval_count: 2 });
  });

  it('ends with Ollama’s error line when the upstream stream breaks', async () => {
    const out = await lines(ndjsonStream(body([event(delta(' one'))], new Error('socket closed')).stream, new OllamaReply('chat', 'm', 0)));
    expect(out).toEqual([expect.objectContaining({ done: false }), { error: expect.stringContaining('socket closed') }]);
  });

  it('ends with Ollama’s error line on an SSE error event, and cancels the rest', async () => {
    const up = body([event(delta(' one')), event({ error: { message: 'The agent disconnected mid-response.' } }), event(delta(' never'))]);
    const out = await lines(ndjsonStream(up.stream, new OllamaReply('chat', 'm', 0)));
    expect(out.at(-1)).toEqual({ error: 'The agent disconnected mid-response.' });
    expect(out).toHaveLength(2);
  });

  it('cancels the upstream body when the client cancels (a client that went away)', async () => {
    const up = body([event(delta(' one')), event(delta(' two'))]);
    const reader = ndjsonStream(up.stream, new OllamaReply('chat', 'm', 0)).getReader();
    await reader.read();
    await reader.cancel('client gone');
    expect(up.state.cancelled).toBe('client gone');
  });
});

describe('collectReply', () => {
  it('gathers the whole answer into one object with the full text', async () => {
    const reply = await collectReply(body(SSE).stream, new OllamaReply('generate', 'm', performance.now()));
    expect(reply).toMatchObject({ response: ' one two', done: true, eval_count: 2, prompt_eval_count: 4 });
  });

  it('fails with a 502 when the stream breaks off', async () => {
    const err = await collectReply(body([], new Error('boom')).stream, new OllamaReply('chat', 'm', 0)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(502);
  });
});

describe('SseDataDecoder', () => {
  it('finds events split across chunks and CRLF line ends, skipping comments', () => {
    const sse = new SseDataDecoder();
    expect(sse.push(encoder.encode('data: {"a"'))).toEqual([]);
    expect(sse.push(encoder.encode(':1}\r\n\r\n: keep-alive\r\n\r\ndata: x\n'))).toEqual(['{"a":1}']);
    expect(sse.finish()).toEqual(['x']);
  });
});
