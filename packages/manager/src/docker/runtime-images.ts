import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type Docker from 'dockerode';
import { pack } from 'tar-fs';
import { installedNode, nodeRuntimeScript, pythonRuntimeScript, runtimePackageDir } from '@nubo/runtime';
import { runtimeIds, runtimeOf, type RuntimeFamily, type RuntimeId } from '@nubo/core';

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
function nodeBinary(runtime: string): string {
  const installed = installedNode(runtimePackageDir, runtime);
  if (installed && !existsSync(installed))
    throw new Error(`The Node.js of ${runtime} is not installed: run node scripts/install-runtimes.mjs first.`);
  return installed ?? process.execPath;
}

/** What an image's layout answers: its entry point and environment. */
interface Layout {
  entrypoint: string[];
  env: string[];
}

/** A host binary with every library it loads, at the same paths. */
async function copyBinary(root: string, binary: string, target = binary): Promise<void> {
  await copyInto(root, await realpath(binary), target);
  for (const lib of librariesOf(binary)) await copyInto(root, lib);
}

/** Nubo's Node.js runtime server with the Node.js it runs on. */
async function layoutNodeServer(root: string, node: string): Promise<Layout> {
  await copyBinary(root, node, '/usr/bin/node');
  await cp(dirname(nodeRuntimeScript), join(root, 'runtime/node'), {
    recursive: true,
    filter: (src) => !src.endsWith('.map') && !src.endsWith('.d.ts'),
  });
  return { entrypoint: ['/usr/bin/node', '/runtime/node/server.js'], env: [] };
}

async function layoutPython(root: string): Promise<Layout> {
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
  await copyManylinuxLibraries(root);
  await cp(pythonRuntimeScript, join(root, 'runtime/python/nubo_runtime.py'));
  return {
    entrypoint: ['/opt/python/bin/python3', '-u', '/runtime/python/nubo_runtime.py'],
    env: ['PYTHONHOME=/opt/python', 'PYTHONDONTWRITEBYTECODE=1'],
  };
}

async function copyManylinuxLibraries(root: string): Promise<void> {
  for (const lib of manylinuxLibraries) {
    const path = `/lib/x86_64-linux-gnu/${lib}`;
    if (existsSync(path)) await copyInto(root, path);
  }
}

/**
 * What a custom runtime's bootstrap finds as on Amazon Linux, for the programs AWS's examples use:
 * bash as /bin/sh, curl with the CA certificates, the text tools of a shell bootstrap, and the C
 * and C++ libraries a Rust, C++ or JRE binary links against.
 */
const providedTools = [
  ...['bash', 'curl', 'grep', 'sed', 'awk', 'env', 'xargs'],
  ...['cat', 'cut', 'tr', 'head', 'tail', 'wc', 'sort', 'uniq', 'tee', 'date', 'sleep', 'mktemp'],
  ...['ls', 'mkdir', 'rm', 'cp', 'mv', 'touch', 'chmod', 'ln', 'dirname', 'basename', 'uname', 'id'],
].map((tool) => `/usr/bin/${tool}`);

async function layoutProvided(root: string): Promise<Layout> {
  const layout = await layoutNodeServer(root, nodeBinary('node24'));
  for (const tool of providedTools) if (existsSync(tool)) await copyBinary(root, tool);
  await copyInto(root, '/usr/bin/bash', '/bin/sh');
  await copyInto(root, '/usr/bin/bash', '/bin/bash');
  if (existsSync('/etc/ssl/certs/ca-certificates.crt')) await copyInto(root, '/etc/ssl/certs/ca-certificates.crt');
  await copyManylinuxLibraries(root);
  return layout;
}

const layouts: Record<RuntimeFamily, (root: string, runtime: RuntimeId) => Promise<Layout>> = {
  node: (root, runtime) => layoutNodeServer(root, nodeBinary(runtime)),
  python: (root) => layoutPython(root),
  provided: (root) => layoutProvided(root),
};

/** Lays out a FROM-scratch image of one runtime from this host's own interpreter. */
async function buildContext(runtime: RuntimeId): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), `nubo-image-${runtime}-`));
  const { entrypoint, env } = await layouts[runtimeOf(runtime).family](root, runtime);
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
  progress(`[images] laying out ${tag} (${runtimeOf(runtime).family}) from this host's files`);
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
