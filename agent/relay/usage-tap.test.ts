import { describe, expect, it } from 'vitest';
import { usageHint } from '../../protocol/index';
import { createUsageTap, JsonUsageTap, planUsage, splitEvents, SseUsageTap, type UsageTap } from './usage-tap';

// Recorded shape of vLLM 0.x /v1/chat/completions streaming with include_usage.
const event = (json: object) => `data: ${JSON.stringify(json)}\n\n`;
const head = { id: 'chatcmpl-9f2c', object: 'chat.completion.chunk', created: 1718000000, model: 'facebook/opt-125m' };
const tokens = [
  event({ ...head, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] }),
  event({ ...head, choices: [{ index: 0, delta: { content: ' Quantum' }, logprobs: null, finish_reason: null }] }),
  event({ ...head, choices: [{ index: 0, delta: { content: ' computing 🧠 "usage": {"prompt_tokens": 99}' }, logprobs: null, finish_reason: null }] }),
  event({ ...head, choices: [{ index: 0, delta: { content: '' }, logprobs: null, finish_reason: 'length', stop_reason: null }] }),
].join('');
const usageEvent = event({ ...head, choices: [], usage: { prompt_tokens: 9, total_tokens: 14, completion_tokens: 5 } });
const done = 'data: [DONE]\n\n';
const withUsage = tokens + usageEvent + done;
const withoutUsage = tokens + done;

/** Runs bytes through a tap in chunks of `size` bytes (splitting UTF-8 and events anywhere). */
function run(tap: UsageTap, text: string, size: number): string {
  const bytes = Buffer.from(text);
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) {
    const piece = tap.push(bytes.subarray(at, at + size));
    if (piece) out.push(piece);
  }
  const tail = tap.finish();
  if (tail) out.push(tail);
  return Buffer.concat(out).toString();
}

const chunkings = [1, 7, 64, 333, 100_000];

describe('planUsage', () => {
  const post = { method: 'POST', path: '/v1/chat/completions' };

  it('asks the upstream for usage when a streamed request did not', () => {
    const plan = planUsage(post, Buffer.from('{"model":"m","stream":true,"messages":[]}'));
    expect(plan.strip).toBe(true);
    expect(JSON.parse(Buffer.from(plan.body).toString())).toEqual({ model: 'm', stream: true, messages: [], stream_options: { include_usage: true } });
  });

  it('keeps large integers exactly when it rewrites the body', () => {
    const plan = planUsage(post, Buffer.from('{"stream":true,"seed":12345678901234567890}\n'));
    expect(Buffer.from(plan.body).toString()).toBe('{"stream":true,"seed":12345678901234567890,"stream_options":{"include_usage":true}}');
  });

  it('turns include_usage:false into true and strips what it added', () => {
    const plan = planUsage(post, Buffer.from('{"stream":true,"stream_options":{"include_usage":false}}'));
    expect(plan.strip).toBe(true);
    expect(JSON.parse(Buffer.from(plan.body).toString()).stream_options).toEqual({ include_usage: true });
  });

  it.each([
    ['the client asked for usage itself', post, '{"stream":true,"stream_options":{"include_usage":true}}'],
    ['usage comes in every chunk', post, '{"stream":true,"stream_options":{"continuous_usage_stats":true}}'],
    ['the request is not streamed', post, '{"stream":false,"messages":[{"content":"\\"stream\\": true"}]}'],
    ['the route takes no stream_options', { method: 'POST', path: '/v1/embeddings' }, '{"stream":true,"input":"x"}'],
    ['the body is not JSON', post, '{"stream":true,'],
    ['the method is GET', { method: 'GET', path: '/v1/completions' }, ''],
  ])('leaves the body untouched when %s', (_why, head, body) => {
    const bytes = Buffer.from(body);
    const plan = planUsage(head, bytes);
    expect(plan.strip).toBe(false);
    expect(plan.body).toBe(bytes);
  });
});

