import { describe, expect, it } from 'vitest';
import { HttpError } from '../errors';
import { DeadlineQueue } from '../../../protocol/index';
import { keepAliveWhileWaiting } from './keep-alive';

const later = <T>(ms: number, value: () => T) => new Promise<T>((resolve) => setTimeout(() => resolve(value()), ms));
const sse = (text: string) => new Response(text, { headers: { 'content-type': 'text/event-stream' } });

describe('keepAliveWhileWaiting', () => {
  it('returns the response itself when it comes within one interval', async () => {
    const res = sse('data: [DONE]\n\n');
    expect(await keepAliveWhileWaiting(Promise.resolve(res), { beats: new DeadlineQueue(50), headers: {} })).toBe(res);
    await expect(keepAliveWhileWaiting(Promise.reject(new HttpError(503, 'no_agent', 'none')), { beats: new DeadlineQueue(50), headers: {} })).rejects.toMatchObject({ status: 503 });
  });

  it('answers 200 SSE at once when the wait is long, with keep-alive comments and then the body unchanged', async () => {
    const res = await keepAliveWhileWaiting(later(130, () => sse('data: {"a":1}\n\ndata: [DONE]\n\n')), { beats: new DeadlineQueue(20), headers: { 'x-request-id': 'req_1' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('x-request-id')).toBe('req_1');
    const text = await res.text();
    const comments = text.split(': keep-alive\n\n');
    expect(comments.length - 1).toBeGreaterThanOrEqual(2);
    expect(comments.at(-1)).toBe('data: {"a":1}\n\ndata: [DONE]\n\n');
  });

  it('turns a failure after keep-alives (the 503 of a queue timeout) into an SSE error event', async () => {
    const failing = new Promise<Response>((_, reject) => setTimeout(() => reject(new HttpError(503, 'no_agent', 'No agent.')), 60));
    const res = await keepAliveWhileWaiting(failing, { beats: new DeadlineQueue(20), headers: {} });
    const text = await res.text();
    expect(text.startsWith(': keep-alive\n\n')).toBe(true);
    expect(text.endsWith('data: {"error":{"message":"No agent.","type":"service_unavailable","param":null,"code":"no_agent"}}\n\n')).toBe(true);
  });

  it('turns a non-SSE answer after keep-alives (a 400 from vLLM) into an SSE error event with its message', async () => {
    const refused = later(60, () => Response.json({ error: { message: 'bad max_tokens', code: 'BadRequest' } }, { status: 400 }));
    const text = await (await keepAliveWhileWaiting(refused, { beats: new DeadlineQueue(20), headers: {} })).text();
    expect(text).toMatch(/data: \{"error":\{"message":"bad max_tokens","type":"invalid_request_error","param":null,"code":"BadRequest"\}\}\n\n$/);
  });
});
