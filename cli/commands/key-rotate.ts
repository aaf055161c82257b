// `vllama key rotate ID --tenant NAME`: a new secret for the key; same id, limits and
// usage; the old secret fails from the next request on.
import { adminClientFrom, adminFlags, printJson } from '../admin-client';
import { stringFlag, UsageError, type Command } from '../command';

export const keyRotate: Command = {
  name: 'key rotate',
  summary: 'Give a key a new secret (same id and limits); the old secret stops working at once',
  args: 'ID',
  flags: {
    tenant: { type: 'string', value: 'NAME', description: 'Tenant the key belongs to (required)' },
    ...adminFlags,
    json: { type: 'boolean', description: 'Print {"apiKey","id"} as one JSON object' },
  },
  async run(ctx) {
    const tenant = stringFlag(ctx, 'tenant', true)!;
    const [id, ...extra] = ctx.positionals;
    if (!id) throw new UsageError('ID is required (the key id, key_…, not the key)');
    if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const rotated = await adminClientFrom(ctx).rotateKey(tenant, id);
    if (ctx.flags.json) printJson(rotated);
    else process.stdout.write(`New API key for ${id}: ${rotated.apiKey}\nThe old one no longer works. Save this one now: the edge keeps only its hash.\n`);
    return 0;
  },
};
