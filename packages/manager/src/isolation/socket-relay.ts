import { connect, createServer, type AddressInfo, type Server } from 'node:net';

export interface SocketRelay {
  port: number;
  close(): void;
}

/**
 * A TCP port on the node's address that forwards each connection to a worker's Unix socket: how
 * gateways on other machines reach a worker that has no network of the host's. The worker's secret
 * still guards every call.
 */
export function relayToSocket(host: string, socketPath: string): Promise<SocketRelay> {
  const server: Server = createServer((client) => {
    client.setNoDelay(true);
    const worker = connect(socketPath);
    client.pipe(worker).pipe(client);
    const end = () => {
      client.destroy();
      worker.destroy();
    };
    client.on('error', end).once('close', end);
    worker.on('error', end).once('close', end);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () => {
          server.close();
        },
      });
    });
  });
}
