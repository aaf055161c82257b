// `vllama key create --tenant NAME`: another API key, optionally with limits.
import { adminClientFrom, adminFlags, printJson } from '../admin-client';
import { intFlag, stringFlag, UsageError, type Command, type CommandContext } from '../command';

/** An ISO date/time flag as ms since epoch. */
export function dateFlag(ctx: CommandContext, name: string): number | undefined {
  const raw = stringFlag(ctx, name);
  if (raw === undefined) return undefined;
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) throw new UsageError(`--${name} must be an ISO date, e.g. 2027-01-31, got "${raw}"`);
  return ms;
}

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
    tpm: { type: 'string', value: 'N', description: 'Tokens (prompt + completion) per minute (default: unlimited)' },
    'daily-tokens': { type: 'string', value: 'N', description: 'Tokens per UTC day (default: unlimited)' },
    expires: { type: 'string', value: 'DATE', description: 'When the key stops working: ISO date/time, e.g. 2027-01-31 or 2027-01-31T12:00Z (default: never)' },
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
      tpm: positiveFlag(ctx, 'tpm'),
      dailyTokens: positiveFlag(ctx, 'daily-tokens'),
      expiresAt: dateFlag(ctx, 'expires'),
    });
    if (ctx.flags.json) printJson({ apiKey: created.apiKey, id: created.id });
    else process.stdout.write(`API key for ${tenant}: ${created.apiKey}  (id ${created.id})\nSave it now: the edge keeps only its hash.\n`);
    return 0;
  },
};
