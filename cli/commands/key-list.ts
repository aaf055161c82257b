// `vllama key list --tenant NAME`: the tenant's keys, their limits and state (never secrets).
import { adminClientFrom, adminFlags, printJson } from '../admin-client';
import { stringFlag, UsageError, type Command } from '../command';
import { table, utc } from '../table';
import type { KeyInfo } from '../../edge/core/store/index';

export const keyList: Command = {
  name: 'key list',
  summary: "List a tenant's API keys with their limits (ids only: secrets are never stored)",
  flags: {
    tenant: { type: 'string', value: 'NAME', description: 'Tenant whose keys to list (required)' },
    ...adminFlags,
    json: { type: 'boolean', description: 'Print {"tenant","data":[…]} as one JSON object' },
  },
  async run(ctx) {
    const tenant = stringFlag(ctx, 'tenant', true)!;
    if (ctx.positionals.length) throw new UsageError(`unexpected argument "${ctx.positionals[0]}"`);
    const keys = await adminClientFrom(ctx).listKeys(tenant);
    if (ctx.flags.json) {
      printJson(keys);
      return 0;
    }
    const rows = keys.data.map((k) => [k.id, state(k), utc(k.createdAt), limits(k)]);
    process.stdout.write(table(['ID', 'STATE', 'CREATED (UTC)', 'LIMITS'], rows));
    return 0;
  },
};

function state(k: KeyInfo): string {
  if (k.revokedAt !== null) return 'revoked';
  if (k.limits.expiresAt !== null && Date.now() >= k.limits.expiresAt) return 'expired';
  return 'live';
}

function limits(k: KeyInfo): string {
  const l = k.limits;
  const parts = [
    l.rpm !== null && `rpm ${l.rpm}`,
    l.tpm !== null && `tpm ${l.tpm}`,
    l.dailyTokens !== null && `daily ${l.dailyTokens} tokens`,
    l.maxConcurrent !== null && `concurrent ${l.maxConcurrent}`,
    l.models && `models ${l.models.join(',')}`,
    l.expiresAt !== null && `expires ${utc(l.expiresAt)}`,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'none';
}
