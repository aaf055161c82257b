// The agent's configuration from flags, environment and a JSON file, merged with
// precedence flags > env > file > defaults and validated with zod; an error
// names the bad setting, where it came from and its value, on one line.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { MAX_ADVERTISED_INFLIGHT, MAX_AGENT_ID_LENGTH, MAX_MODEL_NAME } from '../protocol/index';
import { DRAIN_GRACE_MS } from './defaults';
import { VLLM_COMMAND } from './supervisor/index';

/** Numbers arrive as strings from flags and env; JSON may hold either. */
const num = (check: z.ZodNumber) => z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), check);

export const agentConfigSchema = z.object({
  edge: z.url({ protocol: /^(https?|wss?)$/ }).optional(),
  token: z.string().min(1).optional(),
  model: z.string().min(1).max(MAX_MODEL_NAME).optional(),
  upstream: z.url({ protocol: /^https?$/ }).optional(),
  agentId: z.string().min(1).max(MAX_AGENT_ID_LENGTH).optional(),
  vllm: z.string().min(1).default(VLLM_COMMAND),
  port: num(z.number().int().min(1).max(65535)).optional(),
  maxNumSeqs: num(z.number().int().min(1).max(MAX_ADVERTISED_INFLIGHT)).optional(),
  /** Streams served at once; defaults to vLLM's --max-num-seqs. */
  maxInflight: num(z.number().int().min(1).max(MAX_ADVERTISED_INFLIGHT)).optional(),
  /** Seconds in-flight streams get to finish on SIGINT/SIGTERM. */
  grace: num(z.number().min(0).max(24 * 3600)).default(DRAIN_GRACE_MS / 1000),
  vllmArgs: z.array(z.string()).default([]),
});

export type AgentConfig = z.output<typeof agentConfigSchema> & { configFile?: string };
/** A config as a program writes it: defaults may be left out. */
export type AgentConfigInput = z.input<typeof agentConfigSchema> & { configFile?: string };
type Key = keyof z.input<typeof agentConfigSchema>;

/** What each setting must be, for error messages; and its flag and env names. */
const SETTINGS: Record<Key, { expect: string; flag: string; env?: string; secret?: boolean }> = {
  edge: { expect: 'an http(s) or ws(s) URL', flag: '--edge', env: 'VLLAMA_EDGE' },
  token: { expect: 'a non-empty agent token', flag: '--token', env: 'VLLAMA_TOKEN', secret: true },
  model: { expect: 'a model name', flag: '--model', env: 'VLLAMA_MODEL' },
  upstream: { expect: 'an http(s) URL', flag: '--upstream', env: 'VLLAMA_UPSTREAM' },
  agentId: { expect: `an id of 1 to ${MAX_AGENT_ID_LENGTH} characters`, flag: '--agent-id', env: 'VLLAMA_AGENT_ID' },
  vllm: { expect: 'a path to the vllm executable', flag: '--vllm', env: 'VLLAMA_VLLM' },
  port: { expect: 'an integer from 1 to 65535', flag: '--port', env: 'VLLAMA_PORT' },
  maxNumSeqs: { expect: `an integer from 1 to ${MAX_ADVERTISED_INFLIGHT}`, flag: '--max-num-seqs', env: 'VLLAMA_MAX_NUM_SEQS' },
  maxInflight: { expect: `an integer from 1 to ${MAX_ADVERTISED_INFLIGHT}`, flag: '--max-inflight', env: 'VLLAMA_MAX_INFLIGHT' },
  grace: { expect: 'a number of seconds from 0 to 86400', flag: '--grace', env: 'VLLAMA_GRACE' },
  vllmArgs: { expect: 'an array of strings', flag: '-- ARGS' },
};

export const CONFIG_ENV = 'VLLAMA_CONFIG';

export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly code = 'ERR_AGENT_CONFIG';
}

export interface ConfigSources {
  /** Values from the command line, by setting name (`agentId`, not `agent-id`); undefined = not given. */
  flags?: Partial<Record<Key, unknown>> & { config?: string };
  env?: Record<string, string | undefined>;
}

