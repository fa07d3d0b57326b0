// Token models: a prompt and the sampling controls; the text arrives token by token over a
// WebSocket stream (a `token` message per token), on a session deleted afterwards.
import type { AppState } from './app-state.js';
import { byId, describeError } from './app-state.js';

export function setUpGeneratePanel(state: AppState): void {
  const button = byId<HTMLButtonElement>('generate');
  const output = byId<HTMLPreElement>('generated');
  const info = byId<HTMLParagraphElement>('generate-info');
  const number = (id: string): number | undefined => {
    const raw = byId<HTMLInputElement>(id).value.trim();
    return raw === '' ? undefined : Number(raw);
  };

  button.addEventListener('click', async () => {
    const model = state.model;
    if (model === undefined) return;
    const prompt = byId<HTMLTextAreaElement>('prompt').value;
    const promptSpan = output.querySelector<HTMLSpanElement>('.prompt')!;
    const textSpan = output.querySelector<HTMLSpanElement>('.text')!;
    promptSpan.textContent = prompt;
    textSpan.textContent = '';
    output.dataset.done = 'false';
    info.textContent = 'generating…';
    button.disabled = true;
    const options = {
      max_tokens: number('max-tokens') ?? 16,
      temperature: number('temperature') ?? 1,
      top_k: number('top-k') ?? 0,
      top_p: number('top-p') ?? 1,
      ...(number('seed') !== undefined ? { seed: number('seed')! } : {}),
    };
    let count = 0;
    try {
      const stream = await state.client.stream(model.name);
      try {
        const started = performance.now();
        const answer = await stream.generate({ text: prompt }, options, (token) => {
          textSpan.textContent += token.token;
          count++;
          info.textContent = `${count} tokens…`;
        });
        const seconds = (performance.now() - started) / 1000;
        info.textContent = `${count} tokens in ${seconds.toFixed(2)} s, finish: ${answer.finish_reason}, seed ${answer.seed}, session t = ${answer.t}`;
        info.dataset.seed = String(answer.seed);
      } finally {
        await stream.close();
      }
    } catch (error) {
      info.textContent = describeError(error);
    } finally {
      output.dataset.done = 'true';
      button.disabled = false;
    }
  });
}
