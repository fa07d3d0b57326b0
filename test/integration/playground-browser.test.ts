// The playground in a real browser: Debian's chromium (/usr/bin/chromium, or CHROMIUM_PATH)
// driven by playwright-core against a real server process with API keys on the bundled models.
// The page gets the key from its key field; it generates text over a stream token by token, draws
// a forecast of a CSV column, and inspects a session; what it shows is checked against the REST
// API's own answers. PLAYGROUND_SCREENSHOTS=<dir> saves the README's screenshots there (docs/images).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { missingTool } from '../helpers/system-tools.js';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Client } from '../../clients/typescript/src/index.js';
import { findPlaygroundDir } from '../../src/plugins/playground.js';
import { bundledModelsOnly } from '../helpers/bundled-models.js';
import { ServerProcess } from '../helpers/server-process.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const API_KEY = 'playground-test-key';

describe('the playground in chromium', { skip: missingTool('chromium', existsSync(CHROMIUM), 'apt-get install -y chromium, or set CHROMIUM_PATH') }, () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  let api: Client;
  const pageErrors: string[] = [];
  const bundled = bundledModelsOnly();

  before(async () => {
    assert.ok(findPlaygroundDir(), 'the playground is built (npm run build:playground; npm test does it)');
    assert.ok(existsSync(CHROMIUM), `chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
    server = await ServerProcess.start({ MODELS_DIR: bundled.dir, API_KEYS: API_KEY });
    api = new Client(server.baseUrl, { apiKey: API_KEY });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    bundled.cleanup();
  });

  it('is linked from / and answers at /playground/', async () => {
    const root = (await (await fetch(`${server.baseUrl}/`)).json()) as { playground?: string };
    assert.equal(root.playground, '/playground/');
    const response = await page.goto(`${server.baseUrl}/playground`);
    assert.equal(response?.status(), 200);
    assert.equal(await page.title(), 'rnn-serve playground');
  });

  it('without a key it says UNAUTHORIZED; with the key it lists the ready models', async () => {
    await page.locator('#status').filter({ hasText: 'UNAUTHORIZED' }).waitFor();
    await page.fill('#api-key', API_KEY);
    await page.dispatchEvent('#api-key', 'change');
    await page.locator('#status').filter({ hasText: 'models ready' }).waitFor();
    const options = await page.locator('#model option').allTextContents();
    assert.deepEqual([...options].sort(), ['co2-lstm', 'kjv-char-gru', 'min-char-rnn']);
  });

  it('generates text token by token over the stream: the text REST generate gives for that seed', async () => {
    await page.selectOption('#model', 'kjv-char-gru');
    assert.equal(await page.isVisible('#generate-panel'), true);
    assert.equal(await page.isVisible('#forecast-panel'), false);
    await page.fill('#prompt', 'And God said, ');
    await page.fill('#max-tokens', '120');
    await page.fill('#temperature', '0.7');
    await page.fill('#top-k', '20');
    await page.fill('#top-p', '0.95');
    await page.fill('#seed', '7');
    // Watch the text grow: more than one distinct length seen before the end means it streamed.
    // (Page code as a string: this file is typed for Node, without the DOM's names.)
    await page.evaluate(`{
      const text = document.querySelector('#generated .text');
      window.lengthsSeen = new Set();
      new MutationObserver(() => window.lengthsSeen.add(text.textContent.length)).observe(text, { childList: true, characterData: true, subtree: true });
    }`);
    await page.click('#generate');
    await page.locator('#generated[data-done="true"]').waitFor();
    const shown = await page.locator('#generated .text').textContent();
    const expected = await api.generate('kjv-char-gru', { text: 'And God said, ' }, { max_tokens: 120, temperature: 0.7, top_k: 20, top_p: 0.95, seed: 7 });
    assert.equal(shown, expected.text);
    assert.match((await page.locator('#generate-info').textContent()) ?? '', /^120 tokens in .* finish: length, seed 7, session t = 134$/);
    const lengths = await page.evaluate<number>('window.lengthsSeen.size');
    assert.ok(lengths > 10, `the text arrived in pieces (${lengths} lengths seen)`);
  });

  it('draws the history, the one-step predictions and a forecast of a CSV column', async () => {
    await page.selectOption('#model', 'co2-lstm');
    assert.equal(await page.isVisible('#generate-panel'), false);
    await page.click('#csv-example');
    await page.locator('#column option', { hasText: 'co2_ppm' }).waitFor({ state: 'attached' });
    await page.fill('#horizon', '6');
    await page.click('#forecast');
    await page.locator('#forecast-plot[data-done="true"]').waitFor();
    const info = page.locator('#forecast-info');
    const shown = JSON.parse((await info.getAttribute('data-forecast')) ?? 'null') as number[];
    const csv = await (await fetch(`${server.baseUrl}/playground/co2-weekly.csv`)).text();
    const history = csv.trim().split('\n').slice(1).map((line) => [Number(line.split(',')[1])]);
    const expected = await api.forecast('co2-lstm', history, 6);
    assert.deepEqual(shown, expected.map((row) => row[0]));
    assert.match((await info.textContent()) ?? '', /^history 17 steps; one-step RMSE [\d.]+ after step 4; forecast: (\d+\.\d\d, ){5}\d+\.\d\d$/);
    // uPlot drew a canvas and a legend with the three lines.
    assert.equal(await page.locator('#forecast-plot canvas').count(), 1);
    const legend = await page.locator('#forecast-plot .u-legend .u-series .u-label').allTextContents();
    assert.deepEqual(legend.filter((label) => label !== 'step'), ['co2_ppm', 'one-step prediction', 'forecast (6)']);
  });

  it('inspects a session: t and the norm of h and c per layer after every element', async () => {
    await page.click('#inspect');
    await page.locator('#inspector-plot[data-done="true"]').waitFor();
    assert.equal(await page.locator('#inspector-t').textContent(), 't = 12');
    const header = await page.locator('#inspector-table thead th').allTextContents();
    assert.deepEqual(header, ['t', '|h0|', '|c0|']);
    const rows = await page.locator('#inspector-table tbody tr').count();
    assert.equal(rows, 12);
    // The last row's norms are those of the session's final state over REST.
    const values = '368.2; 368.0; 367.4; 367.4; 367.8; 367.6; 368.1; 368.7; 368.7; 368.8; 369.7; 370.3'.split('; ').map((v) => [Number(v)]);
    const { state } = await api.predict('co2-lstm', values);
    const norm = (row: number[]): string => Math.sqrt(row.reduce((sum, v) => sum + v * v, 0)).toFixed(4);
    const last = await page.locator('#inspector-table tbody tr').last().locator('td').allTextContents();
    assert.deepEqual(last, ['12', norm(state.h[0]!), norm(state.c![0]!)]);

    const screenshots = process.env.PLAYGROUND_SCREENSHOTS;
    if (screenshots) {
      await page.click('#forecast');
      await page.locator('#forecast-plot[data-done="true"]').waitFor();
      await page.screenshot({ path: `${screenshots}/playground.png`, fullPage: true });
      await page.selectOption('#model', 'kjv-char-gru');
      await page.click('#generate');
      await page.locator('#generated[data-done="true"]').waitFor();
      await page.click('#inspect');
      await page.locator('#inspector-plot[data-done="true"]').waitFor();
      await page.locator('#generate-panel').screenshot({ path: `${screenshots}/playground-generate.png` });
    }
  });

  it('raised no error in the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
