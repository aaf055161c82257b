// What the agent must do to a request body so the upstream reports token usage
// (stream_options.include_usage), decided where the body is already parsed:
// the edge checks every OpenAI JSON body, so it says so in the `request` frame
// and the agent need not parse the body again (issue 17: the agent re-read
// every prompt to find `stream`). A frame without the hint (an older edge) has
// the agent decide from the body itself.

/**
 * `as-sent`: forward the body untouched (not a stream, or it already asks for usage).
 * `ask`: a stream with no `stream_options`: append `"stream_options":{"include_usage":true}`.
 * Absent: the agent reads the body and decides (stream_options present without usage).
 */
export type UsageHint = 'as-sent' | 'ask';

export const USAGE_HINTS: readonly UsageHint[] = ['as-sent', 'ask'];

/** vLLM accepts stream_options on these two routes only; other routes reject unknown fields. */
export const STREAM_OPTIONS_PATHS: ReadonlySet<string> = new Set(['/v1/chat/completions', '/v1/completions']);

/** The hint for a parsed JSON request body; undefined where the agent must read stream_options itself. */
export function usageHint(method: string, pathname: string, json: Record<string, unknown>): UsageHint | undefined {
  if (method !== 'POST' || !STREAM_OPTIONS_PATHS.has(pathname) || json.stream !== true) return 'as-sent';
  const options = json.stream_options;
  if (options === undefined) return 'ask';
  if (typeof options === 'object' && options !== null) {
    const o = options as Record<string, unknown>;
    // continuous_usage_stats puts usage in every chunk: forwarded as asked, the last one read.
    if (o.include_usage === true || o.continuous_usage_stats === true) return 'as-sent';
  }
  return undefined;
}
