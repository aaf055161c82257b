// The shape every `vllama` subcommand shares: flags declared as data, parsed
// strictly by node:util's parseArgs, with --help generated from the same table.
import { parseArgs } from 'node:util';

export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Shown in --help after the flag, e.g. "URL". */
  value?: string;
  description: string;
  default?: string | boolean;
}

export interface Command {
  name: string;
  /** One line for `vllama --help`. */
  summary: string;
  /** Positional part of the usage line, e.g. "NAME". */
  args?: string;
  flags: Record<string, FlagSpec>;
  /** Pass arguments after `--` through untouched (e.g. extra vllm flags). */
  passthrough?: boolean;
  run(ctx: CommandContext): Promise<number | void>;
}

export interface CommandContext {
  flags: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  /** Arguments after a literal `--`, when the command takes them. */
  rest: string[];
}

/** A bad command line: the CLI prints the message on one line and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly code = 'ERR_USAGE';
}

export function helpText(cmd: Command): string {
  const lines = [`Usage: vllama ${cmd.name}${cmd.args ? ` ${cmd.args}` : ''} [flags]`, '', cmd.summary, '', 'Flags:'];
  const entries = Object.entries({ ...cmd.flags, help: { type: 'boolean', short: 'h', description: 'Show this help' } as FlagSpec });
  const left = entries.map(([name, f]) => `  ${f.short ? `-${f.short}, ` : ''}--${name}${f.value ? ` ${f.value}` : ''}`);
  const width = Math.max(...left.map((l) => l.length)) + 2;
  entries.forEach(([, f], i) => {
    const dflt = f.default !== undefined && f.default !== false ? ` (default: ${String(f.default)})` : '';
    lines.push(`${left[i].padEnd(width)}${f.description}${dflt}`);
  });
  return lines.join('\n');
}

export function parseCommandLine(cmd: Command, argv: string[]): CommandContext | 'help' {
  const dashdash = argv.indexOf('--');
  const own = cmd.passthrough && dashdash >= 0 ? argv.slice(0, dashdash) : argv;
  const rest = cmd.passthrough && dashdash >= 0 ? argv.slice(dashdash + 1) : [];
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, f] of Object.entries(cmd.flags)) {
    // Node 20's parseArgs rejects `short: undefined`, so only set what is given.
    options[name] = { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: own, options, allowPositionals: true, strict: true });
  } catch (err) {
    // parseArgs names the offending flag in its message; keep only the first line.
    throw new UsageError(String((err as Error).message).split('\n')[0]);
  }
  if (parsed.values.help) return 'help';
  const flags: CommandContext['flags'] = {};
  for (const [name, f] of Object.entries(cmd.flags)) flags[name] = (parsed.values as Record<string, never>)[name] ?? f.default;
  return { flags, positionals: parsed.positionals, rest };
}

/** Reads a flag as an integer, naming the flag when it is not one. */
export function intFlag(ctx: CommandContext, name: string): number | undefined {
  const raw = ctx.flags[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || !Number.isInteger(n)) throw new UsageError(`--${name} must be an integer, got "${String(raw)}"`);
  return n;
}

/** Reads a flag as a number (fractions allowed), naming the flag when it is not one. */
export function numberFlag(ctx: CommandContext, name: string): number | undefined {
  const raw = ctx.flags[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${String(raw)}"`);
  return n;
}

export function stringFlag(ctx: CommandContext, name: string, required = false): string | undefined {
  const raw = ctx.flags[name];
  if (raw === undefined || raw === '') {
    if (required) throw new UsageError(`--${name} is required`);
    return undefined;
  }
  return String(raw);
}
