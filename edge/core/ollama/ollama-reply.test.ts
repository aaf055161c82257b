import { describe, expect, it } from 'vitest';
import { OllamaReply, UpstreamStreamError } from './ollama-reply';

/** A clock the test moves by hand (ms). */
function clock(start = 1000) {
  let t = start;
  return { now: () => t, at: (ms: number) => void (t = ms) };
}

const delta = (content: string, finish: string | null = null) => ({ choices: [{ delta: { content }, finish_reason: finish }] });

describe('OllamaReply', () => {
  it('streams one chat part per text delta and skips the empty opening delta', () => {
    const c = clock();
    const reply = new OllamaReply('chat', 'm', 1000, c.now);
    expect(reply.chunk({ choices: [{ delta: { content: '' } }] })).toEqual([]);
    const [part] = reply.chunk(delta(' hi'));
    expect(part).toMatchObject({ model: 'm', message: { role: 'assistant', content: ' hi' }, done: false });
    expect(Date.parse(part.created_at as string)).toBeGreaterThan(0);
  });

  it('puts vLLM’s token counts and the measured durations in nanoseconds in the final object', () => {
    const c = clock(1000);
    const reply = new OllamaReply('generate', 'm', 1000, c.now);
    c.at(1250); // first token after 250 ms of prefill
    reply.chunk(delta(' a'));
    c.at(1500);
    reply.chunk(delta(' b', 'length'));
    reply.chunk({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 2 } });
    c.at(1510);
    expect(reply.final(true)).toMatchObject({
      response: ' a b', done: true, done_reason: 'length',
      prompt_eval_count: 9, eval_count: 2,
      total_duration: 510_000_000, load_duration: 0, prompt_eval_duration: 250_000_000, eval_duration: 250_000_000,
    });
  });

  it('leaves the text out of a streamed final object, which Ollama sends empty', () => {
    const reply = new OllamaReply('chat', 'm', 0, () => 0);
    reply.chunk(delta('x', 'stop'));
    expect(reply.final(false)).toMatchObject({ message: { role: 'assistant', content: '' }, done_reason: 'stop' });
  });

  it('gathers streamed tool call deltas into Ollama tool calls with object arguments', () => {
    const reply = new OllamaReply('chat', 'm', 0, () => 0);
    reply.chunk({ choices: [{ delta: { tool_calls: [{ index: 0, function: { name: 'weather', arguments: '{"ci' } }] } }] });
    reply.chunk({ choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: 'ty":"Oslo"}' } }] }, finish_reason: 'tool_calls' }] });
    const calls = [{ function: { name: 'weather', arguments: { city: 'Oslo' } } }];
    expect(reply.toolCallsPart()).toMatchObject({ message: { tool_calls: calls }, done: false });
    expect(reply.final(true)).toMatchObject({ message: { content: '', tool_calls: calls }, done_reason: 'stop' });
  });

  it('maps reasoning content to Ollama’s thinking', () => {
    const reply = new OllamaReply('chat', 'm', 0, () => 0);
    expect(reply.chunk({ choices: [{ delta: { reasoning_content: 'hmm' } }] })).toMatchObject([{ message: { content: '', thinking: 'hmm' } }]);
  });

  it('throws the message of an error event in the stream', () => {
    const reply = new OllamaReply('chat', 'm', 0, () => 0);
    expect(() => reply.chunk({ error: { message: 'agent gone' } })).toThrow(new UpstreamStreamError('agent gone'));
  });
});
