// vLLM's routes beyond /v1/* that a tenant may use, relayed as bytes like /v1,
// and the model a request goes to when its body names none.
import { HUB_RETRY_AFTER_S } from '../defaults';
import { HttpError } from '../errors';

/**
 * POST routes at the root of vLLM's server (vllm/entrypoints/openai/api_server.py):
 * tokenizer, pooling and scoring endpoints, and SageMaker's /invocations. /v2/* (v2/rerank)
 * is relayed whole. Its operational routes (/health, /metrics, /load, /version) are not a tenant's.
 */
export const VLLM_ROOT_POST_PATHS = ['/tokenize', '/detokenize', '/pooling', '/classify', '/score', '/rerank', '/invocations'] as const;

const ROOT_POST = new Set<string>(VLLM_ROOT_POST_PATHS);

/** Requests the tenant app relays besides /v1/* (the edge routes them on the key's tenant). */
export function isVllmRootRoute(method: string, pathname: string): boolean {
  if (pathname.startsWith('/v2/')) return true;
  return method === 'POST' && ROOT_POST.has(pathname);
}

/**
 * The model for a request whose body names none: the first the tenant serves that the key
 * may use. Every agent of a tenant is the same kind of vLLM server, so any one will do.
 */
export function anyModel(served: readonly string[], allowed: readonly string[] | null | undefined): string {
  const model = served.find((m) => !allowed || allowed.includes(m));
  if (model !== undefined) return model;
  throw new HttpError(503, 'no_agent', 'No agent serving this tenant is connected; retry shortly.', {
    headers: { 'retry-after': String(HUB_RETRY_AFTER_S) },
  });
}
