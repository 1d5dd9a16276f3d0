/**
 * Dependencies point one way (docs/architecture.md): the CLI and the remote
 * engine see only the Engine interface; the HTTP routes never reach into core;
 * core never reaches up into the engine implementation, the daemon or the CLI.
 * Type-only imports of the API types (src/engine/types.ts) are allowed below.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '..');

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
}

function imports(): Import[] {
  const out: Import[] = [];
  for (const f of files(join(ROOT, 'src'))) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/^(import|export)\s+(type\s+)?[^'"]*?from\s+'(\.[^']+)'/gm)) {
      out.push({
        from: relative(ROOT, f),
        to: relative(ROOT, resolve(dirname(f), m[3] ?? '')),
        typeOnly: m[2] !== undefined,
      });
    }
    for (const m of text.matchAll(/import\('(\.[^']+)'\)/g)) {
      out.push({ from: relative(ROOT, f), to: relative(ROOT, resolve(dirname(f), m[1] ?? '')), typeOnly: false });
    }
  }
  return out;
}

const rules: { from: RegExp; forbidden: RegExp; why: string }[] = [
  {
    from: /^src\/(cli|engine\/remote|compose)\//,
    forbidden: /^src\/(core|daemon|host|engine\/local)\//,
    why: 'the CLI and compose speak only through the Engine interface',
  },
  { from: /^src\/daemon\/http\//, forbidden: /^src\/(core|host|engine\/local)\//, why: 'routes only translate' },
  {
    from: /^src\/core\//,
    forbidden: /^src\/(engine\/local|engine\/remote|daemon|cli)\//,
    why: 'core is below the engine',
  },
  {
    from: /^src\/(lib|oci)\//,
    forbidden: /^src\/(core|host|engine\/local|daemon|cli)\//,
    why: 'lib and oci are leaves',
  },
];

test('imports follow the layering', () => {
  const bad: string[] = [];
  for (const imp of imports()) {
    for (const r of rules) {
      if (r.from.test(imp.from) && r.forbidden.test(imp.to)) bad.push(`${imp.from} → ${imp.to} (${r.why})`);
    }
    // Outside the engine and daemon, only type-only imports of the engine's API types are allowed.
    if (/^src\/(core|lib|oci|host)\//.test(imp.from) && /^src\/engine\//.test(imp.to) && !imp.typeOnly) {
      bad.push(`${imp.from} → ${imp.to} (only type imports of the API types)`);
    }
  }
  assert.deepEqual(bad, []);
});

test('only the daemon wiring constructs the local engine', () => {
  const users = imports()
    .filter((i) => /^src\/engine\/local\//.test(i.to) && !/^src\/engine\/local\//.test(i.from))
    .map((i) => i.from);
  for (const u of users) assert.match(u, /^src\/daemon\/(wire|main)\.ts$/, `${u} imports engine/local`);
});
