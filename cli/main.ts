// `vllama` command dispatcher: finds the subcommand, parses its flags, runs it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { helpText, parseCommandLine, UsageError, type Command } from './command';
import { commands } from './commands/index';

function topHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    'Usage: vllama <command> [flags]',
    '',
    'A public OpenAI-compatible endpoint for GPUs behind NAT.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Run `vllama <command> --help` for its flags; `vllama --version` for the version.',
  ].join('\n');
}

/** Longest command name first, so "tenant create" wins over "tenant". */
function findCommand(argv: string[]): { cmd: Command; args: string[] } | undefined {
  const sorted = [...commands].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length);
  for (const cmd of sorted) {
    const words = cmd.name.split(' ');
    if (words.every((w, i) => argv[i] === w)) return { cmd, args: argv.slice(words.length) };
  }
  return undefined;
}

/** package.json's version, read at run time (the bundle sits in dist/, the sources in cli/). */
function version(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'vllama' && pkg.version) return pkg.version;
    } catch {
      // not here: try the next
    }
  }
  return 'unknown';
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-v' || argv[0] === 'version') {
    process.stdout.write(`vllama ${version()}\n`);
    return 0;
  }
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(`${topHelp()}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = commands.filter((c) => c.name.startsWith(`${argv[0]} `));
    if (group.length > 0 && (argv.length === 1 || argv[1] === '--help' || argv[1] === '-h')) {
      process.stdout.write(`Usage:\n${group.map((c) => `  vllama ${c.name}${c.args ? ` ${c.args}` : ''}  — ${c.summary}`).join('\n')}\n`);
      return argv.length === 1 ? 2 : 0;
    }
    process.stderr.write(`vllama: unknown command "${argv.slice(0, 2).join(' ')}" (see vllama --help)\n`);
    return 2;
  }
  try {
    const ctx = parseCommandLine(found.cmd, found.args);
    if (ctx === 'help') {
      process.stdout.write(`${helpText(found.cmd)}\n`);
      return 0;
    }
    return (await found.cmd.run(ctx)) ?? 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`vllama ${found.cmd.name}: ${err.message}\n`);
      return 2;
    }
    const e = err as Error & { code?: string };
    process.stderr.write(`vllama ${found.cmd.name}: ${e.message}${e.code ? ` (${e.code})` : ''}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
