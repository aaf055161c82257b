// The Hub's options, checked once where a host builds it: a wrong type is a
// host's bug, so it throws at construction rather than misbehaving per request.
import { z } from 'zod';
import { firstIssue } from '../../../protocol/index';
import type { HubOptions } from './hub-types';

const optionsSchema = z.object({
  tenant: z.string().min(1),
  queueTimeoutMs: z.number().int().positive().optional(),
  maxQueue: z.number().int().nonnegative().optional(),
  startupGraceMs: z.number().int().nonnegative().optional(),
  helloTimeoutMs: z.number().int().positive().optional(),
  headTimeoutMs: z.number().int().positive().optional(),
  drainTimeoutMs: z.number().int().positive().optional(),
  heartbeatMs: z.number().int().positive().optional(),
  directBodies: z.boolean().optional(),
  schedule: z.custom<HubOptions['schedule']>((v) => typeof v === 'function', 'schedule must be a function'),
});

/** Throws TypeError naming the first option that is wrong. */
export function checkHubOptions(opts: HubOptions): void {
  const checked = optionsSchema.safeParse(opts);
  if (checked.success) return;
  const { path, message } = firstIssue(checked.error);
  throw new TypeError(`Hub option ${path || '?'}: ${message}`);
}
