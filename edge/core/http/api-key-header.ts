// Where a client's API key may come from: `Authorization: Bearer …` (OpenAI,
// Ollama clients) or `x-api-key` (Anthropic-style clients on /v1/messages).

/** The key as an Authorization value, from whichever header carries it; Authorization wins. */
export function apiKeyHeader(header: (name: string) => string | null | undefined): string | undefined {
  const authorization = header('authorization');
  if (authorization) return authorization;
  const apiKey = header('x-api-key')?.trim();
  return apiKey ? `Bearer ${apiKey}` : undefined;
}
