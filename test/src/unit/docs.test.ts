import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { errorAreas, errorCatalogue, serverConfigSchema } from '@nubo/core';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

/** The rows of the first Markdown table whose header starts with `firstColumn`. */
function tableRows(markdown: string, firstColumn: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`| ${firstColumn} |`));
  assert.ok(start >= 0, `a table headed "${firstColumn}"`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

describe('the documentation', () => {
  it('docs/errors.md lists exactly the catalogue, each code with its status', () => {
    const documented = Object.fromEntries(
      tableRows(read('docs/errors.md'), 'code').map(([code, status]) => [code!.replace(/`/g, ''), Number(status)]),
    );
    assert.deepEqual(documented, { ...errorCatalogue });
  });

  it('every error code names its area', () => {
    const pattern = new RegExp(`^NUBO_ERR_(${errorAreas.join('|')})_[A-Z0-9_]+$`);
    for (const code of Object.keys(errorCatalogue)) assert.match(code, pattern);
  });

  it("the README's configuration table names exactly the variables the config schema reads", () => {
    const rows = tableRows(read('README.md'), 'variable');
    const documented = rows.flatMap(([names]) => [...names!.matchAll(/`(NUBO_[A-Z0-9_]+)`/g)].map((m) => m[1]!)).sort();
    assert.deepEqual(documented, Object.keys(serverConfigSchema.shape).sort());
  });
});
