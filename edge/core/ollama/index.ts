// Ollama's API (/api/*) translated to and from the OpenAI requests the Hub relays.
// Face of edge/core/ollama/: code outside the folder imports only this file (test/import-rules.test.ts).
export { ollamaProbes } from './ollama-probes';
export { ollamaRoutes } from './ollama-routes';
export type { FetchApp } from './ollama-upstream';
