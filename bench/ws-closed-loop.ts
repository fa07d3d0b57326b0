// WebSocket streams in a closed loop for the capacity bench: `sockets` connections to a model's
// stream route (each its own session), each sending the next single-element frame when the
// reply to the last one arrives. The caller reads counters around its measured window.
import WebSocket from 'ws';

export interface ClosedLoopStreams {
  /** Replies so far. */
  readonly replies: () => number;
  /** Error replies so far (a bench row with any is not a measurement). */
  readonly errors: () => number;
  /** Round trips in milliseconds since the last resetLatencies. */
  readonly latencies: () => number[];
  readonly resetLatencies: () => void;
  close(): Promise<void>;
}

export async function openClosedLoopStreams(url: string, sockets: number, frames: readonly string[]): Promise<ClosedLoopStreams> {
  let replies = 0;
  let errors = 0;
  let latencies: number[] = [];
  let stopped = false;
  const clients = await Promise.all(
    Array.from(
      { length: sockets },
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          const socket = new WebSocket(url, { perMessageDeflate: false });
          socket.once('error', reject);
          socket.once('unexpected-response', (_request, response) => reject(new Error(`${url}: upgrade refused with ${response.statusCode}`)));
          socket.once('message', () => resolve(socket)); // the "ready" message
        }),
    ),
  );
  const loops = clients.map(
    (socket, i) =>
      new Promise<void>((resolve) => {
        let k = i;
        let sentAt = 0;
        const sendNext = (): void => {
          if (stopped) return resolve();
          sentAt = performance.now();
          socket.send(frames[k++ % frames.length]!);
        };
        socket.on('message', (data: Buffer) => {
          replies++;
          latencies.push(performance.now() - sentAt);
          // Replies are {"type":"output"...}; an error reply starts {"type":"error"...}.
          if (data.subarray(0, 20).toString('latin1').includes('"error"')) errors++;
          sendNext();
        });
        socket.once('close', () => resolve());
        sendNext();
      }),
  );
  return {
    replies: () => replies,
    errors: () => errors,
    latencies: () => latencies,
    resetLatencies: () => (latencies = []),
    close: async () => {
      stopped = true;
      await Promise.all(loops);
      await Promise.all(
        clients.map(
          (socket) =>
            new Promise((resolve) => {
              if (socket.readyState === WebSocket.CLOSED) return resolve(undefined);
              socket.once('close', resolve);
              socket.close();
            }),
        ),
      );
    },
  };
}
