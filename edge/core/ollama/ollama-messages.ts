// Ollama chat messages as OpenAI's, and OpenAI's tool calls back as Ollama's:
// images become image_url parts (data: URLs), tool calls get the ids OpenAI
// requires, and a tool's answer is tied to the call it answers.
import type { OllamaMessage } from './ollama-schemas';

type ContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface OpenAIMessage {
  role: string;
  content: string | ContentPart[] | null;
  tool_calls?: OpenAIToolCall[];
  tool_call_id?: string;
  name?: string;
}

export interface OllamaToolCall {
  function: { name: string; arguments: Record<string, unknown> };
}

/** A base64 image's type from its first bytes (PNG, JPEG, GIF, WebP); Ollama sends no type. */
export function imageDataUrl(base64: string): string {
  if (base64.startsWith('data:')) return base64;
  const type = base64.startsWith('/9j/')
    ? 'image/jpeg'
    : base64.startsWith('R0lGOD')
      ? 'image/gif'
      : base64.startsWith('UklGR')
        ? 'image/webp'
        : 'image/png';
  return `data:${type};base64,${base64}`;
}

/** Text and images as one OpenAI content: a plain string when there are no images. */
export function userContent(text: string, images: readonly string[] | null | undefined): string | ContentPart[] {
  if (!images || images.length === 0) return text;
  const parts: ContentPart[] = [];
  if (text !== '') parts.push({ type: 'text', text });
  for (const image of images) parts.push({ type: 'image_url', image_url: { url: imageDataUrl(image) } });
  return parts;
}

export function toOpenAIMessages(messages: readonly OllamaMessage[]): OpenAIMessage[] {
  let calls = 0;
  /** Calls not yet answered, oldest first: a tool message answers the first with its name, else the oldest. */
  const open: { id: string; name: string }[] = [];
  return messages.map((m) => {
    const text = m.content ?? '';
    if (m.role === 'assistant' && m.tool_calls && m.tool_calls.length > 0) {
      const tool_calls = m.tool_calls.map((call): OpenAIToolCall => {
        const id = `call_${++calls}`;
        open.push({ id, name: call.function.name });
        const args = call.function.arguments;
        return { id, type: 'function', function: { name: call.function.name, arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}) } };
      });
      return { role: 'assistant', content: text === '' ? null : text, tool_calls };
    }
    if (m.role === 'tool') {
      const i = Math.max(0, open.findIndex((c) => c.name === m.tool_name));
      const answered = open.splice(i, 1)[0];
      const name = m.tool_name ?? answered?.name;
      return { role: 'tool', content: text, tool_call_id: answered?.id ?? `call_${++calls}`, ...(name ? { name } : {}) };
    }
    return { role: m.role, content: m.role === 'user' ? userContent(text, m.images) : text };
  });
}

/** OpenAI tool calls (arguments as JSON text) as Ollama's (arguments as an object). */
export function toOllamaToolCalls(calls: readonly { function: { name: string; arguments: string } }[]): OllamaToolCall[] {
  return calls.map((call) => ({ function: { name: call.function.name, arguments: parseArguments(call.function.arguments) } }));
}

function parseArguments(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text === '' ? '{}' : text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : { value };
  } catch {
    // A model that wrote broken JSON: keep its text rather than drop the call.
    return { arguments: text };
  }
}
