// rnn-serve's TypeScript client: `new Client(url, { apiKey })`. See ../README.md.
export { Client, type BatchSequence, type ClientOptions, type SessionOptions } from './client.js';
export { Session } from './session.js';
export { Stream, type GenerateReply, type StepReply, type StreamOptions, type StreamSession, type TokenEvent } from './stream.js';
export { type RefusedUpgrade, type SocketFactory, type SocketLike } from './socket.js';
export * from './errors.js';
export type * from './types.js';
