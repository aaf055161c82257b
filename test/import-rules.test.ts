// The layout's import rules (tools/import-rules.ts) hold over every source file:
// no production code imports tests or fixtures, parts meet only at their faces,
// the core stays runtime-neutral, protocol stands alone, edge and agent never meet.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkImports } from '../tools/import-rules';

describe('import rules', () => {
  it('finds no violation in the repository', () => {
    const found = checkImports().map((v) => `${v.file}: '${v.spec}' → ${v.target}: ${v.rule}`);
    expect(found).toEqual([]);
  });

  it('reports each kind of violation it is given', () => {
    const root = mkdtempSync(join(tmpdir(), 'vllama-import-rules-'));
    try {
      const files: Record<string, string> = {
        'protocol/index.ts': "export * from './codec';\n",
        'protocol/codec.ts': "import { x } from '../agent/index';\n",
        'agent/index.ts': "export { a } from './link/index';\n",
        'agent/link/index.ts': "export { a } from './dial';\n",
        'agent/link/dial.ts': "import { b } from '../relay/pump';\nimport { h } from '../../edge/core/hub/index';\nexport const a = 1;\n",
        'agent/relay/pump.ts': "import { f } from '../../test/support/fake';\nexport const b = 2;\n",
        'edge/core/hub/index.ts': "export { h } from './hub';\n",
        'edge/core/hub/hub.ts': "import { readFileSync } from 'node:fs';\nimport { s } from '../../node/sqlite';\nexport const h = 3;\n",
        'edge/core/hub/hub.test.ts': "import { readFileSync } from 'node:fs';\nimport { f } from '../../../test/support/fake';\n",
        'edge/node/sqlite.ts': "import { c } from '../../protocol/codec';\nexport const s = 4;\n",
        'test/support/fake.ts': 'export const f = 5;\n',
      };
      for (const [file, text] of Object.entries(files)) {
        mkdirSync(dirname(join(root, file)), { recursive: true });
        writeFileSync(join(root, file), text);
      }
      const found = checkImports(root, Object.keys(files)).map((v) => `${v.file} → ${v.target}: ${v.rule}`);
      expect(found).toEqual([
        'protocol/codec.ts → agent/index.ts: protocol imports nothing of ours',
        'agent/link/dial.ts → agent/relay/pump.ts: from outside agent/relay/ only agent/relay/index.ts is imported',
        'agent/link/dial.ts → edge/core/hub/index.ts: the agent never imports the edge',
        'agent/relay/pump.ts → test/support/fake.ts: production code never imports test code or fixtures',
        "edge/core/hub/hub.ts → node:fs: edge/core's production code uses no Node built-in (it runs on Workers too)",
        'edge/core/hub/hub.ts → edge/node/sqlite.ts: edge/core never imports a host',
        'edge/node/sqlite.ts → protocol/codec.ts: outside protocol/ only its face is imported (protocol/index.ts)',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
