// End-to-end test of the web player in real headless Chromium, driven by playwright-core.
// Usage: node e2e.mjs BASE_URL OUT_DIR [KEYED_BASE_URL API_KEY]
//   BASE_URL        a running `kokoro serve` (fixture model, voices tv_alpha and tv_beta)
//   OUT_DIR         where screenshots and downloaded files go
//   KEYED_BASE_URL  optional second server started with API_KEYS=API_KEY
// Environment: KOKORO_WEB_DEPS = folder holding node_modules/playwright-core.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const require = createRequire(path.resolve(process.env.KOKORO_WEB_DEPS || '.', 'x.js'));
const { chromium } = require('playwright-core');

const [base, outDir, keyedBase, apiKey] = process.argv.slice(2);
if (!base || !outDir) { console.error('usage: node e2e.mjs BASE_URL OUT_DIR [KEYED_BASE_URL API_KEY]'); process.exit(2); }
fs.mkdirSync(outDir, { recursive: true });

const TEXT = 'Hello there. This is the first sentence of the test! And here is a second one, a little longer.';
let passed = 0;
let failed = 0;
function check(cond, what, extra) {
  if (cond) { passed++; console.log('ok   ' + what); } else { failed++; console.log('FAIL ' + what + (extra !== undefined ? ': ' + JSON.stringify(extra) : '')); }
  return cond;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function launch(opts) {
  // A fresh profile per browser, inside OUT_DIR so a failed run leaves nothing elsewhere.
  const dir = fs.mkdtempSync(path.join(outDir, 'profile-'));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    acceptDownloads: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    ...opts,
  });
  return { ctx, dir };
}
async function close(b) {
  await b.ctx.close();
  fs.rmSync(b.dir, { recursive: true, force: true });
}

// Every request the page makes must stay on the server's origin.
function watchOrigin(page, origin, foreign) {
  page.on('request', (r) => {
    const u = r.url();
    if (u.startsWith('blob:') || u.startsWith('data:')) return;
    if (new URL(u).origin !== origin) foreign.push(u);
  });
}

async function waitFor(page, fn, arg, ms = 30000) {
  try { await page.waitForFunction(fn, arg, { timeout: ms, polling: 50 }); return true; } catch (e) { return false; }
}

async function generateAndCheck(page, label, fmt, captions, useKeyboard) {
  await page.selectOption('#format', fmt);
  await page.setChecked('#captions', captions);
  await page.evaluate(() => {
    window.__words = 0;
    document.addEventListener('kokoro:word', () => { window.__words++; });
  });
  if (useKeyboard) { await page.focus('#text'); await page.keyboard.press('Control+Enter'); } else await page.click('#generate');

  const started = await waitFor(page, () => +(document.getElementById('output').dataset.bytes || 0) > 0);
  check(started, label + ': audio bytes arrive', await page.textContent('#error'));
  // Playback: the position shown to the user advances while the sink plays.
  const okPos = await waitFor(page, () => +(document.getElementById('output').dataset.position || 0) > 0.05);
  const p1 = +(await page.getAttribute('#output', 'data-position') || 0);
  await sleep(400);
  const p2 = +(await page.getAttribute('#output', 'data-position') || 0);
  check(okPos && p2 > p1, label + ': playback position advances (' + p1 + ' -> ' + p2 + ' s)');
  const done = await waitFor(page, () => document.getElementById('output').dataset.state === 'done', null, 60000);
  check(done, label + ': generation finishes', await page.textContent('#status'));
  check(!(await page.isVisible('#error')), label + ': no error shown', await page.textContent('#error'));
  if (captions) {
    const spans = await page.$$eval('#words span', (s) => s.map((x) => x.textContent));
    check(spans.length >= 5, label + ': transcript words rendered', spans);
    const ok = await waitFor(page, () => window.__words >= 2, null, 20000);
    check(ok, label + ': word-highlight events fire', await page.evaluate(() => window.__words));
  }
}

async function download(page, name) {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 10000 }), page.click('#download')]);
  const file = path.join(outDir, name);
  await dl.saveAs(file);
  return { file, data: fs.readFileSync(file), suggested: dl.suggestedFilename() };
}

