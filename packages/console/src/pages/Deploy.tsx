import { useEffect, useState } from 'preact/hooks';
import { zipSync, type Zippable } from 'fflate';
import { call, fnPath, get, type FunctionDetail } from '../api.js';
import { Notice } from '../components/Notice.js';
import { bytes } from '../format.js';
import { go } from '../router.js';

interface Runtime {
  id: string;
  available: boolean;
  deprecation: string | null;
}

/** The code to send: a zip as it came, or files (a folder) zipped here. */
type Code = { kind: 'zip'; name: string; data: Uint8Array } | { kind: 'files'; name: string; files: Map<string, Uint8Array> };

/** Paths inside a picked or dropped folder start with the folder's own name: drop it. */
function withoutTopFolder(files: Map<string, Uint8Array>): Map<string, Uint8Array> {
  const tops = new Set([...files.keys()].map((p) => p.split('/')[0]));
  if (tops.size !== 1 || [...files.keys()].some((p) => !p.includes('/'))) return files;
  return new Map([...files].map(([p, data]) => [p.slice(p.indexOf('/') + 1), data]));
}

async function readEntry(entry: FileSystemEntry, into: Map<string, Uint8Array>): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    into.set(entry.fullPath.replace(/^\//, ''), new Uint8Array(await file.arrayBuffer()));
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return;
    for (const child of batch) await readEntry(child, into);
  }
}

function toBase64(data: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < data.length; i += 0x8000) binary += String.fromCharCode(...data.subarray(i, i + 0x8000));
  return btoa(binary);
}

function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (!line.trim() || line.trim().startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`Environment line "${line}" is not NAME=value.`);
    env[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  return env;
}

