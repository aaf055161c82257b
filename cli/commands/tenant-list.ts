// `vllama tenant list`: tenants and the agents connected for each.
import { adminClientFrom, adminFlags, printJson } from '../admin-client';
import type { Command } from '../command';
import { table, utc } from '../table';

export const tenantList: Command = {
  name: 'tenant list',
  summary: 'List tenants and their connected agents',
  flags: {
    ...adminFlags,
    json: { type: 'boolean', description: 'Print the edge answer as one JSON object' },
  },
  async run(ctx) {
    const list = await adminClientFrom(ctx).listTenants();
    if (ctx.flags.json) {
      printJson(list);
      return 0;
    }
    if (list.data.length === 0) {
      process.stdout.write('No tenants yet (create one with `vllama tenant create NAME`).\n');
      return 0;
    }
    const rows = list.data.map((t) => [
      t.name,
      utc(t.createdAt),
      String(t.agents.length),
      [...new Set(t.agents.flatMap((a) => a.models))].join(', ') || '-',
    ]);
    process.stdout.write(table(['TENANT', 'CREATED (UTC)', 'AGENTS', 'MODELS'], rows));
    return 0;
  },
};