async function main() {
  const origin = new URL(base).origin;
  const foreign = [];
  const b = await launch({ viewport: { width: 1280, height: 900 } });
  const page = b.ctx.pages()[0] || await b.ctx.newPage();
  watchOrigin(page, origin, foreign);
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  // Page weight: everything fetched under /web/ while loading.
  const weights = new Map();
  page.on('response', async (r) => {
    if (new URL(r.url()).pathname.startsWith('/web/')) {
      try { weights.set(r.url(), (await r.body()).length); } catch (e) { /* redirect bodies are empty */ }
    }
  });
  const resp = await page.goto(base + '/web', { waitUntil: 'load' });
  check(resp && resp.ok() && new URL(page.url()).pathname === '/web/', '/web redirects to /web/ and loads', page.url());
  check(await waitFor(page, () => document.body.dataset.ready === '1'), 'page initialises');
  await sleep(200);
  const weight = [...weights.values()].reduce((a, c) => a + c, 0);
  check(weights.size >= 3 && weight < 100 * 1024, 'page weight ' + weight + ' bytes (' + weights.size + ' files) < 100 KB', [...weights.keys()]);

  const voices = await page.$$eval('#voice option', (o) => o.map((x) => x.value));
  check(voices.includes('tv_alpha') && voices.includes('tv_beta'), 'fixture voices listed', voices);
  const count = await page.textContent('#count');
  check(/\d+ \/ \d+ characters/.test(count), 'character count shows the server limit', count);
  await page.screenshot({ path: path.join(outDir, 'desktop-initial.png'), fullPage: true });

  // Mix two voices.
  await page.fill('#text', TEXT);
  await page.selectOption('#lang', 'a');
  await page.selectOption('#voice', 'tv_alpha');
  await page.click('#add-voice');
  await page.selectOption('#voice', 'tv_beta');
  await page.click('#add-voice');
  await page.fill('input[data-voice="tv_alpha"]', '2');
  const expr = await page.textContent('#mix-expr');
  check(expr === 'voice = tv_alpha(2)+tv_beta(1)', 'mixer builds the mix expression', expr);
  await page.fill('#speed', '1.25');
  check((await page.textContent('#speed-out')) === '1.25×', 'speed slider shows its value');

  const bodies = [];
  page.on('request', (r) => { if (r.method() === 'POST') bodies.push({ url: r.url(), body: r.postDataJSON() }); });

  // 1) Captioned speech as raw PCM through Web Audio, started from the keyboard.
  await generateAndCheck(page, 'pcm+captions', 'pcm', true, true);
  const sent = bodies.find((x) => x.url.endsWith('/v1/audio/speech'));
  check(sent && sent.body.voice === 'tv_alpha(2)+tv_beta(1)' && sent.body.lang_code === 'a' && sent.body.speed === 1.25 &&
    sent.body.response_format === 'pcm' && sent.body.normalization_options.normalize === true,
  'request carries mix, language, speed, format and normalisation options', sent && sent.body);
  check(sent && sent.body.stream_format === 'sse' && sent.body.include[0] === 'word_timestamps',
    'word highlighting comes from the SSE word events of /v1/audio/speech', sent && sent.body);
  check((await page.textContent('#sink')).includes('Web Audio'), 'pcm plays through Web Audio');
  await page.screenshot({ path: path.join(outDir, 'desktop-generated.png'), fullPage: true });
  const pcm = await download(page, 'download.pcm');
  const bytes = +(await page.getAttribute('#output', 'data-bytes'));
  check(pcm.suggested === 'speech.pcm' && pcm.data.length === bytes && pcm.data.length % 2 === 0 && pcm.data.length > 4800,
    'Download gives the PCM stream (' + pcm.data.length + ' bytes)');
  check(await waitFor(page, () => { const a = document.getElementById('player'); return a.src && isFinite(a.duration) && a.duration > 0; }),
    'finished audio is loaded into the seekable player');

  // Clicking a word seeks the finished file there and plays it from the element.
  const words = await page.$$eval('#words span', (sp) => sp.map((x) => +x.dataset.start));
  const pick = Math.min(3, words.length - 1);
  await page.click('#words span:nth-of-type(' + (pick + 1) + ')');
  const seeked = await waitFor(page, (t) => { const a = document.getElementById('player'); return !a.paused && a.currentTime >= t - 0.05; }, words[pick], 5000);
  check(seeked, 'clicking a word plays the file from that word (' + words[pick] + ' s)');
  await page.click('#stop');
  check(await waitFor(page, () => document.getElementById('player').paused, null, 3000), 'Stop pauses the player');

  // Stop while playing: the shown position freezes and no error appears.
  await page.selectOption('#format', 'pcm');
  await page.setChecked('#captions', false);
  await page.fill('#text', (TEXT + ' ').repeat(6));
  await page.click('#generate');
  await waitFor(page, () => +(document.getElementById('output').dataset.position || 0) > 0.2);
  await page.keyboard.press('Escape');
  await sleep(150);
  const s1 = await page.getAttribute('#output', 'data-position');
  await sleep(500);
  const s2 = await page.getAttribute('#output', 'data-position');
  check(s1 === s2 && !(await page.isVisible('#error')) && (await page.isDisabled('#stop')), 'Esc stops playback (position stays at ' + s1 + ' s)', [s1, s2]);
  await page.fill('#text', TEXT);

  // 2) Plain /v1/audio/speech as WAV, streamed through Web Audio after its header.
  await generateAndCheck(page, 'wav', 'wav', false, false);
  const wav = await download(page, 'download.wav');
  const d = wav.data;
  check(d.length > 44 && d.toString('latin1', 0, 4) === 'RIFF' && d.toString('latin1', 8, 12) === 'WAVE' &&
    d.readUInt16LE(22) === 1 && d.readUInt32LE(24) === 24000 && d.readUInt16LE(34) === 16,
  'Download gives a valid 24 kHz mono 16-bit WAV (' + d.length + ' bytes)');

  // 3) mp3 through MediaSource, where the server has an mp3 encoder.
  const probe = await fetch(base + '/v1/audio/speech', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ input: 'Probe.', voice: 'tv_alpha', lang_code: 'a', response_format: 'mp3', stream: false }),
  });
  if (probe.ok) {
    await generateAndCheck(page, 'mp3', 'mp3', true, false);
    check((await page.textContent('#sink')).includes('MediaSource'), 'mp3 streams through MediaSource');
    const mp3 = await download(page, 'download.mp3');
    const m = mp3.data;
    check(m.length > 100 && (m.toString('latin1', 0, 3) === 'ID3' || (m[0] === 0xff && (m[1] & 0xe0) === 0xe0)), 'Download gives an MP3 file');
  } else {
    console.log('note: the server has no mp3 encoder yet (' + probe.status + '), mp3 playback not exercised');
  }

  // Dialogue editor: two speakers, a pause, word highlighting from the SSE events of /dev/dialogue.
  await page.check('#dialogue-mode');
  check(await page.isVisible('#dialogue') && !(await page.isVisible('#text')), 'dialogue mode shows the turn editor');
  check((await page.$$('#turns li')).length === 2, 'the editor starts with two turns');
  await page.selectOption('select[data-turn-voice="0"]', 'tv_alpha');
  await page.selectOption('select[data-turn-voice="1"]', 'tv_beta');
  await page.fill('input[data-turn-text="0"]', 'Good morning, how are you today?');
  await page.fill('input[data-turn-text="1"]', 'Very well, thank you for asking.');
  await page.click('#add-turn');
  check((await page.$$('#turns li')).length === 3, 'Add turn adds a turn');
  await page.fill('input[data-turn-text="2"]', 'Removed again.');
  await page.click('#turns li:nth-child(3) button.remove');
  check((await page.$$('#turns li')).length === 2, 'a turn can be removed');
  await page.fill('#pause', '0.4');
  await page.fill('#speed', '1');
  await generateAndCheck(page, 'dialogue', 'pcm', true, false);
  const dsent = bodies.find((x) => x.url.endsWith('/dev/dialogue'));
  check(dsent && dsent.body.turns.length === 2 && dsent.body.turns[0].voice === 'tv_alpha' && dsent.body.turns[1].voice === 'tv_beta' &&
    dsent.body.turns[1].text === 'Very well, thank you for asking.' && dsent.body.pause_between_turns === 0.4 && dsent.body.stream_format === 'sse',
  'the dialogue goes to /dev/dialogue with its turns, voices and pause', dsent && dsent.body);
  const dwords = await page.$$eval('#words span', (s) => s.map((x) => x.textContent));
  check(dwords.includes('morning') && dwords.includes('thank'), 'both turns appear as highlighted words', dwords);
  await page.screenshot({ path: path.join(outDir, 'desktop-dialogue.png'), fullPage: true });
  await page.fill('input[data-turn-text="1"]', '   ');
  await page.click('#generate');
  check(await waitFor(page, () => !document.getElementById('error').hidden, null, 5000) &&
    (await page.textContent('#error')).includes('Turn 2'), 'a blank turn is refused in the page');
  await page.uncheck('#dialogue-mode');
  check(await page.isVisible('#text'), 'leaving dialogue mode shows the text box again');

  // SSML toggle: turns voice tags on with it, and the request carries both.
  await page.check('#ssml');
  check(await page.isChecked('#tags'), 'SSML switches voice tags on');
  await page.fill('#text', "<speak>Hello <break time='300ms'/> <voice name='tv_beta'>from the other voice</voice>.</speak>");
  await generateAndCheck(page, 'ssml', 'wav', false, false);
  const ssent = bodies.filter((x) => x.url.endsWith('/v1/audio/speech')).pop();
  check(ssent && ssent.body.ssml === true && ssent.body.allow_voice_tags === true, 'SSML request has ssml and allow_voice_tags', ssent && ssent.body);
  await page.uncheck('#tags');
  check(!(await page.isChecked('#ssml')), 'voice tags off switches SSML off');
  await page.fill('#text', TEXT);

  // Phonemes.
  await page.click('#phonemize');
  check(await waitFor(page, () => document.getElementById('phonemes').textContent.length > 3, null, 10000),
    'phoneme view shows phonemes', await page.textContent('#error'));
  const sum = await page.textContent('#tokens-sum');
  check(/^[1-9]\d* token ids/.test(sum), 'phoneme view shows the token ids', sum);

  // A bad request (a voice the server does not have) shows the server's own message.
  const bad = { model: 'kokoro', input: TEXT, voice: 'zz_nobody', response_format: 'wav', speed: 1, stream: true, lang_code: 'a' };
  const badRes = await fetch(base + '/v1/audio/speech', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(bad) });
  const badJson = await badRes.json().catch(() => ({}));
  const serverMsg = (badJson.error && badJson.error.message) || (badJson.detail && (badJson.detail.message || badJson.detail)) || '';
  await page.click('#mix-clear');
  await page.evaluate(() => { const s = document.getElementById('voice'); s.add(new Option('zz_nobody', 'zz_nobody')); s.value = 'zz_nobody'; });
  await page.click('#generate');
  const shown = await waitFor(page, () => !document.getElementById('error').hidden, null, 10000);
  const errText = shown ? await page.textContent('#error') : '';
  check(badRes.status >= 400 && badRes.status < 500 && serverMsg && errText.includes(String(serverMsg).slice(0, 60)) && errText.includes('HTTP ' + badRes.status),
    'a bad request shows the API error text', { errText, serverMsg });
  await page.screenshot({ path: path.join(outDir, 'desktop-error.png'), fullPage: true });

  // Phone width, light and dark.
  const phone = await b.ctx.newPage();
  watchOrigin(phone, origin, foreign);
  await phone.setViewportSize({ width: 390, height: 844 });
  await phone.goto(base + '/web/');
  await waitFor(phone, () => document.body.dataset.ready === '1');
  await phone.fill('#text', TEXT);
  await phone.selectOption('#lang', 'a');
  await phone.selectOption('#voice', 'tv_alpha');
  await phone.click('#add-voice');
  await phone.selectOption('#voice', 'tv_beta');
  await phone.click('#add-voice');
  await generateAndCheck(phone, 'phone pcm+captions', 'pcm', true, false);
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, 'no horizontal scrolling at phone width', overflow);
  await phone.screenshot({ path: path.join(outDir, 'phone-light.png'), fullPage: true });
  await phone.emulateMedia({ colorScheme: 'dark' });
  await phone.screenshot({ path: path.join(outDir, 'phone-dark.png'), fullPage: true });
  await phone.close();

  check(consoleErrors.length === 0, 'no uncaught page errors', consoleErrors);
  await close(b);

  // API keys: the page asks for the key, stores it and sends it as a Bearer token.
  if (keyedBase) {
    const k = await launch({ viewport: { width: 1000, height: 800 } });
    const kp = k.ctx.pages()[0] || await k.ctx.newPage();
    watchOrigin(kp, new URL(keyedBase).origin, foreign);
    const auth = [];
    kp.on('request', (r) => { if (r.url().includes('/v1/')) auth.push(r.headers().authorization || ''); });
    await kp.goto(keyedBase + '/web/');
    const asked = await waitFor(kp, () => document.getElementById('key-dialog').open, null, 10000);
    check(asked, 'a 401 opens the API-key prompt');
    await kp.screenshot({ path: path.join(outDir, 'desktop-api-key.png') });
    if (asked) {
      await kp.fill('#key-input', apiKey);
      await kp.click('#key-dialog button[value=save]');
      check(await waitFor(kp, () => document.body.dataset.ready === '1', null, 10000), 'page loads after the key is given');
      const vs = await kp.$$eval('#voice option', (o) => o.map((x) => x.value));
      check(vs.includes('tv_alpha'), 'voices listed with the key', vs);
      check(auth.includes('Bearer ' + apiKey), 'the key is sent as a Bearer token', auth);
      check(await kp.evaluate(() => localStorage.getItem('kokoro.apiKey')) === apiKey, 'the key is kept in localStorage');
    }
    await close(k);
  }

  check(foreign.length === 0, 'no request leaves the server origin', foreign);
  console.log(passed + ' passed, ' + failed + ' failed');
  process.exit(failed ? 1 : 0);
}

main().catch((e) => { console.error(e); console.log(passed + ' passed, ' + (failed + 1) + ' failed'); process.exit(1); });
