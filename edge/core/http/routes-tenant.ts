// Everything one tenant's key reaches: Ollama's /api/* (translated) and the
// OpenAI API with vLLM's other routes (relayed), over one Hub.
import { isOllamaPath } from './error-shape';
import { ollamaRoutes, type FetchApp } from '../ollama/index';
import { requestTarget } from './request-target';
import { openaiRoutes, type OpenAIRoutesOptions } from './routes-openai';

export function tenantRoutes(opts: OpenAIRoutesOptions): FetchApp {
  const openai = openaiRoutes(opts);
  const ollama = ollamaRoutes({ tenant: opts.tenant, store: opts.store, openai, fromHost: opts.fromHost, log: opts.log });
  return {
    fetch: (req, env) => (isOllamaPath(requestTarget(req.url).pathname) ? ollama.fetch(req, env) : openai.fetch(req, env)),
  };
}
