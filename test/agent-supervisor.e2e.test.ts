// The supervisor with real processes: test/support/fake-vllm.mjs stands in for
// `vllm` (it serves the simulator), so argv, readiness, restarts and stopping are
// checked against a real child, its pid and its port.
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Supervisor, type SupervisorOptions, type SupervisorOutcome, buildVllmArgs, upstreamUrl, type VllmArgsInput, type ReadinessProgress } from '../agent/index';
import { freePort } from './support/processes';

const FAKE_VLLM = fileURLToPath(new URL('./support/fake-vllm.mjs', import.meta.url));
const MODEL = 'facebook/opt-125m';
const TUNED = ['--max-num-batched-tokens', '16384', '--enable-chunked-prefill', '--enable-prefix-caching', '--max-num-seqs', '256', '--gpu-memory-utilization', '0.3'];

const running: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

/** A zombie counts as gone: an orphan waits there until its new parent reaps it, which may be never in a container. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false; // reaped meanwhile
  }
}

interface Harness {
  sup: Supervisor;
  url: string;
  logs: string[];
  ready: string[][];
  down: string[];
  progress: ReadinessProgress[];
  outcome: Promise<SupervisorOutcome>;
  argvFile: string;
  starts(): Promise<{ pid: number; argv: string[]; childPid?: number }[]>;
}

async function supervise(input: Partial<VllmArgsInput> = {}, opts: Partial<SupervisorOptions> & { fakeEnv?: Record<string, string> } = {}): Promise<Harness> {
  const argvFile = join(await mkdtemp(join(tmpdir(), 'fake-vllm-')), 'argv.jsonl');
  const built = buildVllmArgs({ model: MODEL, port: await freePort(), ...input });
  const h: Omit<Harness, 'sup' | 'outcome'> = {
    url: upstreamUrl(built.host, built.port),
    logs: [],
    ready: [],
    down: [],
    progress: [],
    argvFile,
    starts: async () =>
      (await readFile(argvFile, 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
  };
  const sup = new Supervisor({
    command: FAKE_VLLM,
    args: built.args,
    url: h.url,
    env: { FAKE_VLLM_ARGV_FILE: argvFile, ...opts.fakeEnv },
    log: (l) => h.logs.push(l),
    onReady: (m) => h.ready.push(m),
    onDown: (r) => h.down.push(r),
    onProgress: (p) => h.progress.push(p),
    restart: { baseMs: 100, capMs: 400 },
    killAfterMs: 3_000,
    readinessIntervalMs: 100,
    ...opts,
  });
  running.push(sup);
  return { ...h, sup, outcome: sup.start() };
}

async function chat(url: string): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 }),
  });
}

/** Reads an SSE body to its end; a transport error ends it too, with `failed`. */
async function readAll(res: Response, onFirstChunk?: () => void): Promise<{ text: string; failed?: string }> {
  let text = '';
  const decoder = new TextDecoder();
  const reader = res.body!.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text };
      if (!text) onFirstChunk?.();
      text += decoder.decode(value, { stream: true });
    }
  } catch (err) {
    return { text, failed: (err as Error).message };
  }
}

