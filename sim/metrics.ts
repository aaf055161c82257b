// Prometheus metrics under vLLM's own names, so dashboards and tests written
// for vLLM's /metrics read the simulator unchanged.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Engine, EngineFinishReason, EngineObserver } from './engine';

// vLLM's bucket boundaries (vllm/v1/metrics/loggers.py), so histograms compare bucket for bucket.
const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560];
const E2E_BUCKETS = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680];
const REASONS: EngineFinishReason[] = ['stop', 'length', 'abort'];

/**
 * One engine's metrics. Like vLLM with several `--served-model-name`s, every
 * series carries the first name as `model_name`. A private Registry (not
 * prom-client's global one) lets tests run several simulators in one process.
 */
export class SimMetrics implements EngineObserver {
  readonly registry = new Registry();
  readonly #promptTokens: Counter;
  readonly #generationTokens: Counter;
  readonly #success: Counter;
  readonly #ttft: Histogram;
  readonly #e2e: Histogram;
  readonly #model: string;

  constructor(model: string, engine: () => Engine | undefined) {
    this.#model = model;
    const registers = [this.registry];
    const labelNames = ['model_name'] as const;
    // Gauges are read at scrape time, so the engine loop pays nothing for them.
    new Gauge({
      name: 'vllm:num_requests_running', help: 'Number of requests in model execution batches.', labelNames, registers,
      collect() { this.set({ model_name: model }, engine()?.running ?? 0); },
    });
    new Gauge({
      name: 'vllm:num_requests_waiting', help: 'Number of requests waiting to be processed.', labelNames, registers,
      collect() { this.set({ model_name: model }, engine()?.waiting ?? 0); },
    });
    // prom-client keeps counter names as given, so the _total suffix is spelled out.
    this.#success = new Counter({
      name: 'vllm:request_success_total', help: 'Count of successfully processed requests.',
      labelNames: ['model_name', 'finished_reason'], registers,
    });
    this.#promptTokens = new Counter({ name: 'vllm:prompt_tokens_total', help: 'Number of prefill tokens processed.', labelNames, registers });
    this.#generationTokens = new Counter({ name: 'vllm:generation_tokens_total', help: 'Number of generation tokens processed.', labelNames, registers });
    this.#ttft = new Histogram({
      name: 'vllm:time_to_first_token_seconds', help: 'Histogram of time to first token in seconds.', labelNames, buckets: TTFT_BUCKETS, registers,
    });
    this.#e2e = new Histogram({
      name: 'vllm:e2e_request_latency_seconds', help: 'Histogram of e2e request latency in seconds.', labelNames, buckets: E2E_BUCKETS, registers,
    });
    // vLLM creates every label set up front, so a scrape shows zeros rather than missing series.
    for (const reason of REASONS) this.#success.inc({ model_name: model, finished_reason: reason }, 0);
    this.#promptTokens.inc({ model_name: model }, 0);
    this.#generationTokens.inc({ model_name: model }, 0);
  }

  step(promptTokens: number, generationTokens: number): void {
    if (promptTokens > 0) this.#promptTokens.inc({ model_name: this.#model }, promptTokens);
    if (generationTokens > 0) this.#generationTokens.inc({ model_name: this.#model }, generationTokens);
  }

  firstToken(seconds: number): void {
    this.#ttft.observe({ model_name: this.#model }, seconds);
  }

  finished(reason: EngineFinishReason, e2eSeconds: number): void {
    this.#success.inc({ model_name: this.#model, finished_reason: reason });
    this.#e2e.observe({ model_name: this.#model }, e2eSeconds);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
