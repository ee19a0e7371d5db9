// The official OpenAI Node SDK against `kokoro serve`: stream_format "sse" decoded with the SDK's
// own SSE reader (Stream.fromSSEResponse) must give the same audio bytes as stream_format "audio"
// for the same request and seed, in every response format; speech.word events arrive in order
// before the audio that speaks them; speech.audio.done carries usage.
// usage: node sse.mjs PORT
import OpenAI from 'openai';
import { Stream } from 'openai/streaming';

const port = process.argv[2];
const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'unused', maxRetries: 0 });
const input = 'The quick brown fox jumps over the lazy dog. A second sentence follows here! And a third one?';
let failures = 0;
const check = (ok, what) => {
  if (!ok) { failures++; console.log(`FAIL: ${what}`); }
};

async function viaSSE(params) {
  const resp = await client.audio.speech.create({ ...params, stream_format: 'sse' });
  check(resp.headers.get('content-type') === 'text/event-stream', `sse content-type ${resp.headers.get('content-type')}`);
  const parts = [], words = [], order = [];
  let done = null;
  for await (const ev of Stream.fromSSEResponse(resp, new AbortController())) {
    order.push(ev.type);
    if (ev.type === 'speech.audio.delta') parts.push(Buffer.from(ev.audio, 'base64'));
    else if (ev.type === 'speech.word') words.push(ev);
    else if (ev.type === 'speech.audio.done') done = ev;
  }
  return { audio: Buffer.concat(parts), words, done, order, deltas: parts.length };
}

async function viaAudio(params) {
  const resp = await client.audio.speech.create({ ...params, stream_format: 'audio' });
  return Buffer.from(await resp.arrayBuffer());
}

const base = { model: 'tts-1', voice: 'tv_alpha', input, seed: 42 };
for (const fmt of ['pcm', 'wav', 'mp3', 'opus', 'flac', 'aac']) {
  const p = { ...base, response_format: fmt };
  const s = await viaSSE(p);
  const a = await viaAudio(p);
  check(s.audio.length === a.length, `${fmt}: sse ${s.audio.length} bytes, audio ${a.length} bytes`);
  check(s.audio.equals(a), `${fmt}: sse bytes equal the audio stream's with a fixed seed`);
  check(s.deltas > 1, `${fmt}: several deltas (${s.deltas})`);
  check(s.done && s.order[s.order.length - 1] === 'speech.audio.done', `${fmt}: ends with speech.audio.done`);
  const u = s.done?.usage;
  check(u && u.input_tokens > 0 && u.output_tokens > 0 && u.total_tokens === u.input_tokens + u.output_tokens,
        `${fmt}: usage ${JSON.stringify(u)}`);
  check(s.words.length === 0, `${fmt}: no word events unless asked`);
  console.log(`${fmt}: ${s.deltas} deltas, ${s.audio.length} bytes = audio stream`);
}

// Word events: asked with include (OpenAI style) or return_timestamps (Kokoro-FastAPI style).
for (const extra of [{ include: ['word_timestamps'] }, { return_timestamps: true }]) {
  const s = await viaSSE({ ...base, response_format: 'pcm', ...extra });
  const a = await viaAudio({ ...base, response_format: 'pcm' });
  check(s.audio.equals(a), `${JSON.stringify(extra)}: word events leave the audio as it is`);
  const seconds = s.audio.length / 2 / 24000;
  const spoken = s.words.filter((w) => /\w/.test(w.word)).map((w) => w.word);
  check(spoken.join(' ') === input.replace(/[.!?]/g, '').split(/\s+/).join(' '), `words ${spoken.join(' ')}`);
  let ok = true;
  for (let i = 0; i < s.words.length; i++) {
    const w = s.words[i];
    ok &&= w.start <= w.end && w.end <= seconds + 1e-3 && (i === 0 || w.start >= s.words[i - 1].start);
    ok &&= input.slice(w.text_offset, w.text_offset + w.word.length) === w.word;
  }
  check(ok, `${JSON.stringify(extra)}: word times ordered, inside the audio, text_offset points at the word`);
  // Each chunk's words come before that chunk's audio delta.
  check(s.order[0] === 'speech.word', `${JSON.stringify(extra)}: words lead their audio (${s.order.slice(0, 3)})`);
}

// The seed is what fixes the noise: another seed changes the bytes, not the length.
const s1 = await viaAudio({ ...base, response_format: 'pcm', seed: 1 });
const s2 = await viaAudio({ ...base, response_format: 'pcm', seed: 2 });
check(s1.length === s2.length && !s1.equals(s2), `seed 1 vs 2: same length, other noise`);

// Errors come back as the SDK's APIError.
try {
  await client.audio.speech.create({ ...base, stream_format: 'srt' });
  check(false, 'stream_format srt accepted');
} catch (e) {
  check(e.status === 422, `stream_format srt -> ${e.status}`);
}
if (failures) { console.log(`${failures} failure(s)`); process.exit(1); }
console.log('ok');
