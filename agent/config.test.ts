import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadAgentConfig, requireRunnable } from './config';

async function configFile(content: unknown): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'vllama-config-')), 'agent.json');
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('loadAgentConfig', () => {
  it('fills in the defaults', async () => {
    expect(await loadAgentConfig({})).toEqual({ vllm: 'vllm', grace: 30, vllmArgs: [] });
  });

  it('takes flags over env over file over defaults, setting by setting', async () => {
    const file = await configFile({ edge: 'https://file.example', model: 'file-model', port: 8001, grace: 5, vllm: '/opt/vllm' });
    const config = await loadAgentConfig({
      flags: { config: file, port: '8003' },
      env: { VLLAMA_MODEL: 'env-model', VLLAMA_PORT: '8002', VLLAMA_TOKEN: 'secret' },
    });
    expect(config).toEqual({
      edge: 'https://file.example',
      token: 'secret',
      model: 'env-model',
      port: 8003,
      grace: 5,
      vllm: '/opt/vllm',
      vllmArgs: [],
      configFile: file,
    });
  });

  it('reads the file named by VLLAMA_CONFIG', async () => {
    const file = await configFile({ upstream: 'http://127.0.0.1:9000' });
    expect(await loadAgentConfig({ env: { VLLAMA_CONFIG: file } })).toMatchObject({ upstream: 'http://127.0.0.1:9000' });
  });

  it('puts the command line extra args after the file ones, so they win per flag', async () => {
    const file = await configFile({ vllmArgs: ['--dtype', 'half', '--max-num-seqs', '8'] });
    const config = await loadAgentConfig({ flags: { config: file, vllmArgs: ['--max-num-seqs', '16'] } });
    expect(config.vllmArgs).toEqual(['--dtype', 'half', '--max-num-seqs', '8', '--max-num-seqs', '16']);
  });

  it.each([
    [{ flags: { port: 'abc' } }, '--port must be an integer from 1 to 65535, got "abc"'],
    [{ env: { VLLAMA_PORT: '70000' } }, 'VLLAMA_PORT must be an integer from 1 to 65535, got "70000"'],
    [{ env: { VLLAMA_EDGE: 'ftp://edge' } }, 'VLLAMA_EDGE must be an http(s) or ws(s) URL, got "ftp://edge"'],
    [{ flags: { maxNumSeqs: '1.5' } }, '--max-num-seqs must be an integer from 1 to 100000, got "1.5"'],
    [{ flags: { grace: '-1' } }, '--grace must be a number of seconds from 0 to 86400, got "-1"'],
    [{ flags: { upstream: 'localhost:8000' } }, '--upstream must be an http(s) URL, got "localhost:8000"'],
  ])('names the bad value and where it came from: %j', async (sources, message) => {
    await expect(loadAgentConfig(sources)).rejects.toThrow(new ConfigError(message));
  });

  it('names a bad value from the config file with the file', async () => {
    const file = await configFile({ port: 'eighty' });
    await expect(loadAgentConfig({ flags: { config: file } })).rejects.toThrow(`"port" in ${file} must be an integer from 1 to 65535, got "eighty"`);
  });

  it('never prints a bad token', async () => {
    const file = await configFile({ token: 12345 });
    await expect(loadAgentConfig({ flags: { config: file } })).rejects.toThrow(/"token" in .* must be a non-empty agent token, got number$/);
  });

  it.each([
    ['{not json', /is not valid JSON/],
    ['[1]', /must hold a JSON object/],
    [{ prot: 1 }, /unknown setting "prot"/],
  ])('refuses a bad config file (%j)', async (content, message) => {
    const file = await configFile(content);
    await expect(loadAgentConfig({ flags: { config: file } })).rejects.toThrow(message);
  });

  it('says which config file it cannot read', async () => {
    await expect(loadAgentConfig({ flags: { config: '/nonexistent/agent.json' } })).rejects.toThrow(
      'cannot read config file /nonexistent/agent.json: ENOENT',
    );
  });
});

describe('requireRunnable', () => {
  const base = { vllm: 'vllm', grace: 30, vllmArgs: [] };
  it.each([
    [{}, '--edge is required (or set VLLAMA_EDGE)'],
    [{ edge: 'https://e' }, '--token is required (or set VLLAMA_TOKEN)'],
    [{ edge: 'https://e', token: 't' }, '--model is required to run vLLM, or --upstream to attach to a running server (or set VLLAMA_MODEL or VLLAMA_UPSTREAM)'],
  ])('asks for what is missing in %j', (partial, message) => {
    expect(() => requireRunnable({ ...base, ...partial })).toThrow(message);
  });

  it('accepts a model or an upstream', () => {
    expect(() => requireRunnable({ ...base, edge: 'https://e', token: 't', model: 'm' })).not.toThrow();
    expect(() => requireRunnable({ ...base, edge: 'https://e', token: 't', upstream: 'http://127.0.0.1:1' })).not.toThrow();
  });
});
