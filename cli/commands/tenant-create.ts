// `vllama tenant create NAME`: a tenant with its first API key and agent token.
import { adminClientFrom, adminFlags, printJson } from '../admin-client';
import { UsageError, type Command } from '../command';

export const tenantCreate: Command = {
  name: 'tenant create',
  summary: 'Create a tenant and print its first API key and agent token',
  args: 'NAME',
  flags: {
    ...adminFlags,
    json: { type: 'boolean', description: 'Print {"tenant","apiKey","agentToken"} as one JSON object' },
  },
  async run(ctx) {
    const [name, ...extra] = ctx.positionals;
    if (!name) throw new UsageError('NAME is required');
    if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const created = await adminClientFrom(ctx).createTenant(name);
    if (ctx.flags.json) {
      printJson({ tenant: created.tenant, apiKey: created.apiKey, agentToken: created.agentToken });
      return 0;
    }
    process.stdout.write(
      [
        `Tenant ${created.tenant} created.`,
        `  API key     : ${created.apiKey}  (id ${created.keyId})`,
        `  Agent token : ${created.agentToken}`,
        'Save both now: the edge keeps only their hashes.',
        '',
      ].join('\n'),
    );
    return 0;
  },
};
