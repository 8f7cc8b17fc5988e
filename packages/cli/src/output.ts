/** Prints rows as an aligned text table. */
export function printTable(headers: string[], rows: (string | number | boolean | null | undefined)[][]): void {
  const cells = [headers, ...rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? '-' : String(cell))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  for (const row of cells)
    console.log(
      row
        .map((cell, i) => (cell ?? '').padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

export const formatTime = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