function fromEnv(env: Record<string, string | undefined>): Partial<Record<Key, unknown>> {
  const out: Partial<Record<Key, unknown>> = {};
  for (const [key, s] of Object.entries(SETTINGS) as [Key, (typeof SETTINGS)[Key]][]) {
    if (s.env && env[s.env] !== undefined && env[s.env] !== '') out[key] = env[s.env];
  }
  return out;
}

async function fromFile(path: string): Promise<Partial<Record<Key, unknown>>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ConfigError(`config file ${path} must hold a JSON object`);
  const unknown = Object.keys(json).find((k) => !(k in SETTINGS));
  if (unknown) throw new ConfigError(`config file ${path}: unknown setting "${unknown}" (known: ${Object.keys(SETTINGS).join(', ')})`);
  return json as Partial<Record<Key, unknown>>;
}

function shown(key: Key, value: unknown): string {
  if (SETTINGS[key].secret) return typeof value === 'string' ? `a value of ${value.length} characters` : typeof value;
  return JSON.stringify(value) ?? String(value);
}

/** One line naming the first bad setting, where it came from and its value. */
export function describeConfigIssue(err: z.ZodError, input: Partial<Record<Key, unknown>>, origin: Partial<Record<Key, string>>): string {
  const issue = err.issues[0];
  const key = issue.path[0] as Key;
  const s = SETTINGS[key];
  if (!s) return issue.message;
  return `${origin[key] ?? s.flag} must be ${s.expect}, got ${shown(key, input[key])}`;
}

/** Merges flags > env > file > defaults; the file comes from `--config` or VLLAMA_CONFIG. */
export async function loadAgentConfig(sources: ConfigSources): Promise<AgentConfig> {
  const env = sources.env ?? {};
  const flags = Object.fromEntries(Object.entries(sources.flags ?? {}).filter(([k, v]) => v !== undefined && k !== 'config'));
  const configFile = sources.flags?.config ?? env[CONFIG_ENV] ?? undefined;
  const file = configFile ? await fromFile(configFile) : {};
  const layers: [Partial<Record<Key, unknown>>, (k: Key) => string][] = [
    [file, (k) => `"${k}" in ${configFile}`],
    [fromEnv(env), (k) => SETTINGS[k].env ?? k],
    [flags, (k) => SETTINGS[k]?.flag ?? k],
  ];
  const input: Partial<Record<Key, unknown>> = {};
  const origin: Partial<Record<Key, string>> = {};
  for (const [layer, label] of layers) {
    for (const [k, v] of Object.entries(layer) as [Key, unknown][]) {
      input[k] = v;
      origin[k] = label(k);
    }
  }
  // Extra vLLM args add up: the file's first, the command line's after, so the command line wins per flag.
  if (Array.isArray(file.vllmArgs) && Array.isArray(flags.vllmArgs)) input.vllmArgs = [...file.vllmArgs, ...(flags.vllmArgs as unknown[])];
  const parsed = agentConfigSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(describeConfigIssue(parsed.error, input, origin), { cause: parsed.error });
  return { ...parsed.data, ...(configFile ? { configFile } : {}) };
}

/** Validates a config built in code (e.g. by `vllama dev`) and fills in its defaults. */
export function parseAgentConfig(input: AgentConfigInput): AgentConfig {
  const { configFile, ...settings } = input;
  const parsed = agentConfigSchema.safeParse(settings);
  if (!parsed.success) throw new ConfigError(describeConfigIssue(parsed.error, settings, {}), { cause: parsed.error });
  return { ...parsed.data, ...(configFile ? { configFile } : {}) };
}

/** The settings a running agent cannot do without; `--print-systemd` skips this (the token goes in an EnvironmentFile). */
export function requireRunnable(config: AgentConfig): asserts config is AgentConfig & { edge: string; token: string } {
  // The same words as the CLI's other "is required" errors; a config file may hold any of these too.
  if (!config.edge) throw new ConfigError('--edge is required (or set VLLAMA_EDGE)');
  if (!config.token) throw new ConfigError('--token is required (or set VLLAMA_TOKEN)');
  if (!config.model && !config.upstream) {
    throw new ConfigError('--model is required to run vLLM, or --upstream to attach to a running server (or set VLLAMA_MODEL or VLLAMA_UPSTREAM)');
  }
}
