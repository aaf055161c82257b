#!/usr/bin/env node
// Entry point for `npm run bench`: runs the TypeScript benchmark through tsx,
// like bin/vllama.js, so it works right after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../bench/run.ts');
