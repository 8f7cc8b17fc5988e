import type Docker from 'dockerode';

/** What the engine tells of a manager's worker containers, by worker id (the `nubo.worker` label). */
export interface ContainerEventHandlers {
  /** The kernel's OOM killer struck in the container. */
  outOfMemory(workerId: string): void;
  /** The container's main process ended. */
  died(workerId: string, exitCode: number): void;
}

/** Follows the engine's `die` and `oom` events of one manager's containers; destroy the stream to stop. */
export async function followContainerEvents(
  docker: Docker,
  managerId: string,
  handlers: ContainerEventHandlers,
): Promise<NodeJS.ReadableStream> {
  const stream = (await docker.getEvents({
    filters: { label: [`nubo.manager=${managerId}`], event: ['die', 'oom'] },
  })) as NodeJS.ReadableStream;
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      const event = JSON.parse(line) as { Action?: string; Actor?: { Attributes?: Record<string, string> } };
      const attributes = event.Actor?.Attributes ?? {};
      const workerId = attributes['nubo.worker'];
      if (!workerId) continue;
      if (event.Action === 'oom') handlers.outOfMemory(workerId);
      else if (event.Action === 'die') handlers.died(workerId, Number(attributes.exitCode ?? Number.NaN));
    }
  });
  // The engine went away: exits are then noticed when calls to the workers fail.
  stream.on('error', () => undefined);
  return stream;
}