export function Deploy({ name: preset }: { name?: string | undefined }) {
  const [runtimes, setRuntimes] = useState<Runtime[]>([]);
  const [code, setCode] = useState<Code | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [current, setCurrent] = useState<FunctionDetail | null>(null);

  useEffect(() => {
    get<Runtime[]>('/v1/runtimes').then(setRuntimes, (err: Error) => setError(err.message));
    if (preset) get<FunctionDetail>(fnPath(preset)).then(setCurrent, () => setCurrent(null));
  }, [preset]);

  const pickFiles = async (list: FileList | null) => {
    if (!list || list.length === 0) return;
    const first = list[0]!;
    if (list.length === 1 && first.name.endsWith('.zip') && !first.webkitRelativePath) {
      setCode({ kind: 'zip', name: first.name, data: new Uint8Array(await first.arrayBuffer()) });
      return;
    }
    const files = new Map<string, Uint8Array>();
    for (const file of Array.from(list))
      files.set(file.webkitRelativePath || file.name, new Uint8Array(await file.arrayBuffer()));
    setCode({ kind: 'files', name: `${files.size} files`, files: withoutTopFolder(files) });
  };

  const drop = async (event: DragEvent) => {
    event.preventDefault();
    const items = Array.from(event.dataTransfer?.items ?? []);
    const entries = items.map((item) => item.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
    if (entries.length === 1 && entries[0]!.isFile && entries[0]!.name.endsWith('.zip'))
      return pickFiles(event.dataTransfer!.files);
    const files = new Map<string, Uint8Array>();
    for (const entry of entries) await readEntry(entry, files);
    setCode({ kind: 'files', name: `${files.size} files`, files: withoutTopFolder(files) });
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    setResult(null);
    const form = new FormData(event.target as HTMLFormElement);
    const text = (key: string) => String(form.get(key) ?? '').trim();
    const number = (key: string) => (text(key) === '' ? undefined : Number(text(key)));
    try {
      if (!code) throw new Error('Choose the code: a folder, or a zip of it.');
      const zip = code.kind === 'zip' ? code.data : zipSync(Object.fromEntries(code.files) as Zippable);
      const body = {
        runtime: text('runtime'),
        handler: text('handler'),
        code: { zip: toBase64(zip) },
        env: parseEnv(String(form.get('env') ?? '')),
        public: form.get('public') === 'on',
        ...Object.fromEntries(
          ['memoryMb', 'timeoutMs', 'maxConcurrency', 'minWarm', 'idleTtlMs']
            .map((k) => [k, number(k)] as const)
            .filter(([, v]) => v !== undefined),
        ),
      };
      setBusy(true);
      const name = text('name');
      const { body: deployed } = await call<{ version: { version: number }; created: boolean }>('PUT', fnPath(name), body);
      setResult(`Deployed ${name} version ${deployed.version.version}${deployed.created ? ' (new function)' : ''}.`);
      go(`functions/${encodeURIComponent(name)}`);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const limits = current?.limits;
  return (
    <section>
      <h1>Deploy</h1>
      {/* Uncontrolled fields: filled again (a new key) once the current settings have loaded. */}
      <form class="card deploy" onSubmit={submit} key={current ? 'current' : 'new'}>
        <label>
          Function name
          <input
            name="name"
            required
            pattern="[a-z][a-z0-9-]{0,62}"
            defaultValue={preset ?? ''}
            readOnly={Boolean(preset)}
            title="lowercase letters, digits and -, starting with a letter"
          />
        </label>
        <section
          class="dropzone"
          aria-label="Code"
          onDragOver={(e) => e.preventDefault()}
          onDrop={drop}
          aria-describedby="code-help"
        >
          <p id="code-help">Drop a folder or a zip here, or choose one:</p>
          <label>
            Folder
            <input
              type="file"
              name="folder"
              {...{ webkitdirectory: true }}
              onChange={(e) => pickFiles((e.target as HTMLInputElement).files)}
            />
          </label>
          <label>
            Zip
            <input
              type="file"
              name="zip"
              accept=".zip,application/zip"
              onChange={(e) => pickFiles((e.target as HTMLInputElement).files)}
            />
          </label>
          <p class="muted" id="code-chosen">
            {code
              ? code.kind === 'zip'
                ? `${code.name} (${bytes(code.data.length)})`
                : `${code.files.size} files: ${[...code.files.keys()].slice(0, 5).join(', ')}${code.files.size > 5 ? ', …' : ''}`
              : 'No code chosen.'}
          </p>
        </section>
        <div class="grid">
          <label>
            Runtime
            <select name="runtime">
              {runtimes.map((r) => (
                <option key={r.id} value={r.id} disabled={!r.available} selected={r.id === (current?.runtime ?? 'node24')}>
                  {r.id}
                  {r.available ? '' : ' (not installed)'}
                  {r.deprecation ? ' (deprecated)' : ''}
                </option>
              ))}
            </select>
          </label>
          <label>
            Handler
            <input name="handler" required defaultValue={current?.handler ?? 'index.handler'} />
          </label>
          <label>
            Memory (MB)
            <input
              name="memoryMb"
              type="number"
              min={64}
              max={10240}
              placeholder="128"
              defaultValue={limits?.memoryMb?.toString()}
            />
          </label>
          <label>
            Timeout (ms)
            <input
              name="timeoutMs"
              type="number"
              min={100}
              max={900000}
              placeholder="30000"
              defaultValue={limits?.timeoutMs?.toString()}
            />
          </label>
          <label>
            Max concurrency
            <input
              name="maxConcurrency"
              type="number"
              min={1}
              max={10000}
              placeholder="10"
              defaultValue={limits?.maxConcurrency?.toString()}
            />
          </label>
          <label>
            Min warm
            <input name="minWarm" type="number" min={0} max={100} placeholder="0" defaultValue={limits?.minWarm?.toString()} />
          </label>
          <label>
            Idle TTL (ms)
            <input
              name="idleTtlMs"
              type="number"
              min={1000}
              max={86400000}
              placeholder="300000"
              defaultValue={limits?.idleTtlMs?.toString()}
            />
          </label>
          <label class="toggle">
            <input name="public" type="checkbox" defaultChecked={current?.public ?? false} />
            Public (anyone may call its trigger URL)
          </label>
        </div>
        <label>
          Environment (NAME=value, one per line)
          <textarea name="env" class="code" rows={3} spellcheck={false} />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Deploying…' : 'Deploy'}
        </button>
        <Notice error={error}>{result}</Notice>
      </form>
    </section>
  );
}
