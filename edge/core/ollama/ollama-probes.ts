// The requests Ollama answers without a key and that clients send first to find a
// server (Open WebUI's connection check, Continue's autodetect): GET/HEAD / and /api/version.
import { Hono } from 'hono';
import { OLLAMA_BANNER, OLLAMA_COMPAT_VERSION } from '../defaults';

export function ollamaProbes(): Hono {
  const app = new Hono();
  // Hono answers HEAD with the GET route's head; Ollama's server does the same.
  app.get('/', (c) => c.text(OLLAMA_BANNER));
  app.get('/api/version', (c) => c.json({ version: OLLAMA_COMPAT_VERSION }));
  return app;
}
