// uPlot's dist files for the status page, read from the installed package
// (node_modules/uplot), never from a CDN.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

let cached: { uplotJs: string; uplotCss: string } | undefined;

export function uplotAssets(): { uplotJs: string; uplotCss: string } {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  cached = {
    uplotJs: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    uplotCss: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
  return cached;
}