describe('Supervisor with a stand-in vllm', { timeout: 120_000 }, () => {
  it('runs `vllm serve MODEL` with exactly the tuned flags on loopback and logs its output with a prefix', async () => {
    const h = await supervise();
    await vi.waitUntil(() => h.ready.length > 0, { timeout: 30_000, interval: 50 });
    const [start] = await h.starts();
    expect(start.argv).toEqual(['serve', MODEL, ...TUNED, '--host', '127.0.0.1', '--port', new URL(h.url).port]);
    expect(h.ready[0]).toEqual([MODEL]);
    expect(h.sup.state).toBe('ready');
    expect(h.logs).toContainEqual(expect.stringMatching(/^vllm\| INFO .*Starting vLLM API server on http:\/\/127\.0\.0\.1:\d+$/));
    expect((await chat(h.url)).status).toBe(200);
  });

  it('passes overrides from flags and extra args once each, in place of the defaults', async () => {
    const h = await supervise({ flags: { '--max-num-seqs': '32' }, extra: ['--no-enable-prefix-caching', '--gpu-memory-utilization=0.9', '--dtype', 'half'] });
    await vi.waitUntil(() => h.ready.length > 0, { timeout: 30_000, interval: 50 });
    const [start] = await h.starts();
    expect(start.argv).toEqual([
      'serve', MODEL,
      '--max-num-batched-tokens', '16384',
      '--enable-chunked-prefill',
      '--no-enable-prefix-caching',
      '--max-num-seqs', '32',
      '--gpu-memory-utilization=0.9',
      '--host', '127.0.0.1',
      '--port', new URL(h.url).port,
      '--dtype', 'half',
    ]);
  });

  it('waits for a stand-in that takes a while to become healthy, reporting progress meanwhile', async () => {
    const h = await supervise({}, { fakeEnv: { FAKE_VLLM_STARTUP_MS: '2500' } });
    await vi.waitUntil(() => h.ready.length > 0, { timeout: 60_000, interval: 50 });
    expect(h.progress.some((p) => p.phase === 'health' && p.lastError === 'HTTP 503')).toBe(true);
    expect(h.down).toEqual([]);
    expect((await chat(h.url)).status).toBe(200);
  });

  it('restarts vLLM after it is killed, and requests succeed again afterwards', async () => {
    const h = await supervise();
    await vi.waitUntil(() => h.ready.length > 0, { timeout: 30_000, interval: 50 });
    const first = h.sup.pid!;
    process.kill(first, 'SIGKILL');
    await vi.waitUntil(() => h.down.length > 0, { timeout: 30_000, interval: 50 });
    expect(h.down[0]).toMatch(/^vLLM was killed by SIGKILL/);
    await vi.waitUntil(() => h.ready.length > 1, { timeout: 60_000, interval: 50 });
    expect(h.sup.pid).not.toBe(first);
    expect((await h.starts()).map((s) => s.pid)).toEqual([first, h.sup.pid]);
    expect(h.logs).toContain('supervisor: vLLM will be restarted in 0.1 s');
    expect((await chat(h.url)).status).toBe(200);
  });

  it("kills the rest of vLLM's process group when vLLM dies, then restarts it", async () => {
    const h = await supervise({}, { fakeEnv: { FAKE_VLLM_SPAWN_CHILD: '1' } });
    await vi.waitUntil(() => h.ready.length > 0, { timeout: 30_000, interval: 50 });
    const [first] = await h.starts();
    expect(alive(first.childPid!)).toBe(true);
    process.kill(first.pid, 'SIGKILL');
    // The orphaned worker holds vLLM's stdout: left alive, the exit would never be seen.
    await vi.waitUntil(() => h.down.length > 0, { timeout: 30_000, interval: 50 });
    expect(alive(first.childPid!)).toBe(false);
    await vi.waitUntil(() => h.ready.length > 1, { timeout: 60_000, interval: 50 });
    expect((await chat(h.url)).status).toBe(200);
  });

  it('restarts a vLLM that stays alive but stops answering /health, advertising it down first', async () => {
    const h = await supervise({}, {
      fakeEnv: { FAKE_VLLM_HANG_AFTER_MS: '1500', FAKE_VLLM_SPAWN_CHILD: '1' },
      healthIntervalMs: 100,
      healthTimeoutMs: 200,
      killAfterMs: 500,
    });
    await vi.waitUntil(() => h.ready.length > 0, { timeout: 30_000, interval: 50 });
    const [first] = await h.starts();
    await vi.waitUntil(() => h.down.length > 0, { timeout: 30_000, interval: 50 });
    expect(h.down).toEqual(['vLLM stopped answering /health (3 probes in a row failed, last: timed out)']);
    expect(h.logs).toContain('supervisor: vLLM stopped answering /health; restarting (3 probes in a row failed, last: timed out)');
    await vi.waitUntil(() => h.ready.length > 1, { timeout: 60_000, interval: 50 });
    expect(alive(first.pid)).toBe(false);
    expect(alive(first.childPid!)).toBe(false);
    expect(h.sup.pid).not.toBe(first.pid);
    expect(h.down).toHaveLength(1);
    expect((await chat(h.url)).status).toBe(200);
  });

  it('gives up on a stand-in that always crashes, with a message saying why', async () => {
    const h = await supervise({}, { fakeEnv: { FAKE_VLLM_CRASH: '1' }, restart: { baseMs: 50, maxExits: 3 } });
    const outcome = await h.outcome;
    expect(outcome.state).toBe('failed');
    expect(outcome.message).toMatch(/^vLLM exited 3 times in a row without becoming ready; giving up \(last: vLLM exited with code 1: ERROR .*CUDA out of memory \(fake\)\)$/);
    expect(h.down).toHaveLength(3);
    expect(await h.starts()).toHaveLength(3);
    expect(h.sup.state).toBe('failed');
  });

  it('gives up at once when the vllm executable does not exist', async () => {
    const h = await supervise({}, { command: '/nonexistent/vllm' });
    expect(await h.outcome).toEqual({ state: 'failed', message: 'cannot start vLLM: "/nonexistent/vllm" not found; install vLLM or pass --vllm PATH' });
  });

  it('stop() sends SIGTERM and leaves no vLLM process behind', async () => {
    const h = await supervise();
    await vi.waitUntil(() => h.ready.length > 0, { timeout: 30_000, interval: 50 });
    const pid = h.sup.pid!;
    await h.sup.stop();
    expect(alive(pid)).toBe(false);
    expect(await h.outcome).toEqual({ state: 'stopped' });
    expect(h.down).toEqual([]);
    expect(h.logs).toContainEqual(expect.stringMatching(/^vllm\| INFO .*Shutting down/));
  });

  it("stop() signals vLLM's whole process group, so its worker processes go too", async () => {
    const h = await supervise({}, { fakeEnv: { FAKE_VLLM_SPAWN_CHILD: '1' } });
    await vi.waitUntil(() => h.ready.length > 0, { timeout: 30_000, interval: 50 });
    const [start] = await h.starts();
    await h.sup.stop();
    expect(alive(start.pid)).toBe(false);
    expect(alive(start.childPid!)).toBe(false);
    expect(h.logs).toContain('supervisor: vLLM stopped (exit code 0)');
  });

  it('stop() kills a vLLM that ignores SIGTERM once the kill delay has passed', async () => {
    const h = await supervise({}, { fakeEnv: { FAKE_VLLM_IGNORE_SIGTERM: '1' }, killAfterMs: 500 });
    await vi.waitUntil(() => h.ready.length > 0, { timeout: 30_000, interval: 50 });
    const pid = h.sup.pid!;
    await h.sup.stop();
    expect(alive(pid)).toBe(false);
    expect(h.logs).toContain('supervisor: vLLM stopped (SIGKILL)');
  });

  it('stop() while vLLM is still loading stops it without a restart', async () => {
    const h = await supervise({}, { fakeEnv: { FAKE_VLLM_STARTUP_MS: '60000' } });
    await vi.waitUntil(() => h.progress.some((p) => p.lastError === 'HTTP 503'), { timeout: 30_000, interval: 50 });
    const pid = h.sup.pid!;
    await h.sup.stop();
    expect(alive(pid)).toBe(false);
    expect(h.ready).toEqual([]);
    expect(h.down).toEqual([]);
    expect(await h.starts()).toHaveLength(1);
  });
});

