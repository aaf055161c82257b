// `vllama key revoke ID --tenant NAME`: the key stops working on the next request.
import { adminClientFrom, adminFlags } from '../admin-client';
import { stringFlag, UsageError, type Command } from '../command';

export const keyRevoke: Command = {
  name: 'key revoke',
  summary: 'Revoke an API key by its id (effective immediately)',
  args: 'ID',
  flags: {
    tenant: { type: 'string', value: 'NAME', description: 'Tenant the key belongs to (required)' },
    ...adminFlags,
  },
  async run(ctx) {
    const tenant = stringFlag(ctx, 'tenant', true)!;
    const [id, ...extra] = ctx.positionals;
    if (!id) throw new UsageError('ID is required (the key id, key_…, not the key)');
    if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
    await adminClientFrom(ctx).revokeKey(tenant, id);
    process.stdout.write(`Revoked ${id} of tenant ${tenant}.\n`);
    return 0;
  },
};
