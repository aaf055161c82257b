// The admin CLI against a real edge, on both hosts: key list/create/revoke/rotate,
// usage, agents and status, run as a user runs them (the `vllama` process).
// The mixed run's usage, summed by `vllama usage`, equals the simulator's own
// token counters, and every client got byte-for-byte what going direct gives
// (for Ollama's routes, which the edge translates, the same text as the
// OpenAI request it stands for, sent straight to the simulator).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Child, repoRoot, vllamaOnce } from './support/processes';
import {
  hostKinds,
  MODEL,
  simMetric,
  startServedStack,
  stopStack,
  type EdgeUnderTest,
  type Tenant,
} from './support/stack';

const prompt = 'Explain quantum computing in simple terms';

/** One request of the mixed run; adding a case (an Ollama route, say) is one line. */
interface MixedCase {
  name: string;
  path: string;
  body: Record<string, unknown>;
  /** Makes what differs per response equal (default: OpenAI's `id` and `created`); Ollama's timestamps and durations need their own. */
  normalize?: (text: string) => string;
  /** What going direct is, where the edge translates (Ollama's routes): the OpenAI request sent to the simulator instead. */
  direct?: { path: string; body: Record<string, unknown>; normalize: (text: string) => string };
}

const chat = { model: MODEL, messages: [{ role: 'user', content: prompt }] };
/** The generated text of an Ollama answer (NDJSON or one object): what its client shows. */
const ollamaText = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const part = JSON.parse(line) as { message?: { content?: string }; response?: string };
      return part.message?.content ?? part.response ?? '';
    })
    .join('');
