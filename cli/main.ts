// `vllama` command dispatcher: finds the subcommand, parses its flags, runs it.
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
    'Run `vllama <command> --help` for its flags.',
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

async function main(argv: string[]): Promise<number> {
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
