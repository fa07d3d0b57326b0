// A JSON stream step's own costs in the server, in one process, for LSTM(32, 128)'s frames: reading
// {"x":[32 numbers]} (the full path: UTF-8 decode, JSON.parse, the envelope checks and the input
// codec; against the native reader of src/stream/fast-element.ts, then the same codec), and making
// the 128-value output reply (its text, then framed; against outputFrame, built in the frame's
// bytes). The ways alternate, ROUNDS times each; the table gives each one's median. Both need the
// native addon (without it the server takes the full paths). Run with `npx tsx bench/stream-json.ts`.
import { decodeSequence } from '../src/codec/inputs.js';
import type { ServedModel } from '../src/service/served-model.js';
import { fastElementParsing, parseFastElement } from '../src/stream/fast-element.js';
import { textFrame } from '../src/stream/frames.js';
import { parseTextFrame, type StreamCommand } from '../src/stream/messages.js';
import { outputFrame, outputReply } from '../src/stream/replies.js';

const CALLS = Number(process.env.CALLS ?? 100_000);
const ROUNDS = 7;

if (!fastElementParsing) throw new Error('the native addon is not built (npm run build:native): nothing to compare');

const model = { name: 'bench', inputSize: 32, outputSize: 128, vocabIndex: undefined, inputNormalization: undefined } as unknown as ServedModel;
const limits = { maxSequenceLength: 100_000 };
// The frame bench/stream.ts sends: float32 values printed as the doubles they are.
const x = Array.from({ length: 32 }, (_, i) => Math.fround(Math.sin(i * 1.7) * 0.9));
const frame = Buffer.from(JSON.stringify({ x }));
const outputs = Float32Array.from({ length: 128 }, (_, i) => Math.tanh(i * 0.37 - 20) * 0.7);

const decoded = (command: StreamCommand | undefined) => decodeSequence(model, (command as { input: Parameters<typeof decodeSequence>[1] }).input, limits);
const ways: Record<string, () => unknown> = {
  'read: toString, parseTextFrame, codec': () => decoded(parseTextFrame(frame.toString('utf8'), false)),
  'read: parseFastElement, codec': () => decoded(parseFastElement(frame, model)),
  'reply: textFrame(outputReply)': () => textFrame(outputReply(1234, outputs, undefined)),
  'reply: outputFrame': () => outputFrame(1234, outputs, undefined),
};

const times: Record<string, number[]> = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, way] of Object.entries(ways)) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < CALLS; i++) way();
    (times[name] ??= []).push(Number(process.hrtime.bigint() - start) / CALLS / 1000);
  }
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`A ${frame.length}-byte {"x"} frame and a 128-value output reply, ${CALLS} calls x ${ROUNDS} rounds, median per call:\n`);
console.log('| way | µs |');
console.log('| --- | ---: |');
for (const [name, values] of Object.entries(times)) console.log(`| ${name} | ${median(values).toFixed(2)} |`);
