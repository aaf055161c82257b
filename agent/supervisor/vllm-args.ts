// Builds the `vllm serve` argv: the tuned defaults, then the user's flags and
// extra args on top, so that a flag the user gives wins and none is passed twice.
import { MAX_ADVERTISED_INFLIGHT } from '../../protocol/index';
import { MAX_NUM_SEQS, TUNED_VLLM_FLAGS, VLLM_HOST, VLLM_PORT } from './defaults';

export interface VllmArgsInput {
  model: string;
  /** Port used when neither the flags nor the extra args name one. */
  port?: number;
  /** vLLM flags set through agent flags or the config file, e.g. `{'--max-num-seqs': '128'}`; `false` means `--no-X`. */
  flags?: Record<string, string | boolean>;
  /** Arguments after `--`, passed to vLLM as given except for duplicates. */
  extra?: string[];
}

export interface VllmArgs {
  /** Everything after the executable: `serve MODEL ...`. */
  args: string[];
  host: string;
  port: number;
  /** The `--max-num-seqs` vLLM runs with: the agent's advertised capacity. */
  maxNumSeqs: number;
  /** Things the user asked for that deserve a word (e.g. vLLM reachable beyond loopback). */
  warnings: string[];
}

export class VllmArgsError extends Error {
  override name = 'VllmArgsError';
  readonly code = 'ERR_VLLM_ARGS';
}

/** One flag with the tokens that carry it, e.g. `['--port', '9000']` or `['--port=9000']`. */
interface FlagEntry {
  key: string;
  tokens: string[];
  /** `undefined` for a boolean flag; `false` marks `--no-X`. */
  value: string | undefined;
  negated: boolean;
}

/**
 * Identity of a flag for de-duplication. vLLM's FlexibleArgumentParser treats
 * `_` and `-` alike in flag names, and BooleanOptionalAction pairs `--X` with
 * `--no-X`, so all four spellings are one flag.
 */
export function flagKey(token: string): { key: string; negated: boolean } {
  const name = token.replace(/^-+/, '').split('=')[0].replaceAll('_', '-');
  return name.startsWith('no-') ? { key: name.slice(3), negated: true } : { key: name, negated: false };
}

const isFlag = (token: string): boolean => /^--?[A-Za-z]/.test(token);

/** Splits extra args into flags; a flag owns the tokens up to the next flag (values, or several for nargs='+'). */
export function parseExtraArgs(extra: string[]): { flags: FlagEntry[]; leading: string[] } {
  const flags: FlagEntry[] = [];
  const leading: string[] = [];
  for (const token of extra) {
    if (isFlag(token)) {
      const { key, negated } = flagKey(token);
      const eq = token.indexOf('=');
      flags.push({ key, negated, tokens: [token], value: eq >= 0 ? token.slice(eq + 1) : undefined });
    } else if (flags.length > 0) {
      const last = flags[flags.length - 1];
      last.tokens.push(token);
      last.value ??= token;
    } else {
      leading.push(token);
    }
  }
  return { flags, leading };
}

function entryFromFlag(flag: string, value: string | boolean): FlagEntry {
  const { key, negated } = flagKey(flag);
  if (value === true) return { key, negated, tokens: [`--${negated ? 'no-' : ''}${key}`], value: undefined };
  if (value === false) return { key, negated: !negated, tokens: [`--${negated ? '' : 'no-'}${key}`], value: undefined };
  return { key, negated, tokens: [`--${key}`, value], value };
}

function describe(entry: FlagEntry): string {
  return entry.tokens.join(' ');
}

/** Last one wins (argparse's own rule); a flag given both as an agent flag and after `--` must agree. */
function mergeUserFlags(fromFlags: FlagEntry[], fromExtra: FlagEntry[]): Map<string, FlagEntry> {
  const merged = new Map<string, FlagEntry>();
  for (const e of fromFlags) merged.set(e.key, e);
  const seenExtra = new Map<string, FlagEntry>();
  for (const e of fromExtra) seenExtra.set(e.key, e);
  for (const [key, e] of seenExtra) {
    const flagged = merged.get(key);
    if (flagged && (flagged.value !== e.value || flagged.negated !== e.negated)) {
      throw new VllmArgsError(`--${key} is given twice with different values: "${describe(flagged)}" and "${describe(e)}" after --`);
    }
    merged.set(key, e);
  }
  return merged;
}

function intValue(entry: FlagEntry | undefined, fallback: number, min: number, max: number): number {
  if (!entry) return fallback;
  const n = Number(entry.value);
  if (entry.value === undefined || !Number.isInteger(n) || n < min || n > max) {
    throw new VllmArgsError(`--${entry.key} must be an integer from ${min} to ${max}, got "${entry.value ?? ''}"`);
  }
  return n;
}

export function buildVllmArgs(input: VllmArgsInput): VllmArgs {
  if (!input.model) throw new VllmArgsError('a model is required (--model NAME)');
  const { flags: extraFlags, leading } = parseExtraArgs(input.extra ?? []);
  if (leading.length > 0) {
    throw new VllmArgsError(`extra vLLM args must start with a flag, got "${leading[0]}" (the model is set with --model)`);
  }
  const fromFlags = Object.entries(input.flags ?? {}).map(([f, v]) => entryFromFlag(f, v));
  const user = mergeUserFlags(fromFlags, extraFlags);

  const defaults: FlagEntry[] = [
    ...TUNED_VLLM_FLAGS.map(([f, v]) => entryFromFlag(f, v)),
    entryFromFlag('--host', VLLM_HOST),
    entryFromFlag('--port', String(input.port ?? VLLM_PORT)),
  ];
  const args = ['serve', input.model];
  // Defaults first in their usual order (with the user's value in place), then the user's other flags as given.
  for (const d of defaults) args.push(...(user.get(d.key) ?? d).tokens);
  for (const [key, e] of user) if (!defaults.some((d) => d.key === key)) args.push(...e.tokens);

  const warnings: string[] = [];
  const hostEntry = user.get('host');
  const host = hostEntry?.value ?? VLLM_HOST;
  if (hostEntry && !isLoopback(host)) {
    warnings.push(`vLLM will listen on ${host}, not only on loopback: anyone who can reach that port bypasses the edge's API keys`);
  }
  return {
    args,
    host,
    port: intValue(user.get('port'), input.port ?? VLLM_PORT, 1, 65535),
    maxNumSeqs: intValue(user.get('max-num-seqs'), MAX_NUM_SEQS, 1, MAX_ADVERTISED_INFLIGHT),
    warnings,
  };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);
}

/** The URL the agent uses to reach vLLM: a wildcard bind is still reached over loopback. */
export function upstreamUrl(host: string, port: number): string {
  const reach = host === '0.0.0.0' || host === '::' || host === '' ? VLLM_HOST : host;
  return `http://${reach.includes(':') && !reach.startsWith('[') ? `[${reach}]` : reach}:${port}`;
}
