// Defaults of the vLLM simulator; the timing figures are grounded in
// /work/shared/CALIBRATION.md (measured vLLM and GPU step times).

/**
 * Fixed cost of one engine step, in ms. vLLM on an RTX 4090 with OPT-125m took
 * 0.217 s for 5 × 50 tokens: about 4.3 ms per decode step including HTTP, most
 * of it vLLM's own CPU work (scheduling, detokenising), not GPU compute.
 */
export const STEP_BASE_MS = 4;

/**
 * Extra cost per running sequence per step, in ms. GPU compute for an
 * OPT-125m-shaped decoder grew from 0.50 ms (1–10 seqs) to 0.88 ms (256 seqs)
 * on an H200: about 1.5 µs per sequence; a few µs leaves room for the CPU side.
 */
export const STEP_PER_SEQ_MS = 0.005;

/**
 * Cost per prompt token prefilled in a step, in ms. Prefill is batched like
 * decode, so a few µs per token ("prefill a few µs per prompt token").
 */
export const PREFILL_PER_TOKEN_MS = 0.002;

/** vLLM's `--max-num-seqs` as tuned in ARCHITECTURE.md (the supervisor's flags). */
export const MAX_NUM_SEQS = 256;

/** vLLM's `--max-num-batched-tokens` as tuned in ARCHITECTURE.md (chunked prefill budget per step). */
export const MAX_NUM_BATCHED_TOKENS = 16384;

/** OPT-125m's context length (max_position_embeddings = 2048 in its config.json). */
export const MAX_MODEL_LEN = 2048;

/** The model the vllama report measured with, and vLLM's own quickstart model. */
export const DEFAULT_MODEL = 'facebook/opt-125m';

/** Port `vllm serve` listens on by default. */
export const DEFAULT_PORT = 8000;

export const DEFAULT_HOST = '127.0.0.1';

/**
 * Prompts remembered by the prefix cache. vLLM keeps KV blocks until memory is
 * needed; a few thousand prompts is plenty for tests and benchmarks.
 */
export const PREFIX_CACHE_ENTRIES = 4096;

/**
 * Natural end-of-sequence falls after this many tokens, derived from a hash of
 * the request: long enough that 50-token benchmarks rarely stop early,
 * short enough that requests without max_tokens end in well under a second.
 */
export const EOS_MIN_TOKENS = 64;
export const EOS_MAX_TOKENS = 512;

/** Width of the fake embeddings; small keeps responses light. */
export const EMBEDDING_DIMS = 64;

/**
 * Largest request body read. Base64 images and long prompts make bodies big;
 * Workers accept up to 32 MiB per WebSocket message, so the edge never sends more.
 */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** Responses kept for `GET /v1/responses/{id}`; vLLM keeps them in memory too (unbounded there; bounded here for long runs). */
export const STORED_RESPONSES = 256;

/** Words a simulated transcription has: enough to compare, few enough to be quick. */
export const TRANSCRIPTION_WORDS = 12;
