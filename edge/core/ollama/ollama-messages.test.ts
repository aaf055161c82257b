import { describe, expect, it } from 'vitest';
import { imageDataUrl, toOllamaToolCalls, toOpenAIMessages } from './ollama-messages';

describe('toOpenAIMessages', () => {
  it('passes plain turns through', () => {
    expect(toOpenAIMessages([{ role: 'system', content: 's' }, { role: 'user', content: 'u' }])).toEqual([
      { role: 'system', content: 's' },
      { role: 'user', content: 'u' },
    ]);
  });

  it('turns a user turn with images into text and image_url parts', () => {
    const png = 'iVBORw0KGgoAAAANSUhEUg==';
    expect(toOpenAIMessages([{ role: 'user', content: 'what is this?', images: [png, '/9j/4AAQ'] }])).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'what is this?' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } },
          { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
        ],
      },
    ]);
  });

  it('gives assistant tool calls ids and ties each tool answer to its call', () => {
    const out = toOpenAIMessages([
      { role: 'user', content: 'weather?' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [
          { function: { name: 'weather', arguments: { city: 'Paris' } } },
          { function: { name: 'time', arguments: { zone: 'CET' } } },
        ],
      },
      { role: 'tool', content: '12:00', tool_name: 'time' },
      { role: 'tool', content: 'sunny' },
    ]);
    expect(out[1]).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_2', type: 'function', function: { name: 'time', arguments: '{"zone":"CET"}' } },
      ],
    });
    expect(out[2]).toEqual({ role: 'tool', content: '12:00', tool_call_id: 'call_2', name: 'time' });
    expect(out[3]).toEqual({ role: 'tool', content: 'sunny', tool_call_id: 'call_1', name: 'weather' });
  });
});

describe('toOllamaToolCalls', () => {
  it('parses OpenAI argument text into the object Ollama sends', () => {
    expect(toOllamaToolCalls([{ function: { name: 'f', arguments: '{"a":1}' } }])).toEqual([{ function: { name: 'f', arguments: { a: 1 } } }]);
  });

  it('keeps arguments that are not JSON rather than dropping the call', () => {
    expect(toOllamaToolCalls([{ function: { name: 'f', arguments: '{broken' } }])).toEqual([{ function: { name: 'f', arguments: { arguments: '{broken' } } }]);
  });
});

describe('imageDataUrl', () => {
  it('keeps a data URL as it is and types GIF and WebP by their magic bytes', () => {
    expect(imageDataUrl('data:image/png;base64,xx')).toBe('data:image/png;base64,xx');
    expect(imageDataUrl('R0lGODlh')).toBe('data:image/gif;base64,R0lGODlh');
    expect(imageDataUrl('UklGRiQA')).toBe('data:image/webp;base64,UklGRiQA');
  });
});
