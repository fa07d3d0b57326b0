// A TCP proxy in front of a server that a test can cut, to drop a client's connection at a
// chosen point without touching the server: `hold('up')` keeps what the client sends from
// reaching the server (so it is never applied), `hold('down')` keeps the server's replies from
// reaching the client (so they are applied but lost), and `cut()` destroys every connection,
// dropping what was held. New connections are forwarded as usual afterwards.
import net from 'node:net';

export class CuttableProxy {
  port = 0;
  /** Connections accepted so far. */
  accepted = 0;
  private server: net.Server | undefined;
  private readonly pairs = new Set<{ client: net.Socket; upstream: net.Socket; held: Set<'up' | 'down'> }>();

  constructor(private readonly targetPort: number) {}

  async start(): Promise<void> {
    const server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Stops forwarding one direction of every live connection ('up': client to server). */
  hold(direction: 'up' | 'down'): void {
    for (const pair of this.pairs) pair.held.add(direction);
  }

  /** Destroys every live connection (the client sees the connection drop, 1006). */
  cut(): void {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  async stop(): Promise<void> {
    this.cut();
    const server = this.server;
    this.server = undefined;
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  private accept(client: net.Socket): void {
    this.accepted++;
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    const pair = { client, upstream, held: new Set<'up' | 'down'>() };
    this.pairs.add(pair);
    client.on('data', (chunk) => (pair.held.has('up') ? undefined : upstream.write(chunk)));
    upstream.on('data', (chunk) => (pair.held.has('down') ? undefined : client.write(chunk)));
    const close = (): void => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  }
}
