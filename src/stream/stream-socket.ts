// The server-side socket class of the stream routes: `ws`'s WebSocket with one change. `ws`
// enforces maxPayload while a frame arrives (before buffering it), which is what bounds memory,
// but closes with 1009 (Message Too Big); api.md promises 1008 for a frame over the size limit.
// `ws` closes through this.close(code), so overriding close is the documented way to change it
// (WebSocketServer's `WebSocket` option takes a subclass).
import WebSocket from 'ws';

const MESSAGE_TOO_BIG = 1009;
const POLICY_VIOLATION = 1008;

export function streamSocketClass(maxFrameBytes: number) {
  return class StreamSocket extends WebSocket {
    override close(code?: number, data?: string | Buffer): void {
      if (code === MESSAGE_TOO_BIG) {
        super.close(POLICY_VIOLATION, `frame larger than ${maxFrameBytes} bytes (BODY_LIMIT_BYTES)`);
      } else {
        super.close(code, data);
      }
    }
  };
}
