// The yardsticks of bench/stream.ts, each a bare `ws` server in its own process like the real
// server. Prints `listening <port>` once ready.
// - By default an echo: every message goes back as it came.
// - With REPLY_TEXT and REPLY_BINARY_BYTES (the bench samples them from the real server): every
//   text message is answered with REPLY_TEXT and every binary one with that many bytes, so the
//   peer sends what the server sends. On loopback the sender's write also pays for the receiver's
//   side of TCP, so a reply twice the size of the echoed frame costs the sender more: this peer
//   is the floor for a server whose replies are that size, whatever it computes.
import { WebSocketServer } from 'ws';

const replyText = process.env.REPLY_TEXT;
const replyBinary = Buffer.alloc(Number(process.env.REPLY_BINARY_BYTES ?? 0), 1);

const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
server.on('connection', (socket) => {
  if (replyText === undefined) {
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  } else {
    socket.on('message', (_data, isBinary) => socket.send(isBinary ? replyBinary : replyText, { binary: isBinary }));
  }
});
server.on('listening', () => {
  const address = server.address();
  if (typeof address === 'object' && address !== null) console.log(`listening ${address.port}`);
});
process.on('SIGTERM', () => process.exit(0));