/** The generated text of an OpenAI chat answer (SSE or one object). */
const openaiText = (text: string) => {
  if (!text.startsWith('data:')) return (JSON.parse(text) as { choices: { message: { content: string } }[] }).choices[0].message.content;
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: {'))
    .map((line) => (JSON.parse(line.slice(6)) as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta?.content ?? '')
    .join('');
};
const asUser = (max: number) => ({ path: '/v1/chat/completions', body: { ...chat, max_tokens: max }, normalize: openaiText });

const mixedRun: MixedCase[] = [
  { name: 'chat, not streamed', path: '/v1/chat/completions', body: { ...chat, max_tokens: 17 } },
  { name: 'chat, streamed', path: '/v1/chat/completions', body: { ...chat, max_tokens: 13, stream: true } },
  { name: 'chat, streamed with include_usage', path: '/v1/chat/completions', body: { ...chat, max_tokens: 11, stream: true, stream_options: { include_usage: true } } },
  { name: 'completion, not streamed', path: '/v1/completions', body: { model: MODEL, prompt, max_tokens: 9 } },
  { name: 'completion, streamed', path: '/v1/completions', body: { model: MODEL, prompt: `${prompt}!`, max_tokens: 7, stream: true } },
  { name: 'completion, streamed with include_usage', path: '/v1/completions', body: { model: MODEL, prompt, max_tokens: 5, stream: true, stream_options: { include_usage: true } } },
  { name: 'Ollama chat, not streamed', path: '/api/chat', body: { ...chat, stream: false, options: { num_predict: 6 } }, normalize: ollamaText, direct: asUser(6) },
  { name: 'Ollama chat, streamed', path: '/api/chat', body: { ...chat, options: { num_predict: 8 } }, normalize: ollamaText, direct: asUser(8) },
  { name: 'Ollama generate, streamed', path: '/api/generate', body: { model: MODEL, prompt, options: { num_predict: 4 } }, normalize: ollamaText, direct: asUser(4) },
];

/** The per-response parts (ids, timestamps) made equal; everything else must match byte for byte. */
const normalize = (text: string) => text.replace(/"id":"[^"]+"/g, '"id":"X"').replace(/"created":\d+/g, '"created":0');

/** `ignoreEos` fixes an OpenAI answer's length; Ollama has no such option, so its cases (and their direct twins) go without. */
async function send(base: string, apiKey: string, c: { path: string; body: Record<string, unknown> }, ignoreEos = true): Promise<{ status: number; text: string }> {
  const body = ignoreEos ? { ignore_eos: true, ...c.body } : c.body;
  const res = await fetch(`${base}${c.path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

describe.each(hostKinds)('the admin CLI against the %s edge', (kind) => {
  let edge: EdgeUnderTest;
  let sim: Child & { url: string };
  let tenant: Tenant;
  let agent: Child;
  const cli = async (...args: string[]) => {
    const r = await vllamaOnce([...args, '--edge', edge.url, '--admin-token', edge.adminToken]);
    expect(r.exitCode, `vllama ${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const cliJson = async <T>(...args: string[]) => JSON.parse(await cli(...args, '--json')) as T;
  const status = async (apiKey: string) =>
    (await fetch(`${edge.url}/v1/models`, { headers: { authorization: `Bearer ${apiKey}` } })).status;

  beforeAll(async () => {
    ({ edge, sim, tenant, agent } = await startServedStack(kind, { queueTimeoutS: 10 }, ['--step-base-ms', '1'], { tenantPrefix: 'cli' }));
  }, 120_000);

  afterAll(async () => {
    await stopStack({ agent, sim, edge });
  });

  it('sums the usage of a mixed run to exactly the simulator\'s token counters, and each client got what going direct gives', async () => {
    const promptBefore = await simMetric(sim.url, 'vllm:prompt_tokens_total');
    const generatedBefore = await simMetric(sim.url, 'vllm:generation_tokens_total');
    const viaEdge = await Promise.all(mixedRun.map((c) => send(edge.url, tenant.apiKey, c, !c.direct)));
    const promptTokens = (await simMetric(sim.url, 'vllm:prompt_tokens_total')) - promptBefore;
    const generated = (await simMetric(sim.url, 'vllm:generation_tokens_total')) - generatedBefore;
    // The OpenAI cases ask for ignore_eos, so they generate exactly their max_tokens; the Ollama ones up to theirs.
    expect(generated).toBeGreaterThan(17 + 13 + 11 + 9 + 7 + 5);
    expect(generated).toBeLessThanOrEqual(17 + 13 + 11 + 9 + 7 + 5 + 6 + 8 + 4);

    const usage = await cliJson<{ total: { requests: number; promptTokens: number; completionTokens: number } }>('usage', '--tenant', tenant.tenant);
    expect(usage.total).toMatchObject({ requests: mixedRun.length, promptTokens, completionTokens: generated });

    for (const [i, c] of mixedRun.entries()) {
      expect(viaEdge[i].status, c.name).toBe(200);
      const twin = c.direct ?? { path: c.path, body: c.body, normalize: c.normalize ?? normalize };
      const direct = await send(sim.url, 'direct', twin, !c.direct);
      expect((c.normalize ?? normalize)(viaEdge[i].text), c.name).toBe(twin.normalize(direct.text));
    }
  }, 60_000);

  it('shows usage by key, model and day, and nothing since tomorrow', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const [byModel, byDay, sinceTomorrow, table] = await Promise.all([
      cliJson<{ rows: { group: string; requests: number }[] }>('usage', '--tenant', tenant.tenant, '--by', 'model'),
      cliJson<{ rows: { group: string }[] }>('usage', '--tenant', tenant.tenant, '--by', 'day'),
      cliJson<{ rows: unknown[] }>('usage', '--tenant', tenant.tenant, '--since', tomorrow),
      cli('usage', '--tenant', tenant.tenant),
    ]);
    expect(byModel.rows).toEqual([expect.objectContaining({ group: MODEL, requests: mixedRun.length })]);
    expect(byDay.rows.map((r) => r.group)).toEqual([today]);
    expect(sinceTomorrow.rows).toEqual([]);
    expect(table).toMatch(/^KEY\s+REQUESTS\s+PROMPT\s+COMPLETION\s+TOTAL/);
    expect(table).toMatch(new RegExp(`\\ntotal\\s+${mixedRun.length}\\s`));
  });

  it('creates, lists, rotates and revokes keys; a rotated key\'s old secret and an expired key get 401', async () => {
    const created = await cliJson<{ apiKey: string; id: string }>(
      'key', 'create', '--tenant', tenant.tenant, '--tpm', '1000', '--daily-tokens', '50000', '--max-concurrent', '4', '--expires', '2099-01-31',
    );
    expect(await status(created.apiKey)).toBe(200);
    type Listed = { data: { id: string; revokedAt: number | null; limits: Record<string, unknown> }[] };
    const [listed, listTable, expired] = await Promise.all([
      cliJson<Listed>('key', 'list', '--tenant', tenant.tenant),
      cli('key', 'list', '--tenant', tenant.tenant),
      cliJson<{ apiKey: string }>('key', 'create', '--tenant', tenant.tenant, '--expires', '2020-01-01'),
    ]);
    expect(listed.data.find((k) => k.id === created.id)?.limits).toMatchObject({
      tpm: 1000, dailyTokens: 50000, maxConcurrent: 4, expiresAt: Date.parse('2099-01-31'),
    });
    expect(listTable).toMatch(new RegExp(`${created.id}\\s+live\\s.*tpm 1000, daily 50000 tokens, concurrent 4`));
    expect(await status(expired.apiKey)).toBe(401);

    const rotated = await cliJson<{ apiKey: string; id: string }>('key', 'rotate', created.id, '--tenant', tenant.tenant);
    expect(rotated.id).toBe(created.id);
    expect(await status(created.apiKey)).toBe(401);
    expect(await status(rotated.apiKey)).toBe(200);

    await cli('key', 'revoke', created.id, '--tenant', tenant.tenant);
    expect(await status(rotated.apiKey)).toBe(401);
  });

  it('lists the connected agent and sums the edge up in `vllama status`', async () => {
    const [agents, agentTable, summary, statusTable] = await Promise.all([
      cliJson<{ data: { models: string[]; inflight: number; maxInflight: number }[] }>('agents', '--tenant', tenant.tenant),
      cli('agents', '--tenant', tenant.tenant),
      cliJson<{ tenants: { name: string; agents: unknown[]; today: { requests: number } }[] }>('status'),
      cli('status'),
    ]);
    expect(agents.data).toEqual([expect.objectContaining({ models: [MODEL], inflight: 0 })]);
    expect(agentTable).toMatch(new RegExp(`ready\\s+0/\\d+\\s.*${MODEL}`));
    const mine = summary.tenants.find((t) => t.name === tenant.tenant);
    expect(mine?.agents).toHaveLength(1);
    expect(mine?.today.requests).toBe(mixedRun.length);
    expect(statusTable).toMatch(new RegExp(`${tenant.tenant}\\s+1\\s+0/\\d+\\s+${mixedRun.length}\\s`));
  });

  it('answers an unknown tenant with a one-line error and exit 1', async () => {
    const r = await vllamaOnce(['usage', '--tenant', 'nobody-here', '--edge', edge.url, '--admin-token', edge.adminToken]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe('vllama usage: No tenant "nobody-here". (tenant_not_found)');
  });
});

describe('the vllama command', () => {
  it('prints the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(`${repoRoot}/package.json`, 'utf8')) as { version: string };
    const r = await vllamaOnce(['--version']);
    expect(r.stdout).toBe(`vllama ${version}`);
  });

  // Every command's --help is checked in process by cli/commands/index.test.ts; here one, run for real.
  it('prints a command\'s --help with its flags', async () => {
    const r = await vllamaOnce(['key', 'rotate', '--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Usage: vllama key rotate ID \[flags\]\n[\s\S]*--tenant NAME[\s\S]*--json/);
  });

  it('refuses a bad --by with a one-line error and exit 2', async () => {
    const r = await vllamaOnce(['usage', '--tenant', 't', '--by', 'week', '--edge', 'http://127.0.0.1:9', '--admin-token', 'x']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe('vllama usage: --by must be key, model or day, got "week"');
  });
});
