import { rmSync } from 'node:fs';
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const created = new Set<string>();
process.once('exit', () => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

/**
 * A fresh directory, removed when the test process exits. Others may pass through it (not list it),
 * as isolated workers' unprivileged user must to reach their code, as in a data directory made by mkdir.
 */
export async function tempDir(prefix = 'nubo-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o711);
  created.add(dir);
  return dir;
}
