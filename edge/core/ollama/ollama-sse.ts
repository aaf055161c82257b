// The `data:` payloads of an OpenAI SSE stream, as they arrive in byte chunks
// (WHATWG HTML §9.2 event stream: events end at a blank line, CRLF or LF).

export class SseDataDecoder {
  #decoder = new TextDecoder();
  #pending = '';

  /** Payloads of the events completed by this chunk. */
  push(chunk: Uint8Array): string[] {
    this.#pending += this.#decoder.decode(chunk, { stream: true });
    const text = this.#pending.includes('\r') ? this.#pending.replace(/\r\n?/g, '\n') : this.#pending;
    const end = text.lastIndexOf('\n\n');
    if (end < 0) {
      this.#pending = text;
      return [];
    }
    this.#pending = text.slice(end + 2);
    return text.slice(0, end).split('\n\n').flatMap(eventData);
  }

  /** The stream ended: an event without its blank line still counts. */
  finish(): string[] {
    const rest = this.#pending + this.#decoder.decode();
    this.#pending = '';
    return rest.trim() === '' ? [] : eventData(rest.replace(/\r\n?/g, '\n'));
  }
}

/** An event's data: its `data:` lines joined by newlines; none for comments and keep-alives. */
function eventData(event: string): string[] {
  const lines: string[] = [];
  for (const line of event.split('\n')) {
    if (line.startsWith('data:')) lines.push(line.slice(line.startsWith('data: ') ? 6 : 5));
  }
  return lines.length > 0 ? [lines.join('\n')] : [];
}
