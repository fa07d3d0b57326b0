// Stop strings of a generation. The generated text (not the prompt) is watched as tokens are
// appended: as soon as a stop string appears in it, generation ends and the text is cut where
// the stop string begins (as OpenAI does: the stop string is not part of the returned text).
// Vocabulary entries may be several characters long, so a stop string can end inside a token;
// only occurrences that reach into the newest token are searched for, so each is found once.

export interface StopMatch {
  /** The stop string that ended generation. */
  readonly stop: string;
  /** Where it begins in the generated text. */
  readonly at: number;
}

export class StopMatcher {
  private generated = '';
  private match: StopMatch | undefined;

  constructor(private readonly stops: readonly string[]) {}

  /** Appends one token's text; true when a stop string now appears. */
  push(piece: string): boolean {
    const before = this.generated.length;
    this.generated += piece;
    for (const stop of this.stops) {
      const at = this.generated.indexOf(stop, Math.max(0, before - stop.length + 1));
      // Several stop strings may complete at once: the one that begins first wins.
      if (at >= 0 && (this.match === undefined || at < this.match.at)) this.match = { stop, at };
    }
    return this.match !== undefined;
  }

  get stopped(): StopMatch | undefined {
    return this.match;
  }

  /** The generated text, without the stop string and anything after it. */
  get text(): string {
    return this.match === undefined ? this.generated : this.generated.slice(0, this.match.at);
  }
}
