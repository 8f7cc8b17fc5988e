import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type Docker from 'dockerode';
import { pack } from 'tar-fs';
import { installedNode, nodeRuntimeScript, pythonRuntimeScript, runtimePackageDir } from '@nubo/runtime';
import { isNodeRuntime, runtimeIds, runtimeOf, type RuntimeId } from '@nubo/core';

export const defaultImages = Object.fromEntries(runtimeIds.map((id) => [id, runtimeOf(id).defaultImage])) as Record<
  RuntimeId,
  string
>;

/** Port the runtime listens on inside every worker container. */
export const containerPort = 8080;

/** The shared libraries a binary loads, as `ldd` lists them. */
function librariesOf(binary: string): string[] {
  return execFileSync('ldd', [binary], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /(\/\S+) \(0x/.exec(line)?.[1])
    .filter((path): path is string => Boolean(path));
}

async function copyInto(root: string, source: string, target = source): Promise<void> {
  await mkdir(join(root, dirname(target)), { recursive: true });
  await cp(await realpath(source), join(root, target), { recursive: true, dereference: true });
}

const skippedPythonDirs = new Set([
  'test',
  'tests',
  'idlelib',
  'tkinter',
  'turtledemo',
  'ensurepip',
  'site-packages',
  '__pycache__',
  'lib2to3',
  'pydoc_data',
]);

async function copyStdlib(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (skippedPythonDirs.has(entry.name) || entry.name.startsWith('config-')) continue;
    const source = join(from, entry.name);
    if (entry.isDirectory()) await copyStdlib(source, join(to, entry.name));
    else await cp(source, join(to, entry.name), { dereference: true });
  }
}

/**
 * The system libraries binary wheels from PyPI may link against (the manylinux policy's, without
 * the graphical ones), so packages such as pydantic or numpy load as they do on Lambda.
 */
const manylinuxLibraries = [
  'libgcc_s.so.1',
  'libstdc++.so.6',
  'libm.so.6',
  'libdl.so.2',
  'librt.so.1',
  'libpthread.so.0',
  'libutil.so.1',
  'libresolv.so.2',
  'libnsl.so.1',
  'libcrypt.so.1',
  'libz.so.1',
  'libexpat.so.1',
];

/** The Node.js binary of a node runtime on this host: installed (node22, node24) or the one running Nubo (node20). */
function nodeBinary(runtime: RuntimeId): string {
  const installed = installedNode(runtimePackageDir, runtime);
  if (installed && !existsSync(installed))
    throw new Error(`The Node.js of ${runtime} is not installed: run node scripts/install-runtimes.mjs first.`);
  return installed ?? process.execPath;
}

/** Lays out a FROM-scratch image of one runtime from this host's own interpreter. */
async function buildContext(runtime: RuntimeId): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), `nubo-image-${runtime}-`));
  let entrypoint: string[];
  let env: string[] = [];
  if (isNodeRuntime(runtime)) {
    const node = await realpath(nodeBinary(runtime));
    await copyInto(root, node, '/usr/bin/node');
    for (const lib of librariesOf(node)) await copyInto(root, lib);
    await cp(dirname(nodeRuntimeScript), join(root, 'runtime/node'), {
      recursive: true,
      filter: (src) => !src.endsWith('.map') && !src.endsWith('.d.ts'),
    });
    entrypoint = ['/usr/bin/node', '/runtime/node/server.js'];
  } else {
    const info = JSON.parse(
      execFileSync(
        'python3',
        [
          '-c',
          'import json,sys,sysconfig;print(json.dumps({"exe":sys.executable,"stdlib":sysconfig.get_paths()["stdlib"],"dynload":sysconfig.get_paths()["platstdlib"]}))',
        ],
        { encoding: 'utf8' },
      ),
    ) as { exe: string; stdlib: string };
    const python = await realpath(info.exe);
    await copyInto(root, python, '/opt/python/bin/python3');
    for (const lib of librariesOf(python)) await copyInto(root, lib, `/lib/x86_64-linux-gnu/${basename(lib)}`);
    await copyStdlib(info.stdlib, join(root, 'opt/python/lib/python3.11'));
    for (const lib of librariesOf(python)) if (lib.includes('ld-linux')) await copyInto(root, lib);
    // The stdlib's C extensions (zlib, ssl, ctypes, ...) load their own libraries.
    const dynload = join(info.stdlib, 'lib-dynload');
    const extensionLibs = new Set<string>();
    for (const file of await readdir(dynload))
      if (file.endsWith('.so')) for (const lib of librariesOf(join(dynload, file))) extensionLibs.add(lib);
    for (const lib of extensionLibs)
      if (!lib.includes('ld-linux')) await copyInto(root, lib, `/lib/x86_64-linux-gnu/${basename(lib)}`);
    for (const lib of manylinuxLibraries) {
      const path = `/lib/x86_64-linux-gnu/${lib}`;
      if (existsSync(path)) await copyInto(root, path);
    }
    await cp(pythonRuntimeScript, join(root, 'runtime/python/nubo_runtime.py'));
    entrypoint = ['/opt/python/bin/python3', '-u', '/runtime/python/nubo_runtime.py'];
    env = ['PYTHONHOME=/opt/python', 'PYTHONDONTWRITEBYTECODE=1'];
  }
  await mkdir(join(root, 'code'), { recursive: true });
  await mkdir(join(root, 'tmp'), { recursive: true });
  // Docker gives the /tmp tmpfs the mode of the image's /tmp: world-writable and sticky.
  await chmod(join(root, 'tmp'), 0o1777);
  const dockerfile = [
    'FROM scratch',
    'COPY . /',
    ...env.map((e) => `ENV ${e}`),
    `ENV NUBO_RUNTIME_HOST=0.0.0.0 NUBO_RUNTIME_PORT=${containerPort} NUBO_CODE_DIR=/code`,
    'USER 65534:65534',
    'WORKDIR /code',
    `EXPOSE ${containerPort}`,
    `ENTRYPOINT ${JSON.stringify(entrypoint)}`,
  ].join('\n');
  await writeFile(join(root, 'Dockerfile'), `${dockerfile}\n`);
  return root;
}

/** Builds the worker image of a runtime, reporting progress lines; answers the image tag. */
export async function buildRuntimeImage(docker: Docker, runtime: RuntimeId, progress: (line: string) => void): Promise<string> {
  const tag = defaultImages[runtime];
  progress(`[images] laying out ${tag} from this host's ${isNodeRuntime(runtime) ? nodeBinary(runtime) : 'python3'}`);
  const context = await buildContext(runtime);
  try {
    progress(`[images] building ${tag}`);
    // No umask: /tmp must keep its sticky, world-writable mode.
    const stream = await docker.buildImage(pack(context, { umask: 0 } as Parameters<typeof pack>[1]), { t: tag });
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(
        stream,
        (err: Error | null, output: { error?: string }[]) => {
          const failed = output?.find((o) => o.error);
          if (err || failed) reject(err ?? new Error(failed!.error));
          else resolve();
        },
        (event: { stream?: string }) => event.stream?.trim() && progress(`[images]   ${event.stream.trim()}`),
      ),
    );
    progress(`[images] ${tag} ready`);
    return tag;
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}
