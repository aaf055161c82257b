import { describe, expect, it } from 'vitest';
import { buildVllmArgs, flagKey, parseExtraArgs, upstreamUrl, VllmArgsError } from './vllm-args';

const TUNED = [
  '--max-num-batched-tokens', '16384',
  '--enable-chunked-prefill',
  '--enable-prefix-caching',
  '--max-num-seqs', '256',
  '--gpu-memory-utilization', '0.3',
];

/** Every flag name in an argv, normalised, to check none appears twice. */
function flagNames(args: string[]): string[] {
  return args.filter((a) => a.startsWith('-')).map((a) => flagKey(a).key);
}

describe('buildVllmArgs', () => {
  it('passes the tuned defaults and binds vLLM to loopback on the default port', () => {
    const out = buildVllmArgs({ model: 'facebook/opt-125m' });
    expect(out.args).toEqual(['serve', 'facebook/opt-125m', ...TUNED, '--host', '127.0.0.1', '--port', '8000']);
    expect(out).toMatchObject({ host: '127.0.0.1', port: 8000, maxNumSeqs: 256, warnings: [] });
  });

  it('uses the port it is given when nobody names another', () => {
    expect(buildVllmArgs({ model: 'm', port: 9123 }).args.slice(-2)).toEqual(['--port', '9123']);
  });

  it.each([
    ['an agent flag', { flags: { '--max-num-seqs': '64' } }],
    ['an extra arg with a separate value', { extra: ['--max-num-seqs', '64'] }],
    ['an extra arg with =', { extra: ['--max-num-seqs=64'] }],
    ['an extra arg spelt with underscores', { extra: ['--max_num_seqs', '64'] }],
  ])('lets %s override a tuned value in place', (_how, input) => {
    const out = buildVllmArgs({ model: 'm', ...input });
    expect(out.maxNumSeqs).toBe(64);
    const at = out.args.findIndex((a) => flagKey(a).key === 'max-num-seqs');
    expect(at).toBe(6);
    expect(flagNames(out.args).filter((k) => k === 'max-num-seqs')).toHaveLength(1);
    expect(out.args.join(' ')).toMatch(/--max[-_]num[-_]seqs[ =]64/);
  });

  it.each([
    ['--port', '9001'],
    ['--port=9001', undefined],
  ])('takes the port from extra args (%s) and reports it for the readiness URL', (flag, value) => {
    const out = buildVllmArgs({ model: 'm', port: 8000, extra: value ? [flag, value] : [flag] });
    expect(out.port).toBe(9001);
    expect(flagNames(out.args).filter((k) => k === 'port')).toHaveLength(1);
  });

  it('turns a tuned boolean off with --no-X and drops the default --X', () => {
    const out = buildVllmArgs({ model: 'm', extra: ['--no-enable-prefix-caching'] });
    expect(out.args).not.toContain('--enable-prefix-caching');
    expect(out.args.filter((a) => a === '--no-enable-prefix-caching')).toHaveLength(1);
    expect(out.args.indexOf('--no-enable-prefix-caching')).toBe(5);
  });

  it('turns a tuned boolean off through a false agent flag', () => {
    const out = buildVllmArgs({ model: 'm', flags: { '--enable-chunked-prefill': false } });
    expect(out.args).toContain('--no-enable-chunked-prefill');
    expect(out.args).not.toContain('--enable-chunked-prefill');
  });

  it('does not repeat a boolean the user also gives', () => {
    const out = buildVllmArgs({ model: 'm', extra: ['--enable-prefix-caching'] });
    expect(out.args.filter((a) => a === '--enable-prefix-caching')).toHaveLength(1);
  });

  it('appends flags it does not know, with all their values, in the given order', () => {
    const out = buildVllmArgs({
      model: 'm',
      extra: ['--served-model-name', 'a', 'b', '--trust-remote-code', '--dtype=half', '-tp', '2'],
    });
    expect(out.args.slice(2 + TUNED.length + 4)).toEqual(['--served-model-name', 'a', 'b', '--trust-remote-code', '--dtype=half', '-tp', '2']);
  });

  it('keeps the last of a flag repeated in the extra args, as argparse does', () => {
    const out = buildVllmArgs({ model: 'm', extra: ['--gpu-memory-utilization', '0.5', '--gpu-memory-utilization=0.9'] });
    expect(out.args).toContain('--gpu-memory-utilization=0.9');
    expect(out.args).not.toContain('0.5');
    expect(flagNames(out.args).filter((k) => k === 'gpu-memory-utilization')).toHaveLength(1);
  });

  it('accepts the same value given as an agent flag and after --', () => {
    const out = buildVllmArgs({ model: 'm', flags: { '--max-num-seqs': '64' }, extra: ['--max-num-seqs=64'] });
    expect(out.maxNumSeqs).toBe(64);
    expect(flagNames(out.args).filter((k) => k === 'max-num-seqs')).toHaveLength(1);
  });

  it('refuses different values given as an agent flag and after --, naming both', () => {
    expect(() => buildVllmArgs({ model: 'm', flags: { '--port': '9000' }, extra: ['--port', '9001'] })).toThrow(
      /--port is given twice with different values: "--port 9000" and "--port 9001"/,
    );
  });

  it('keeps loopback without a word, and warns when the user binds vLLM beyond it', () => {
    expect(buildVllmArgs({ model: 'm', extra: ['--host', '127.0.0.1'] }).warnings).toEqual([]);
    const out = buildVllmArgs({ model: 'm', extra: ['--host=0.0.0.0'] });
    expect(out.host).toBe('0.0.0.0');
    expect(out.args).toContain('--host=0.0.0.0');
    expect(out.args).not.toContain('127.0.0.1');
    expect(out.warnings).toEqual([expect.stringContaining('0.0.0.0, not only on loopback')]);
  });

  it.each([
    [{ extra: ['--port', 'eighty'] }, /--port must be an integer from 1 to 65535, got "eighty"/],
    [{ extra: ['--max-num-seqs', '0'] }, /--max-num-seqs must be an integer .* got "0"/],
    [{ extra: ['--port'] }, /--port must be an integer .* got ""/],
    [{ extra: ['other-model'] }, /must start with a flag, got "other-model"/],
    [{ model: '' }, /a model is required/],
  ])('names the bad value in %j', (input, message) => {
    expect(() => buildVllmArgs({ model: 'm', ...input })).toThrow(VllmArgsError);
    expect(() => buildVllmArgs({ model: 'm', ...input })).toThrow(message);
  });

  it('never passes any flag twice, whatever mix of spellings the user gives', () => {
    const out = buildVllmArgs({
      model: 'm',
      port: 8100,
      flags: { '--max-num-seqs': '32', '--enable-prefix-caching': true },
      extra: ['--no-enable-chunked-prefill', '--max_num_batched_tokens=8192', '--port', '8100', '--host', '127.0.0.2'],
    });
    const names = flagNames(out.args);
    expect(new Set(names).size).toBe(names.length);
    expect(out).toMatchObject({ port: 8100, host: '127.0.0.2', maxNumSeqs: 32, warnings: [] });
  });
});

describe('parseExtraArgs', () => {
  it('gives each flag the tokens up to the next flag', () => {
    expect(parseExtraArgs(['--a', '1', '2', '--b=x', '--c']).flags.map((f) => f.tokens)).toEqual([['--a', '1', '2'], ['--b=x'], ['--c']]);
  });

  it('treats a negative number as a value, not a flag', () => {
    expect(parseExtraArgs(['--seed', '-1']).flags).toEqual([{ key: 'seed', negated: false, tokens: ['--seed', '-1'], value: '-1' }]);
  });
});

describe('upstreamUrl', () => {
  it.each([
    ['127.0.0.1', 8000, 'http://127.0.0.1:8000'],
    ['0.0.0.0', 8000, 'http://127.0.0.1:8000'],
    ['::', 8001, 'http://127.0.0.1:8001'],
    ['::1', 8002, 'http://[::1]:8002'],
  ])('reaches a vLLM bound to %s on port %d at %s', (host, port, url) => {
    expect(upstreamUrl(host, port)).toBe(url);
  });
});
