import { mkdtemp, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentConfig } from '../config';
import { agentFlags, resolveOnPath, systemdQuote, systemdUnit } from './systemd';

const base: AgentConfig = { vllm: 'vllm', grace: 30, vllmArgs: [] };

function execStart(unit: string): string {
  return unit.split('\n').find((l) => l.startsWith('ExecStart='))!.slice('ExecStart='.length);
}

describe('systemdUnit', () => {
  const config: AgentConfig = {
    ...base,
    edge: 'https://edge.example',
    token: 'vt-secret-token',
    model: 'facebook/opt-125m',
    vllm: '/opt/venv/bin/vllm',
    port: 8001,
    maxNumSeqs: 64,
    grace: 45,
    vllmArgs: ['--dtype', 'half', '--chat-template', '/etc/tmpl with space.jinja'],
  };
  const unit = systemdUnit(config, { node: '/usr/bin/node', script: '/srv/vllama/bin/vllama.js', user: 'vllama' });

  it('bakes the current settings into ExecStart, extra vLLM args after --', () => {
    expect(execStart(unit)).toBe(
      '/usr/bin/node /srv/vllama/bin/vllama.js agent --edge https://edge.example --model facebook/opt-125m --vllm /opt/venv/bin/vllm ' +
        '--port 8001 --max-num-seqs 64 --grace 45 -- --dtype half --chat-template "/etc/tmpl with space.jinja"',
    );
  });

  it('reads the token from an EnvironmentFile and never writes it in the unit', () => {
    expect(unit).toContain('EnvironmentFile=/etc/vllama/agent.env');
    expect(unit).not.toContain('vt-secret-token');
    expect(unit).toContain("echo 'VLLAMA_TOKEN=<agent token>'");
  });

  it('signals only the agent on stop and waits out the drain and vLLM shutdown', () => {
    expect(unit).toContain('KillMode=mixed');
    expect(unit).toContain('TimeoutStopSec=75');
    expect(unit).toContain('User=vllama');
    expect(unit).toContain('WantedBy=multi-user.target');
  });

  it('resolves a bare vllm on PATH, since systemd has its own PATH', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vllama-path-'));
    await writeFile(join(dir, 'vllm'), '#!/bin/sh\n');
    await chmod(join(dir, 'vllm'), 0o755);
    const u = systemdUnit({ ...base, edge: 'https://e', model: 'm' }, { node: '/n', script: '/s', path: `/nowhere:${dir}` });
    expect(execStart(u)).toContain(`--vllm ${dir}/vllm`);
    expect(u).toContain(`# vllm resolved on the current PATH: ${dir}/vllm`);
  });

  it('says so when vllm cannot be found', () => {
    const u = systemdUnit({ ...base, edge: 'https://e', model: 'm' }, { node: '/n', script: '/s', path: '/nowhere', user: undefined });
    expect(u).not.toContain('User=');
    expect(u).toContain('# NOTE: "vllm" is not on PATH here; pass --vllm /absolute/path/to/vllm.');
  });

  it('attaches to an upstream without any vLLM flags', () => {
    expect(agentFlags({ ...base, edge: 'https://e', upstream: 'http://127.0.0.1:9000', maxInflight: 8, vllmArgs: ['--x'] }, 'vllm')).toEqual([
      '--edge', 'https://e', '--upstream', 'http://127.0.0.1:9000', '--max-inflight', '8', '--grace', '30',
    ]);
  });
});

describe('systemdQuote', () => {
  it.each([
    ['plain/path-1.0', 'plain/path-1.0'],
    ['with space', '"with space"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['50%', '50%%'],
    ['$HOME', '$$HOME'],
    ['a\\b', '"a\\\\b"'],
    ['', '""'],
  ])('quotes %j as %s', (word, quoted) => {
    expect(systemdQuote(word)).toBe(quoted);
  });
});

describe('resolveOnPath', () => {
  it('returns undefined for a command that is nowhere', () => {
    expect(resolveOnPath('surely-not-a-command-here', '/usr/bin:/bin')).toBeUndefined();
  });
  it('makes a relative path absolute', () => {
    expect(resolveOnPath('./bin/vllm')).toBe(join(process.cwd(), 'bin/vllm'));
  });
});
