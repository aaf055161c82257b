// `vllama sim`: runs the vLLM simulator, a stand-in with vLLM's OpenAI HTTP
// surface and continuous-batching timing, for tests, benchmarks and dev boxes.
import { intFlag, numberFlag, stringFlag, UsageError, type Command } from '../command';
import * as D from '../../sim/defaults';
import { startSim } from '../../sim/server';

export const sim: Command = {
  name: 'sim',
  summary: 'Run the vLLM simulator (fake tokens with vLLM timing; not a real model)',
  flags: {
    host: { type: 'string', value: 'HOST', description: 'Interface to listen on', default: D.DEFAULT_HOST },
    port: { type: 'string', value: 'PORT', description: 'Port to listen on (0: any free port)', default: String(D.DEFAULT_PORT) },
    model: { type: 'string', multiple: true, value: 'NAME', description: 'Served model name; repeat for more, the first is the default', default: D.DEFAULT_MODEL },
    'step-base-ms': { type: 'string', value: 'N', description: 'Fixed cost of one engine step (0: zero-delay stress mode)', default: String(D.STEP_BASE_MS) },
    'step-per-seq-ms': { type: 'string', value: 'N', description: 'Extra step cost per running sequence', default: String(D.STEP_PER_SEQ_MS) },
    'prefill-per-token-ms': { type: 'string', value: 'N', description: 'Step cost per prompt token prefilled', default: String(D.PREFILL_PER_TOKEN_MS) },
    'max-num-seqs': { type: 'string', value: 'N', description: 'Most sequences running at once (vLLM --max-num-seqs)', default: String(D.MAX_NUM_SEQS) },
    'max-num-batched-tokens': { type: 'string', value: 'N', description: 'Token budget per step (vLLM --max-num-batched-tokens)', default: String(D.MAX_NUM_BATCHED_TOKENS) },
    'max-model-len': { type: 'string', value: 'N', description: 'Context length: prompt + max_tokens', default: String(D.MAX_MODEL_LEN) },
    'startup-delay-ms': { type: 'string', value: 'N', description: 'Answer 503 (like vLLM loading weights) for this long', default: '0' },
  },
  async run(ctx) {
    if (ctx.positionals.length > 0) throw new UsageError(`unexpected argument "${ctx.positionals[0]}"`);
    const raw = ctx.flags.model;
    const models = Array.isArray(raw) ? raw : [String(raw ?? D.DEFAULT_MODEL)];
    let server;
    try {
      server = await startSim({
        host: stringFlag(ctx, 'host'),
        port: intFlag(ctx, 'port'),
        models,
        stepBaseMs: numberFlag(ctx, 'step-base-ms'),
        stepPerSeqMs: numberFlag(ctx, 'step-per-seq-ms'),
        prefillPerTokenMs: numberFlag(ctx, 'prefill-per-token-ms'),
        maxNumSeqs: intFlag(ctx, 'max-num-seqs'),
        maxNumBatchedTokens: intFlag(ctx, 'max-num-batched-tokens'),
        maxModelLen: intFlag(ctx, 'max-model-len'),
        startupDelayMs: numberFlag(ctx, 'startup-delay-ms'),
      });
    } catch (err) {
      // startSim names a bad option value in a RangeError: that is a usage error (exit 2).
      if (err instanceof RangeError) throw new UsageError(err.message);
      throw err;
    }
    process.stdout.write(
      [
        'vllama sim: SIMULATOR — fake tokens with vLLM-like timing, NOT a real model.',
        `  serving ${models.join(', ')} at ${server.url}/v1  (metrics: ${server.url}/metrics)`,
        '  Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    process.stdout.write(`vllama sim: ${signal}, closing\n`);
    await server.close();
    return 0;
  },
};
