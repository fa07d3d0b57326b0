// The parts a stream connection is made of (src/stream/): the inbox pauses reading at its limits
// and resumes at half of them; liveness pings a quiet peer and gives up on one that did not answer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Inbox } from '../../src/stream/inbox.js';
import { Liveness } from '../../src/stream/keepalive.js';
import type { StreamCommand } from '../../src/stream/messages.js';

/** Records pause/resume calls; nothing else of a socket is used. */
function fakeSocket() {
  const calls: string[] = [];
  const socket = { pause: () => calls.push('pause'), resume: () => calls.push('resume') } as unknown as ConstructorParameters<typeof Inbox>[0];
  return { socket, calls };
}

const command: StreamCommand = { kind: 'state', id: undefined };

describe('Inbox', () => {
  it('pauses reading at maxPendingFrames and resumes once at most half wait', () => {
    const { socket, calls } = fakeSocket();
    const inbox = new Inbox(socket, { maxPendingFrames: 4, maxPendingBytes: 1_000_000 });
    for (let i = 0; i < 3; i++) inbox.push(command, 10);
    assert.deepEqual(calls, []);
    inbox.push(command, 10);
    assert.deepEqual(calls, ['pause']);
    assert.equal(inbox.readingPaused, true);
    inbox.take(1);
    inbox.resumeIfDrained();
    assert.deepEqual(calls, ['pause'], '3 waiting is more than half of 4');
    inbox.take(1);
    inbox.resumeIfDrained();
    assert.deepEqual(calls, ['pause', 'resume']);
    assert.equal(inbox.readingPaused, false);
  });

  it('pauses at maxPendingBytes too, and counts bytes put back', () => {
    const { socket, calls } = fakeSocket();
    const inbox = new Inbox(socket, { maxPendingFrames: 100, maxPendingBytes: 100 });
    inbox.push(command, 60);
    inbox.push(command, 40);
    assert.deepEqual(calls, ['pause']);
    const taken = inbox.take(2);
    assert.equal(taken.length, 2);
    inbox.putBack(taken);
    assert.equal(inbox.length, 2);
    inbox.resumeIfDrained();
    assert.deepEqual(calls, ['pause'], 'the bytes put back still count');
    inbox.clear();
    assert.deepEqual(calls, ['pause', 'resume'], 'clearing reads again');
    assert.equal(inbox.length, 0);
  });
});

describe('Liveness', () => {
  it('a peer heard from each tick is never pinged', () => {
    const liveness = new Liveness();
    for (let i = 0; i < 3; i++) {
      liveness.heard();
      assert.equal(liveness.tick(), 'alive');
    }
  });

  it('a quiet peer is pinged, then dropped unless it answers', () => {
    const liveness = new Liveness();
    assert.equal(liveness.tick(), 'alive', 'heard at the start');
    assert.equal(liveness.tick(), 'ping');
    assert.equal(liveness.tick(), 'dead');
    const answering = new Liveness();
    answering.tick();
    assert.equal(answering.tick(), 'ping');
    answering.heard(); // the pong
    assert.equal(answering.tick(), 'alive');
  });
});