describe('planUsage with the edge\'s hint', () => {
  const bodies = [
    '{"model":"m","stream":true,"messages":[]}',
    '{"stream":true,"seed":12345678901234567890}\n \t',
    '{"stream":true,"stream_options":{"include_usage":false}}',
    '{"stream":true,"stream_options":null}',
    '{"stream":true,"stream_options":{"include_usage":true}}',
    '{"stream":true,"stream_options":{"continuous_usage_stats":true}}',
    '{"stream":false,"messages":[{"content":"\\"stream\\": true"}]}',
    '{"messages":[{"role":"user","content":"é ✓"}],"stream":true}',
  ];
  it.each(bodies.flatMap((b) => ['/v1/chat/completions', '/v1/completions', '/v1/embeddings'].map((p) => [p, b])))(
    '%s %s: the hinted plan is the plan the agent makes by reading the body',
    (path, body) => {
      const head = { method: 'POST', path };
      const bytes = Buffer.from(body);
      const hint = usageHint('POST', path, JSON.parse(body));
      const read = planUsage(head, bytes);
      const hinted = planUsage({ ...head, usageHint: hint }, bytes);
      expect(hinted.strip).toBe(read.strip);
      expect(Buffer.from(hinted.body).toString()).toBe(Buffer.from(read.body).toString());
      // The body was not re-read for the hints the edge gives: `as-sent` keeps the very bytes.
      if (hint === 'as-sent') expect(hinted.body).toBe(bytes);
    },
  );

  it('falls back to reading the body when an `ask` hint meets a body that does not end in }', () => {
    const bytes = Buffer.from('[1]');
    expect(planUsage({ method: 'POST', path: '/v1/completions', usageHint: 'ask' }, bytes)).toEqual({ body: bytes, strip: false });
  });
});

