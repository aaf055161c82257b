// `vllama key create --tenant NAME`: another API key, optionally with limits.
import { adminClientFrom, adminFlags, printJson } from '../admin-client';
import { intFlag, stringFlag, UsageError, type Command, type CommandContext } from '../command';

function positiveFlag(ctx: CommandContext, name: string): number | undefined {
  const n = intFlag(ctx, name);
  if (n !== undefined && n <= 0) throw new UsageError(`--${name} must be a positive integer, got ${n}`);
  return n;
}

export const keyCreate: Command = {
  name: 'key create',
  summary: "Create an API key for a tenant, with optional per-key limits",
  flags: {
    tenant: { type: 'string', value: 'NAME', description: 'Tenant to create the key for (required)' },
    ...adminFlags,
    rpm: { type: 'string', value: 'N', description: 'Requests per minute (default: unlimited)' },
    'max-concurrent': { type: 'string', value: 'N', description: 'Concurrent streams (default: unlimited)' },
    model: { type: 'string', multiple: true, value: 'M', description: 'A model the key may use; repeat for more (default: any)' },
    'max-body-bytes': { type: 'string', value: 'N', description: "Largest request body (default: the edge's, 8 MiB)" },
    json: { type: 'boolean', description: 'Print {"apiKey","id"} as one JSON object' },
  },
  async run(ctx) {
    const tenant = stringFlag(ctx, 'tenant', true)!;
    if (ctx.positionals.length) throw new UsageError(`unexpected argument "${ctx.positionals[0]}"`);
    const models = ctx.flags.model as string[] | undefined;
    const created = await adminClientFrom(ctx).createKey(tenant, {
      rpm: positiveFlag(ctx, 'rpm'),
      maxConcurrent: positiveFlag(ctx, 'max-concurrent'),
      models: models?.length ? models : undefined,
      maxBodyBytes: positiveFlag(ctx, 'max-body-bytes'),
    });
    if (ctx.flags.json) printJson({ apiKey: created.apiKey, id: created.id });
    else process.stdout.write(`API key for ${tenant}: ${created.apiKey}  (id ${created.id})\nSave it now: the edge keeps only its hash.\n`);
    return 0;
  },
};
