import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The virtualenv scripts/services/install.sh python-tools makes (the test command runs it). */
const toolsDir = process.env.NUBO_SERVICES_DIR
  ? `${process.env.NUBO_SERVICES_DIR}/python-tools`
  : fileURLToPath(new URL('../../../.services/python-tools', import.meta.url));

/** Runs the real AWS CLI (awscli from PyPI) and answers its exit code and output; it never throws. */
export async function aws(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(`${toolsDir}/bin/aws`, args, { env: { PATH: process.env.PATH ?? '', ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Installs PyPI packages into a function's code directory, as a Lambda user would (`pip install --target`). */
export async function pipInstallInto(dir: string, packages: string[]): Promise<void> {
  await run(`${toolsDir}/bin/pip`, [
    'install',
    '-q',
    '--disable-pip-version-check',
    '--no-compile',
    '--target',
    dir,
    ...packages,
  ]);
}
