// `vllama usage --tenant NAME [--since DATE] [--by key|model|day]`: requests and tokens.
import { adminClientFrom, adminFlags, printJson } from '../admin-client';
import { stringFlag, UsageError, type Command } from '../command';
import { table } from '../table';
import { grandTotal, summarize, type UsageGrouping } from '../usage-report';

const GROUPINGS: readonly UsageGrouping[] = ['key', 'model', 'day'];

export const usage: Command = {
  name: 'usage',
  summary: "A tenant's requests and tokens (prompt, completion), summed by key, model or day",
  flags: {
    tenant: { type: 'string', value: 'NAME', description: 'Tenant (required)' },
    since: { type: 'string', value: 'DATE', description: 'Only days on or after this UTC date, YYYY-MM-DD (default: all)' },
    by: { type: 'string', value: 'key|model|day', description: 'What each row sums', default: 'key' },
    ...adminFlags,
    json: { type: 'boolean', description: 'Print {"tenant","by","since","rows":[…],"total":{…}} as one JSON object' },
  },
  async run(ctx) {
    const tenant = stringFlag(ctx, 'tenant', true)!;
    if (ctx.positionals.length) throw new UsageError(`unexpected argument "${ctx.positionals[0]}"`);
    const by = (stringFlag(ctx, 'by') ?? 'key') as UsageGrouping;
    if (!GROUPINGS.includes(by)) throw new UsageError(`--by must be key, model or day, got "${by}"`);
    const since = stringFlag(ctx, 'since');
    if (since !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(since) || Number.isNaN(Date.parse(since)))) {
      throw new UsageError(`--since must be a date YYYY-MM-DD, got "${since}"`);
    }
    const { data } = await adminClientFrom(ctx).usage(tenant, by === 'model');
    const rows = summarize(data, by, since);
    const total = grandTotal(rows);
    if (ctx.flags.json) {
      printJson({ tenant, by, since: since ?? null, rows, total });
      return 0;
    }
    if (rows.length === 0) {
      process.stdout.write(`No usage for ${tenant}${since ? ` since ${since}` : ''} yet.\n`);
      return 0;
    }
    const line = (name: string, t: typeof total) => [name, t.requests, t.promptTokens, t.completionTokens, t.totalTokens];
    process.stdout.write(
      table([by.toUpperCase(), 'REQUESTS', 'PROMPT', 'COMPLETION', 'TOTAL'], [...rows.map((r) => line(r.group, r)), line('total', total)]),
    );
    return 0;
  },
};
