// Client strings quoted in error messages (an unknown field's name, a token outside the
// vocabulary), shortened: a message names what was wrong, it does not echo a megabyte back.
const MAX_QUOTED = 40;

export function quoteForMessage(text: string): string {
  return JSON.stringify(text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text);
}
