#!/usr/bin/env node
// Entry point for the `vllama` command: runs the CLI from a bundle that is
// rebuilt whenever a source is newer (bin/bundle.js), so it works right after
// `npm ci` with no build step.
import { runEntry } from './bundle.js';

await runEntry('cli/main.ts', 'vllama.mjs');
