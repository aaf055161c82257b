// `vllama dev`: the whole bridge on one machine — a local edge, an agent, and
// vLLM if it is installed, otherwise the simulator (announced loudly).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startAgent, resolveOnPath } from '../../agent/index';
import { startNodeEdge } from '../../edge/node/server';
import { startSim } from '../../sim/server';
import { intFlag, stringFlag, type Command } from '../command';
import { loadOrCreateAdminToken } from '../../edge/node/admin-token';
import { createTenantViaAdmin } from '../admin-client';
import { LOG_FLAGS, loggerFromFlags } from '../logger';

interface DevCredentials {
  tenant: string;
  apiKey: string;
  agentToken: string;
}

export const dev: Command = {
  name: 'dev',
  summary: 'Run edge + agent + upstream (vLLM if installed, else the simulator) on this machine',
  flags: {
    port: { type: 'string', value: 'N', description: 'Edge port', default: '8787' },
    data: { type: 'string', value: 'DIR', description: 'Where the dev edge keeps its SQLite file and credentials', default: '.vllama/dev' },
    model: { type: 'string', value: 'NAME', description: 'Model to serve', default: 'facebook/opt-125m' },
    sim: { type: 'boolean', description: 'Use the simulator even if vLLM is installed' },
    'sim-port': { type: 'string', value: 'N', description: 'Simulator port (0 = any free port)', default: '0' },
    ...LOG_FLAGS,
  },
  async run(ctx) {
    const port = intFlag(ctx, 'port') ?? 8787;
    const dataDir = stringFlag(ctx, 'data') ?? '.vllama/dev';
    const model = stringFlag(ctx, 'model') ?? 'facebook/opt-125m';
    await mkdir(dataDir, { recursive: true });
    const adminToken = await loadOrCreateAdminToken(dataDir);
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const logger = loggerFromFlags(ctx, 'dev');

    const edge = await startNodeEdge({ port, host: '127.0.0.1', dataDir, adminToken, logger });
    const creds = await devTenant(edge.url, adminToken, dataDir);
    // The admin commands (vllama key list, usage, status…) find this edge through it when run here.
    await writeFile(join(dataDir, 'edge-url'), `${edge.url}\n`);

    const vllm = ctx.flags.sim ? undefined : resolveOnPath('vllm');
    let upstream: { url: string; close(): Promise<void> };
    if (vllm) {
      log(`dev: vLLM found at ${vllm}; starting it (this can take minutes for a big model)`);
      const { runAgentDaemon } = await import('../../agent/index');
      void runAgentDaemon({ edge: edge.url, token: creds.agentToken, model, vllm }, { log: (line) => logger.info(line) }).then((code) => {
        process.exitCode = code;
      });
      upstream = { url: '(managed by the agent)', close: async () => {} };
    } else {
      const sim = await startSim({ port: intFlag(ctx, 'sim-port') ?? 0, models: [model] });
      upstream = sim;
      log('');
      log('  ┌────────────────────────────────────────────────────────────────────┐');
      log('  │  vLLM is not installed: serving the SIMULATOR, not a real model.  │');
      log('  │  Replies are deterministic filler text with vLLM-like timing.     │');
      log('  └────────────────────────────────────────────────────────────────────┘');
      log(`  simulator: ${sim.url}`);
    }
    const agent = vllm ? undefined : await startAgent({ edge: edge.url, token: creds.agentToken, upstream: upstream.url, log: (line) => logger.info(line) });
    await agent?.ready;

    const base = `${edge.url}/v1`;
    process.stdout.write(
      [
        '',
        `vllama dev is up.`,
        `  base URL : ${base}`,
        `  API key  : ${creds.apiKey}`,
        `  admin    : ${edge.url}/admin/v1  token ${adminToken}  (kept in ${join(dataDir, 'admin-token')})`,
        `  status   : ${edge.url}/status?token=${adminToken}`,
        `  metrics  : curl -H "Authorization: Bearer ${adminToken}" ${edge.url}/metrics`,
        `  tenant   : ${creds.tenant}  (try: npx vllama status, npx vllama usage --tenant ${creds.tenant})`,
        '',
        'Try it:',
        `  curl ${base}/chat/completions -H "Authorization: Bearer ${creds.apiKey}" -H "Content-Type: application/json" \\`,
        `    -d '{"model":"${model}","messages":[{"role":"user","content":"Explain quantum computing in simple terms"}],"max_tokens":50}'`,
        '',
        'Press Ctrl+C to stop.',
        '',
      ].join('\n'),
    );

    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    log('dev: shutting down');
    await agent?.close();
    await upstream.close();
    await edge.close();
    return 0;
  },
};

/** Reuses the dev tenant from an earlier run, or creates it. */
async function devTenant(edgeUrl: string, adminToken: string, dataDir: string): Promise<DevCredentials> {
  const file = join(dataDir, 'dev-credentials.json');
  try {
    const saved = JSON.parse(await readFile(file, 'utf8')) as DevCredentials;
    const probe = await fetch(`${edgeUrl}/v1/models`, { headers: { authorization: `Bearer ${saved.apiKey}` } });
    if (probe.ok) return saved;
  } catch {
    // No usable credentials yet: create them below.
  }
  const name = `dev-${Date.now().toString(36)}`;
  const created = await createTenantViaAdmin(edgeUrl, adminToken, name);
  await writeFile(file, JSON.stringify(created, null, 2), { mode: 0o600 });
  return created;
}
