import { describe, expect, it } from 'vitest';
import { helpText, parseCommandLine } from '../command';
import { commands } from './index';

describe('the vllama commands', () => {
  it.each(commands.map((c) => [c.name, c] as const))('`%s` has --help naming its flags', (name, cmd) => {
    expect(parseCommandLine(cmd, ['--help'])).toBe('help');
    const help = helpText(cmd);
    expect(help.startsWith(`Usage: vllama ${name}`)).toBe(true);
    for (const flag of Object.keys(cmd.flags)) expect(help).toContain(`--${flag}`);
  });

  it('gives the admin commands --json, --edge and --admin-token', () => {
    for (const name of ['key list', 'key create', 'key rotate', 'usage', 'agents', 'status', 'tenant list']) {
      const cmd = commands.find((c) => c.name === name)!;
      expect(Object.keys(cmd.flags), name).toEqual(expect.arrayContaining(['json', 'edge', 'admin-token']));
    }
  });
});
