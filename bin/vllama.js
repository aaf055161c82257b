#!/usr/bin/env node
// Entry point for the `vllama` command: runs the TypeScript CLI through tsx,
// so the command works right after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
