// The first problem zod found in a value, as every one-line validation error of the
// edge, the agent and the simulator names it: the dotted path and zod's message.
import type { z } from 'zod';

export interface FirstIssue {
  /** The dotted path to the bad value; '' for the value itself. */
  path: string;
  message: string;
  issue: z.core.$ZodIssue | undefined;
}

export function firstIssue(error: z.ZodError): FirstIssue {
  const issue = error.issues[0];
  return { path: issue?.path.map(String).join('.') ?? '', message: issue?.message ?? 'invalid value', issue };
}
