// The yardstick of bench/stream.ts: a bare `ws` server that sends every message back as it
// came, in its own process like the real server. Prints `listening <port>` once ready.
import { WebSocketServer } from 'ws';

const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
server.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
});
server.on('listening', () => {
  const address = server.address();
  if (typeof address === 'object' && address !== null) console.log(`listening ${address.port}`);
});
process.on('SIGTERM', () => process.exit(0));