// The whole daemon: fake vLLM under the Supervisor, the real relay agent, and
// the real Node edge in this process; shutdown signals come from an emitter.
// Generous timeouts: each stand-in boots node + tsx, slow on a loaded machine.
describe('runAgentDaemon with a stand-in vllm and the Node edge', { timeout: 180_000 }, () => {
  interface Bridge {
    edgeUrl: string;
    apiKey: string;
    agentToken: string;
    close(): Promise<void>;
  }
  const bridges: Bridge[] = [];
  afterEach(async () => {
    await Promise.all(bridges.splice(0).map((b) => b.close()));
  });

  async function bridge(): Promise<Bridge> {
    const { startNodeEdge } = await import('../edge/node/server');
    const dataDir = await mkdtemp(join(tmpdir(), 'vllama-edge-'));
    const edge = await startNodeEdge({ port: 0, dataDir, adminToken: 'adm-test', log: () => {}, queueTimeoutMs: 30_000 });
    const res = await fetch(`${edge.url}/admin/v1/tenants`, {
      method: 'POST',
      headers: { authorization: 'Bearer adm-test', 'content-type': 'application/json' },
      body: JSON.stringify({ name: `sup-${process.pid}-${bridges.length}` }),
    });
    const t = (await res.json()) as { apiKey: string; agentToken: string };
    const b = { edgeUrl: edge.url, apiKey: t.apiKey, agentToken: t.agentToken, close: () => edge.close() };
    bridges.push(b);
    return b;
  }

  async function listed(b: Bridge): Promise<string[]> {
    const r = await fetch(`${b.edgeUrl}/v1/models`, { headers: { authorization: `Bearer ${b.apiKey}` } });
    return ((await r.json()) as { data?: { id: string }[] }).data?.map((m) => m.id) ?? [];
  }

  function completion(b: Bridge, stream: boolean, maxTokens: number): Promise<Response> {
    return fetch(`${b.edgeUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${b.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: maxTokens, stream, ignore_eos: true }),
    });
  }

  async function daemon(b: Bridge, fakeEnv: Record<string, string>, extra: Record<string, unknown> = {}) {
    const { runAgentDaemon } = await import('../agent/index');
    const { EventEmitter } = await import('node:events');
    const argvFile = join(await mkdtemp(join(tmpdir(), 'fake-vllm-')), 'argv.jsonl');
    const { startAgent } = await import('../agent/index');
    const signals = new EventEmitter();
    const logs: string[] = [];
    const agentStarts: number[] = [];
    const exit = runAgentDaemon(
      { edge: b.edgeUrl, token: b.agentToken, model: MODEL, vllm: FAKE_VLLM, port: await freePort(), grace: 20, ...extra },
      {
        log: (l) => logs.push(l),
        signals,
        startAgent: (o) => (agentStarts.push(logs.length), startAgent(o)),
        queryGpus: async () => [{ name: 'Fake GPU', memoryMiB: 1024 }],
        supervisor: { restart: { baseMs: 100, maxExits: 3 }, readinessIntervalMs: 100, killAfterMs: 3_000, env: { FAKE_VLLM_ARGV_FILE: argvFile, ...fakeEnv } },
      },
    );
    const pids = async () =>
      (await readFile(argvFile, 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { pid: number }).pid);
    return { exit, logs, signals, pids, agentStarts };
  }

  it('connects only once vLLM is ready, follows a vLLM restart, and drains on SIGTERM before stopping vLLM', async () => {
    const b = await bridge();
    const d = await daemon(b, { FAKE_VLLM_STARTUP_MS: '1500', FAKE_VLLM_STEP_MS: '20' }, { maxNumSeqs: 32 });
    await vi.waitUntil(async () => (await listed(b)).includes(MODEL), { timeout: 60_000, interval: 50 });
    // The agent was started once, after vLLM had answered /health and /v1/models.
    const readyAt = d.logs.findIndex((l) => /^supervisor: vLLM is ready/.test(l));
    expect(readyAt).toBeGreaterThanOrEqual(0);
    expect(d.agentStarts).toHaveLength(1);
    expect(d.agentStarts[0]).toBeGreaterThan(readyAt);
    expect(d.logs).toContainEqual(expect.stringMatching(/^supervisor: vLLM ready at http:\/\/127\.0\.0\.1:\d+; connecting to .* \(capacity 32\)$/));
    expect(d.logs).toContain('gpus: Fake GPU (1024 MiB)');
    expect((await completion(b, false, 4)).status).toBe(200);

    // vLLM dies with a stream in flight: that stream fails visibly, and the edge stops listing the model.
    const streaming = await completion(b, true, 500);
    expect(streaming.status).toBe(200);
    const [first] = await d.pids();
    const broken = readAll(streaming, () => process.kill(first, 'SIGKILL'));
    const { text, failed } = await broken;
    expect(text).not.toContain('[DONE]');
    // An SSE error event, not a silent end (STYLE.md: a stream that fails mid-way tells the client).
    expect(failed).toBeUndefined();
    expect(text).toMatch(/data: \{"error":\{"message":"upstream[^"]*"/);
    await vi.waitUntil(() => d.logs.some((l) => /advertising no capacity until vLLM is back/.test(l)), { timeout: 30_000, interval: 50 });

    // Back after the restart: a new pid, listed again, and requests succeed.
    await vi.waitUntil(async () => (await d.pids()).length === 2 || undefined, { timeout: 60_000, interval: 50 });
    await vi.waitUntil(async () => (await listed(b)).includes(MODEL), { timeout: 60_000, interval: 50 });
    expect((await completion(b, false, 4)).status).toBe(200);
    const second = (await d.pids())[1];
    expect(second).not.toBe(first);

    // SIGTERM with a stream in flight: it finishes within the grace period, then vLLM is stopped.
    const last = await completion(b, true, 60);
    const finished = readAll(last, () => d.signals.emit('SIGTERM'));
    expect((await finished).text).toContain('[DONE]');
    expect(await d.exit).toBe(0);
    expect(alive(second)).toBe(false);
    expect(d.logs).toContainEqual(expect.stringMatching(/^agent: SIGTERM, draining .*then stopping vLLM$/));
  });

  it('exits non-zero with a clear message when vLLM keeps crashing, never connecting', async () => {
    const b = await bridge();
    const d = await daemon(b, { FAKE_VLLM_CRASH: '1' });
    expect(await d.exit).toBe(1);
    expect(d.logs).toContainEqual(expect.stringMatching(/^agent: error: vLLM exited 3 times in a row without becoming ready; giving up \(last: .*CUDA out of memory/));
    expect(d.agentStarts).toEqual([]);
  });

  it('stops a vLLM that is still loading on SIGINT, leaving no process behind', async () => {
    const b = await bridge();
    const d = await daemon(b, { FAKE_VLLM_STARTUP_MS: '60000' });
    await vi.waitUntil(async () => (await d.pids()).length === 1 || undefined, { timeout: 30_000, interval: 50 });
    await vi.waitUntil(() => d.logs.some((l) => /Starting vLLM API server/.test(l)), { timeout: 30_000, interval: 50 });
    d.signals.emit('SIGINT');
    expect(await d.exit).toBe(0);
    expect(alive((await d.pids())[0])).toBe(false);
    expect(d.agentStarts).toEqual([]);
  });

  it('attaches to a running server with --upstream, spawning nothing', async () => {
    const b = await bridge();
    const { startSim } = await import('../sim/server');
    const sim = await startSim({ port: 0, models: [MODEL], stepBaseMs: 0, stepPerSeqMs: 0, prefillPerTokenMs: 0 });
    try {
      const { runAgentDaemon } = await import('../agent/index');
      const { EventEmitter } = await import('node:events');
      const signals = new EventEmitter();
      const logs: string[] = [];
      const exit = runAgentDaemon(
        { edge: b.edgeUrl, token: b.agentToken, upstream: sim.url, vllm: '/nonexistent/vllm', grace: 5 },
        { log: (l) => logs.push(l), signals, queryGpus: async () => [] },
      );
      await vi.waitUntil(async () => (await listed(b)).includes(MODEL), { timeout: 30_000, interval: 50 });
      expect((await completion(b, false, 4)).status).toBe(200);
      signals.emit('SIGTERM');
      expect(await exit).toBe(0);
      expect(logs.some((l) => l.startsWith('supervisor: '))).toBe(false);
    } finally {
      await sim.close();
    }
  });

  it('refuses bad settings before starting anything, naming the value', async () => {
    const { runAgentDaemon } = await import('../agent/index');
    await expect(runAgentDaemon({ edge: 'http://127.0.0.1:1', token: 't', model: MODEL, port: 0 }, { log: () => {} })).rejects.toThrow(
      '--port must be an integer from 1 to 65535, got 0',
    );
    await expect(
      runAgentDaemon({ edge: 'http://127.0.0.1:1', token: 't', model: MODEL, port: 9000, vllmArgs: ['--port', '9001'] }, { log: () => {} }),
    ).rejects.toThrow('--port is given twice with different values');
  });
});

// `vllama agent --model` as a user runs it: a real CLI process, exit codes and signals.
describe('vllama agent --model (CLI process)', { timeout: 180_000 }, () => {
  const VLLAMA = fileURLToPath(new URL('../bin/vllama.js', import.meta.url));
  const strays: number[] = [];
  afterEach(() => {
    // A failed test must not leave a stand-in (or its worker, or a detached CLI) running.
    for (const pid of strays.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });

  /** `ownGroup`: the CLI leads its own process group, as a shell's foreground job does, so the test can signal that group. */
  async function cli(args: string[], fakeEnv: Record<string, string> = {}, { ownGroup = false } = {}) {
    const { execa } = await import('execa');
    const argvFile = join(await mkdtemp(join(tmpdir(), 'fake-vllm-')), 'argv.jsonl');
    const proc = execa(process.execPath, [VLLAMA, 'agent', '--vllm', FAKE_VLLM, ...args], {
      reject: false,
      all: true,
      env: { VLLAMA_EDGE: '', VLLAMA_TOKEN: '', VLLAMA_MODEL: '', VLLAMA_UPSTREAM: '', VLLAMA_CONFIG: '', FAKE_VLLM_ARGV_FILE: argvFile, ...fakeEnv },
      forceKillAfterDelay: 5_000,
      detached: ownGroup,
    });
    if (ownGroup && proc.pid) strays.push(proc.pid); // execa's cleanup skips detached children
    let output = '';
    proc.all?.on('data', (c: Buffer) => (output += c.toString()));
    const starts = async () =>
      (await readFile(argvFile, 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { pid: number; argv: string[]; childPid?: number })
        .map((s) => (strays.push(s.pid, ...(s.childPid ? [s.childPid] : [])), s));
    return { proc, output: () => output, starts };
  }

  async function edgeWithTenant() {
    const { startNodeEdge } = await import('../edge/node/server');
    const edge = await startNodeEdge({ port: 0, dataDir: await mkdtemp(join(tmpdir(), 'vllama-edge-')), adminToken: 'adm', log: () => {} });
    const res = await fetch(`${edge.url}/admin/v1/tenants`, {
      method: 'POST',
      headers: { authorization: 'Bearer adm', 'content-type': 'application/json' },
      body: JSON.stringify({ name: `cli-${process.pid}-${Date.now() % 100000}` }),
    });
    return { edge, ...((await res.json()) as { apiKey: string; agentToken: string }) };
  }

  it('runs vLLM with the extra args after --, serves through the edge, and exits 0 on SIGTERM leaving no vLLM', async () => {
    const { edge, apiKey, agentToken } = await edgeWithTenant();
    try {
      const port = String(await freePort());
      const c = await cli(['--model', MODEL, '--port', port, '--edge', edge.url, '--grace', '5', '--', '--dtype', 'half'], { VLLAMA_TOKEN: agentToken });
      await vi.waitUntil(async () => {
        const r = await fetch(`${edge.url}/v1/models`, { headers: { authorization: `Bearer ${apiKey}` } });
        return ((await r.json()) as { data?: { id: string }[] }).data?.some((m) => m.id === MODEL) || undefined;
      }, { timeout: 60_000, interval: 50 });
      const [start] = await c.starts();
      expect(start.argv).toEqual(['serve', MODEL, ...TUNED, '--host', '127.0.0.1', '--port', port, '--dtype', 'half']);
      expect(c.output()).not.toContain(agentToken);
      c.proc.kill('SIGTERM');
      const result = await c.proc;
      expect(result.exitCode).toBe(0);
      expect(alive(start.pid)).toBe(false);
      expect(c.output()).toMatch(/agent: SIGTERM, draining/);
    } finally {
      await edge.close();
    }
  });

  // A terminal's Ctrl-C signals its whole foreground process group; vLLM has a
  // group of its own, so either way only the agent gets it and drains first.
  it.each([
    ['to the agent process alone', (pid: number) => pid],
    ["to the agent's process group, as a terminal's Ctrl-C does", (pid: number) => -pid],
  ])('lets an in-flight stream finish on SIGINT %s, then leaves neither vLLM nor its workers', async (_, target) => {
    const { edge, apiKey, agentToken } = await edgeWithTenant();
    try {
      const c = await cli(
        ['--model', MODEL, '--port', String(await freePort()), '--edge', edge.url, '--grace', '20'],
        { VLLAMA_TOKEN: agentToken, FAKE_VLLM_STEP_MS: '20', FAKE_VLLM_SPAWN_CHILD: '1' },
        { ownGroup: true },
      );
      await vi.waitUntil(async () => {
        const r = await fetch(`${edge.url}/v1/models`, { headers: { authorization: `Bearer ${apiKey}` } });
        return ((await r.json()) as { data?: { id: string }[] }).data?.some((m) => m.id === MODEL) || undefined;
      }, { timeout: 60_000, interval: 50 });
      const [start] = await c.starts();
      expect(alive(start.childPid!)).toBe(true);
      const res = await fetch(`${edge.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 60, stream: true, ignore_eos: true }),
      });
      expect(res.status).toBe(200);
      const { text, failed } = await readAll(res, () => process.kill(target(c.proc.pid!), 'SIGINT'));
      expect(failed).toBeUndefined();
      expect(text).toContain('[DONE]');
      const result = await c.proc;
      expect(result.exitCode).toBe(0);
      expect(c.output()).toMatch(/agent: SIGINT, draining/);
      expect(c.output()).not.toMatch(/vllm\| .*Shutting down FastAPI HTTP server[\s\S]*agent: SIGINT/);
      expect(alive(start.pid)).toBe(false);
      expect(alive(start.childPid!)).toBe(false);
    } finally {
      await edge.close();
    }
  });

  it('exits 1 with one clear line when vLLM crashes at every start', async () => {
    // The CLI's own restart delays (1, 2, 4, 8 s) apply here: about 15 s.
    const c = await cli(['--model', MODEL, '--port', String(await freePort()), '--edge', 'http://127.0.0.1:9', '--token', 't'], { FAKE_VLLM_CRASH: '1' });
    const result = await c.proc;
    expect(result.exitCode).toBe(1);
    expect(c.output()).toMatch(/agent: error: vLLM exited 5 times in a row without becoming ready; giving up \(last: vLLM exited with code 1: .*CUDA out of memory/);
    expect(await c.starts()).toHaveLength(5);
  });

  it('takes vLLM down with it when the agent dies by a signal it does not handle', async () => {
    const c = await cli(['--model', MODEL, '--port', String(await freePort()), '--edge', 'http://127.0.0.1:9', '--token', 't']);
    await vi.waitUntil(() => /vLLM is ready/.test(c.output()) || undefined, { timeout: 60_000, interval: 50 });
    const [start] = await c.starts();
    c.proc.kill('SIGHUP');
    const result = await c.proc;
    expect(result.signal).toBe('SIGHUP');
    await vi.waitUntil(() => !alive(start.pid) || undefined, { timeout: 15_000, interval: 50 });
  });

  it('refuses a bad value with one line naming it, exit 2, before starting vLLM', async () => {
    const c = await cli(['--model', MODEL, '--port', 'http', '--edge', 'http://127.0.0.1:9', '--token', 't']);
    const result = await c.proc;
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('vllama agent: --port must be an integer from 1 to 65535, got "http"');
    expect(await c.starts()).toEqual([]);
  });
});
