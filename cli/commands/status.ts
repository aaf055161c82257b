// `vllama status`: a terminal summary of the edge, per tenant: agents, in-flight
// streams against capacity, and today's (UTC) requests and tokens.
import { adminClientFrom, adminFlags, printJson } from '../admin-client';
import { UsageError, type Command } from '../command';
import { table } from '../table';
import { agentRow } from './agents';

export const status: Command = {
  name: 'status',
  summary: "The edge at a glance: each tenant's agents, in-flight streams and usage today",
  flags: {
    ...adminFlags,
    json: { type: 'boolean', description: 'Print {"day","tenants":[…]} as one JSON object' },
  },
  async run(ctx) {
    if (ctx.positionals.length) throw new UsageError(`unexpected argument "${ctx.positionals[0]}"`);
    const client = adminClientFrom(ctx);
    const day = new Date().toISOString().slice(0, 10);
    const { data } = await client.listTenants();
    const tenants = await Promise.all(
      data.map(async (t) => {
        const usage = (await client.usage(t.name)).data.filter((r) => r.day === day);
        const sum = (f: (r: (typeof usage)[number]) => number) => usage.reduce((n, r) => n + f(r), 0);
        return {
          name: t.name,
          agents: t.agents,
          inflight: t.agents.reduce((n, a) => n + a.inflight, 0),
          capacity: t.agents.reduce((n, a) => n + a.maxInflight, 0),
          today: { requests: sum((r) => r.requests), promptTokens: sum((r) => r.promptTokens), completionTokens: sum((r) => r.completionTokens) },
        };
      }),
    );
    if (ctx.flags.json) {
      printJson({ day, tenants });
      return 0;
    }
    if (tenants.length === 0) {
      process.stdout.write('No tenants yet (create one with `vllama tenant create NAME`).\n');
      return 0;
    }
    const rows = tenants.map((t) => [
      t.name, t.agents.length, `${t.inflight}/${t.capacity}`, t.today.requests, t.today.promptTokens, t.today.completionTokens,
    ]);
    let out = `Tenants (usage today, ${day} UTC):\n` + table(['TENANT', 'AGENTS', 'IN-FLIGHT', 'REQUESTS', 'PROMPT', 'COMPLETION'], rows);
    const agentRows = tenants.flatMap((t) => t.agents.map((a) => [t.name, ...agentRow(a)]));
    if (agentRows.length > 0) {
      out += `\nAgents:\n` + table(['TENANT', 'AGENT', 'STATE', 'IN-FLIGHT', 'CONNECTED (UTC)', 'MODELS', 'GPUS'], agentRows);
    }
    process.stdout.write(out);
    return 0;
  },
};