describe('SseUsageTap', () => {
  it.each(chunkings)('strips the usage event it asked for and reads usage (chunks of %i bytes)', (size) => {
    const tap = new SseUsageTap(true);
    expect(run(tap, withUsage, size)).toBe(withoutUsage);
    expect(tap.usage).toEqual({ prompt_tokens: 9, completion_tokens: 5 });
  });

  it.each(chunkings)('forwards a stream whose client asked for usage byte for byte (chunks of %i bytes)', (size) => {
    const tap = new SseUsageTap(false);
    expect(run(tap, withUsage, size)).toBe(withUsage);
    expect(tap.usage).toEqual({ prompt_tokens: 9, completion_tokens: 5 });
  });

  it('forwards each whole event without usage as the very same bytes', () => {
    const tap = new SseUsageTap(true);
    const chunk = Buffer.from(tokens.split('\n\n')[1] + '\n\n');
    expect(tap.push(chunk)).toBe(chunk);
  });

  it('forwards event-sized chunks untouched and still strips the usage event among them', () => {
    const tap = new SseUsageTap(true);
    const events = withUsage.split(/(?<=\n\n)/).map((e) => Buffer.from(e));
    const out = events.map((e) => tap.push(e));
    events.forEach((e, i) => {
      if (i !== 4) expect(out[i]).toBe(e);
    });
    expect(out[4]).toBeUndefined();
    expect(tap.finish()).toBeUndefined();
    expect(tap.usage).toEqual({ prompt_tokens: 9, completion_tokens: 5 });
  });

  it('reads usage from /v1/completions events with CRLF line endings', () => {
    const crlf = (json: object) => `data: ${JSON.stringify(json)}\r\n\r\n`;
    const text =
      crlf({ id: 'cmpl-1', object: 'text_completion', choices: [{ index: 0, text: ' hi', finish_reason: null }] }) +
      crlf({ id: 'cmpl-1', object: 'text_completion', choices: [], usage: { prompt_tokens: 5, total_tokens: 55, completion_tokens: 50 } }) +
      'data: [DONE]\r\n\r\n';
    const tap = new SseUsageTap(true);
    expect(run(tap, text, 13)).toBe(text.replace(/data: \{[^\n]*"choices":\[\],[^\n]*\r\n\r\n/, ''));
    expect(tap.usage).toEqual({ prompt_tokens: 5, completion_tokens: 50 });
  });

  it('keeps an event that carries usage and content when stripping', () => {
    const both = event({ ...head, choices: [{ index: 0, delta: { content: 'x' } }], usage: { prompt_tokens: 1, completion_tokens: 1 } });
    const tap = new SseUsageTap(true);
    expect(run(tap, both + done, 5)).toBe(both + done);
    expect(tap.usage).toEqual({ prompt_tokens: 1, completion_tokens: 1 });
  });

  it('ignores "usage": null and usage-like text inside token content', () => {
    const tap = new SseUsageTap(true);
    const nullUsage = event({ ...head, choices: [{ index: 0, delta: { content: 'a' } }], usage: null });
    expect(run(tap, tokens + nullUsage + done, 17)).toBe(tokens + nullUsage + done);
    expect(tap.usage).toBeUndefined();
  });
});

describe('JsonUsageTap', () => {
  it('reads usage from a whole non-streamed response', () => {
    const body = JSON.stringify({ id: 'chatcmpl-2', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' } }], usage: { prompt_tokens: 11, total_tokens: 13, completion_tokens: 2, prompt_tokens_details: null } });
    const tap = new JsonUsageTap();
    expect(run(tap, body, 10)).toBe(body);
    expect(tap.usage).toEqual({ prompt_tokens: 11, completion_tokens: 2 });
  });

  it('reads usage from the tail of an embeddings response too big to parse whole', () => {
    const data = Array.from({ length: 3000 }, (_, index) => ({ index, object: 'embedding', embedding: Array.from({ length: 64 }, (_, i) => i / 7) }));
    const body = JSON.stringify({ id: 'embd-1', object: 'list', model: 'm', data, usage: { prompt_tokens: 3000, total_tokens: 3000, completion_tokens: 0, prompt_tokens_details: null } });
    expect(body.length).toBeGreaterThan(2 * 1024 * 1024);
    const tap = new JsonUsageTap();
    expect(run(tap, body, 65_536)).toBe(body);
    expect(tap.usage).toEqual({ prompt_tokens: 3000, completion_tokens: 0 });
  });
});

describe('createUsageTap', () => {
  it.each([
    ['text/event-stream; charset=utf-8', SseUsageTap],
    ['application/json', JsonUsageTap],
  ])('picks the tap for %s', (type, kind) => {
    expect(createUsageTap(type, false)).toBeInstanceOf(kind);
  });

  it('passes other bodies through and reports no usage', () => {
    const tap = createUsageTap('text/plain', false);
    expect(run(tap, 'vllm:num_requests_running 3\n', 4)).toBe('vllm:num_requests_running 3\n');
    expect(tap.usage).toBeUndefined();
  });
});

describe('splitEvents', () => {
  it('cuts after each blank line, LF or CRLF, keeping every byte', () => {
    const cases = [
      'data: a\n\ndata: b\n\n',
      'data: a\r\n\r\ndata: b\n\ndata: part',
      'data: a\n\n\n\ndata: b\n\n',
      '',
      'no end',
      '\n\n\r\n',
      'data: {"usage":{"prompt_tokens":1}}\n\ndata: [DONE]\n\n',
    ];
    for (const text of cases) {
      const events = splitEvents(text);
      expect(events.join('')).toBe(text);
      // Every piece but a trailing partial one ends at a blank line; none is empty.
      for (const e of events.slice(0, -1)) expect(e).toMatch(/\n\r?\n$/);
      expect(events.every((e) => e.length > 0)).toBe(true);
    }
    expect(splitEvents('data: a\r\n\r\ndata: b\n\ndata: part')).toEqual(['data: a\r\n\r\n', 'data: b\n\n', 'data: part']);
  });
});
