// `vllama agents --tenant NAME`: the tenant's connected agents, their models, load and GPUs.
import type { AgentInfo } from '../../edge/core/hub/index';
import { adminClientFrom, adminFlags, printJson } from '../admin-client';
import { stringFlag, UsageError, type Command } from '../command';
import { table, utc } from '../table';

export const agents: Command = {
  name: 'agents',
  summary: "A tenant's connected agents: models, in-flight / capacity, GPUs",
  flags: {
    tenant: { type: 'string', value: 'NAME', description: 'Tenant (required)' },
    ...adminFlags,
    json: { type: 'boolean', description: 'Print {"tenant","data":[…]} as one JSON object' },
  },
  async run(ctx) {
    const tenant = stringFlag(ctx, 'tenant', true)!;
    if (ctx.positionals.length) throw new UsageError(`unexpected argument "${ctx.positionals[0]}"`);
    const list = await adminClientFrom(ctx).agents(tenant);
    if (ctx.flags.json) {
      printJson(list);
      return 0;
    }
    if (list.data.length === 0) {
      process.stdout.write(`No agent of ${tenant} is connected.\n`);
      return 0;
    }
    process.stdout.write(table(['AGENT', 'STATE', 'IN-FLIGHT', 'CONNECTED (UTC)', 'MODELS', 'GPUS'], list.data.map(agentRow)));
    return 0;
  },
};

export function agentRow(a: AgentInfo): (string | number)[] {
  const state = a.draining ? 'draining' : a.ready ? 'ready' : 'not ready';
  const gpus = a.gpus?.map((g) => (g.memoryMiB ? `${g.name} (${Math.round(g.memoryMiB / 1024)} GiB)` : g.name)).join('; ') || '-';
  return [a.agentId, state, `${a.inflight}/${a.maxInflight}`, utc(a.connectedAt), a.models.join(', ') || '-', gpus];
}
