// Kokoro web player: talks only to the server that served this page (relative URLs, so it also
// works behind a reverse proxy that mounts the server under a prefix).
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const url = (path) => new URL(path, location.href);
  const el = {
    text: $('text'), count: $('count'), voice: $('voice'), addVoice: $('add-voice'), lang: $('lang'),
    mixer: $('mixer'), mixRows: $('mix-rows'), mixExpr: $('mix-expr'), mixClear: $('mix-clear'),
    speed: $('speed'), speedOut: $('speed-out'), format: $('format'), captions: $('captions'),
    generate: $('generate'), stop: $('stop'), phonemize: $('phonemize'), status: $('status'),
    error: $('error'), output: $('output'), words: $('words'), clock: $('clock'), sinkLabel: $('sink'),
    player: $('player'), download: $('download'), phonBox: $('phon-box'), phonemes: $('phonemes'),
    tokens: $('tokens'), tokensSum: $('tokens-sum'), server: $('server'), keyButton: $('key-button'), keyDialog: $('key-dialog'),
    keyInput: $('key-input'), tags: $('tags'), ssml: $('ssml'), dialogueMode: $('dialogue-mode'),
    dialogue: $('dialogue'), turns: $('turns'), addTurn: $('add-turn'), pause: $('pause'),
  };

  const LANGS = {
    a: 'American English', b: 'British English', e: 'Spanish', f: 'French', h: 'Hindi',
    i: 'Italian', j: 'Japanese', p: 'Brazilian Portuguese', z: 'Mandarin Chinese',
  };
  const GENDERS = { f: 'female', m: 'male' };
  const MIME = {
    mp3: 'audio/mpeg', opus: 'audio/ogg', aac: 'audio/aac', flac: 'audio/flac', wav: 'audio/wav',
    pcm: 'audio/wav',
  };
  // Formats that MediaSource can take as they arrive; everything else is played once complete.
  const MSE_TYPES = { mp3: 'audio/mpeg', aac: 'audio/aac' };
  const PCM_RATE = 24000;
  const KEY_STORE = 'kokoro.apiKey';

  let maxInput = 0;
  let voiceList = [];
  let job = null;
  let audioCtx = null;
  const blobUrls = [];
  let ticker = 0;

  // ---------- small helpers ----------
  function setStatus(msg) { el.status.textContent = msg; }
  function showError(msg) { el.error.textContent = msg; el.error.hidden = !msg; }
  function fmtTime(t) {
    if (!isFinite(t) || t < 0) t = 0;
    const m = Math.floor(t / 60);
    const s = t - m * 60;
    return m + ':' + (s < 10 ? '0' : '') + s.toFixed(1);
  }
  function fmtBytes(n) { return n < 1024 ? n + ' B' : n < 1048576 ? (n / 1024).toFixed(1) + ' KB' : (n / 1048576).toFixed(2) + ' MB'; }
  function getKey() { try { return localStorage.getItem(KEY_STORE) || ''; } catch (e) { return ''; } }
  function setKey(k) {
    try { if (k) localStorage.setItem(KEY_STORE, k); else localStorage.removeItem(KEY_STORE); } catch (e) { /* storage disabled: key lives for this page only */ }
    memKey = k;
  }
  let memKey = getKey();
  function concat(chunks, total) {
    const out = new Uint8Array(total);
    let o = 0;
    for (const c of chunks) { out.set(c, o); o += c.length; }
    return out;
  }
  function b64bytes(s) {
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  // ---------- HTTP ----------
  // Both error shapes the API uses: OpenAI's {error:{message}} and FastAPI's {detail: ...}.
  function messageOf(j) {
    const d = j.detail;
    return (j.error && (j.error.message || (typeof j.error === 'string' && j.error))) ||
      (typeof d === 'string' && d) ||
      (Array.isArray(d) && d.map((x) => (x && x.loc ? x.loc.join('.') + ': ' : '') + (x && x.msg)).join('; ')) ||
      (d && d.message) || j.message || '';
  }
  async function errorText(res) {
    let body = '';
    try { body = await res.text(); } catch (e) { /* body lost: fall back to the status line */ }
    let msg = '';
    try { msg = messageOf(JSON.parse(body)); } catch (e) { msg = body.trim().slice(0, 400); }
    return (msg || res.statusText || 'Request failed') + ' (HTTP ' + res.status + ')';
  }

  function askKey(reason) {
    return new Promise((resolve) => {
      el.keyInput.value = memKey;
      el.keyDialog.querySelector('p').textContent = reason || 'This server needs an API key. It is kept in this browser only.';
      el.keyDialog.returnValue = '';
      el.keyDialog.addEventListener('close', () => {
        const v = el.keyDialog.returnValue;
        if (v === 'save' && el.keyInput.value.trim()) { setKey(el.keyInput.value.trim()); resolve(true); return; }
        if (v === 'forget') setKey('');
        resolve(false);
      }, { once: true });
      el.keyDialog.showModal();
      el.keyInput.focus();
    });
  }

  async function call(path, init) {
    for (;;) {
      const headers = Object.assign({}, init && init.headers);
      if (memKey) headers.Authorization = 'Bearer ' + memKey;
      const res = await fetch(url(path), Object.assign({}, init, { headers }));
      if (res.status === 401) {
        el.keyButton.hidden = false;
        const why = await errorText(res);
        if (await askKey((memKey ? 'The saved key was refused: ' : 'This server needs an API key: ') + why)) continue;
        throw new Error('An API key is required: ' + why);
      }
      if (!res.ok) throw new Error(await errorText(res));
      return res;
    }
  }
  const postJson = (path, body, signal) => call(path, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal,
  });

  // ---------- voices and mixer ----------
  function groupOf(name) {
    const l = LANGS[name[0]];
    const g = GENDERS[name[1]];
    return l && g && name[2] === '_' ? l + ' · ' + g : 'Other voices';
  }

  async function loadVoices() {
    const res = await call('../v1/audio/voices');
    const j = await res.json();
    const list = (Array.isArray(j) ? j : j.voices || []).map((v) => (typeof v === 'string' ? v : v.id || v.name)).filter(Boolean);
    voiceList = list;
    list.sort();
    const order = Object.keys(LANGS);
    const rank = (n) => { const i = order.indexOf(n[0]); return groupOf(n) === 'Other voices' ? 99 : i * 2 + (n[1] === 'm' ? 1 : 0); };
    const groups = new Map();
    for (const n of list.slice().sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1))) {
      const g = groupOf(n);
      if (!groups.has(g)) groups.set(g, []);
      groups.get(g).push(n);
    }
    el.voice.textContent = '';
    for (const [label, names] of groups) {
      const og = document.createElement('optgroup');
      og.label = label;
      for (const n of names) og.append(new Option(n, n));
      el.voice.append(og);
    }
    if (list.includes('af_heart')) el.voice.value = 'af_heart';
    if (!list.length) el.voice.append(new Option('no voices on the server', ''));
    return list.length;
  }

  const mix = [];
  function mixExpression() {
    if (mix.length === 1) return mix[0].name;
    return mix.map((r, i) => (i ? r.op : '') + r.name + '(' + (+(+r.weight).toFixed(3)) + ')').join('');
  }
  function currentVoice() { return mix.length ? mixExpression() : el.voice.value; }
  function renderMix() {
    el.mixRows.textContent = '';
    mix.forEach((r, i) => {
      const li = document.createElement('li');
      const op = document.createElement('select');
      op.append(new Option('+', '+'), new Option('−', '-'));
      op.value = r.op;
      op.disabled = i === 0;
      op.setAttribute('aria-label', 'Add or subtract ' + r.name);
      op.onchange = () => { r.op = op.value; updateMixExpr(); };
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = r.name;
      const w = document.createElement('input');
      w.type = 'number'; w.min = '0.1'; w.max = '100'; w.step = '0.1'; w.value = r.weight;
      w.setAttribute('aria-label', 'Weight of ' + r.name);
      w.dataset.voice = r.name;
      w.oninput = () => { if (+w.value > 0) { r.weight = +w.value; updateMixExpr(); } };
      const rm = document.createElement('button');
      rm.type = 'button'; rm.className = 'remove'; rm.textContent = '✕';
      rm.title = 'Remove ' + r.name;
      rm.setAttribute('aria-label', 'Remove ' + r.name);
      rm.onclick = () => { mix.splice(i, 1); renderMix(); el.addVoice.focus(); };
      li.append(op, name, w, rm);
      el.mixRows.append(li);
    });
    el.mixer.hidden = !mix.length;
    updateMixExpr();
  }
  function updateMixExpr() { el.mixExpr.textContent = mix.length ? 'voice = ' + mixExpression() : ''; }
  function addToMix() {
    const name = el.voice.value;
    if (!name) return;
    const found = mix.find((r) => r.name === name);
    if (found) { el.mixRows.querySelector('input[data-voice="' + CSS.escape(name) + '"]').focus(); return; }
    mix.push({ name, weight: 1, op: '+' });
    renderMix();
  }

  // ---------- audio sinks ----------
  // Raw 16-bit little-endian mono PCM (and WAV, once its header is parsed) played through Web
  // Audio: each received piece becomes a buffer scheduled right after the previous one.
  class PcmSink {
    constructor(ctx, wav) {
      this.kind = 'Web Audio';
      this.ctx = ctx;
      this.rate = PCM_RATE;
      this.head = wav ? [] : null;
      this.headLen = 0;
      this.pending = [];
      this.pendingLen = 0;
      this.next = 0;
      this.audioT = 0;
      this.segs = [];
      this.nodes = new Set();
      this.failed = false;
      this.stopped = false;
      this.frozen = 0;
    }
    push(bytes) {
      if (this.failed || this.stopped) return;
      if (this.head) {
        this.head.push(bytes);
        this.headLen += bytes.length;
        const all = concat(this.head, this.headLen);
        const r = parseWavHeader(all);
        if (r === null) { if (this.headLen > 65536) this.failed = true; return; }
        this.head = null;
        if (!r.ok) { this.failed = true; return; }
        this.rate = r.rate;
        bytes = all.subarray(r.offset);
      }
      this.pending.push(bytes);
      this.pendingLen += bytes.length;
      // Tiny network pieces are merged so the graph is not flooded with nodes; the first piece
      // goes out at once because time to first sound matters most.
      if (this.pendingLen >= 9600 || this.audioT === 0) this.flush(false);
    }
    flush(final) {
      let n = this.pendingLen & ~1;
      if (!n) return;
      const all = concat(this.pending, this.pendingLen);
      this.pending = final || n === this.pendingLen ? [] : [all.subarray(n)];
      this.pendingLen -= n;
      const samples = n >> 1;
      const dv = new DataView(all.buffer, all.byteOffset, n);
      const buf = this.ctx.createBuffer(1, samples, this.rate);
      const ch = buf.getChannelData(0);
      for (let i = 0; i < samples; i++) ch[i] = dv.getInt16(i * 2, true) / 32768;
      const src = this.ctx.createBufferSource();
      src.buffer = buf;
      src.connect(this.ctx.destination);
      const now = this.ctx.currentTime;
      const at = this.next > now + 0.02 ? this.next : now + 0.08;
      src.start(at);
      this.nodes.add(src);
      src.onended = () => this.nodes.delete(src);
      const d = samples / this.rate;
      this.segs.push({ at, t: this.audioT, d });
      this.audioT += d;
      this.next = at + d;
    }
    end() { if (!this.head) this.flush(true); }
    duration() { return this.audioT; }
    position() {
      if (this.stopped) return this.frozen;
      const now = this.ctx.currentTime;
      let p = 0;
      for (const s of this.segs) { if (s.at > now) break; p = s.t + Math.min(now - s.at, s.d); }
      return p;
    }
    playing() { return !this.stopped && this.segs.length > 0 && this.ctx.currentTime < this.next; }
    stop() {
      if (!this.stopped) this.frozen = this.position();
      this.stopped = true;
      for (const n of this.nodes) { try { n.stop(); } catch (e) { /* already stopped */ } }
      this.nodes.clear();
    }
  }

  // Returns null while more bytes are needed, {ok:false} for WAV that is not 16-bit mono PCM.
  function parseWavHeader(b) {
    if (b.length < 12) return null;
    const dv = new DataView(b.buffer, b.byteOffset, b.length);
    const tag = (o) => String.fromCharCode(b[o], b[o + 1], b[o + 2], b[o + 3]);
    if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') return { ok: false };
    let o = 12;
    let fmt = null;
    while (o + 8 <= b.length) {
      const id = tag(o);
      const size = dv.getUint32(o + 4, true);
      if (id === 'data') {
        if (!fmt) return { ok: false };
        return { ok: fmt.format === 1 && fmt.channels === 1 && fmt.bits === 16, rate: fmt.rate, offset: o + 8 };
      }
      if (o + 8 + size > b.length) return null;
      if (id === 'fmt ' && size >= 16) {
        fmt = { format: dv.getUint16(o + 8, true), channels: dv.getUint16(o + 10, true), rate: dv.getUint32(o + 12, true), bits: dv.getUint16(o + 22, true) };
      }
      o += 8 + size + (size & 1);
    }
    return null;
  }

  // MediaSource playback in the <audio> element. Played data is evicted so long streams do not
  // hit the SourceBuffer quota; if anything was evicted, the finished file replaces the stream.
  class MseSink {
    constructor(audio, type) {
      this.kind = 'MediaSource';
      this.audio = audio;
      this.queue = [];
      this.ending = false;
      this.failed = false;
      this.evicted = false;
      this.sb = null;
      this.ms = new MediaSource();
      this.url = URL.createObjectURL(this.ms);
      this.ms.addEventListener('sourceopen', () => {
        try {
          this.sb = this.ms.addSourceBuffer(type);
          this.sb.mode = 'sequence';
          this.sb.addEventListener('updateend', () => this.pump());
          this.sb.addEventListener('error', () => { this.failed = true; });
          this.pump();
        } catch (e) { this.failed = true; }
      }, { once: true });
      audio.src = this.url;
      audio.play().catch(() => { /* autoplay refused: the user presses play */ });
    }
    push(bytes) { this.queue.push(bytes); this.pump(); }
    pump() {
      const sb = this.sb;
      if (!sb || sb.updating || this.failed || this.ms.readyState !== 'open') return;
      const t = this.audio.currentTime;
      if (sb.buffered.length && t - sb.buffered.start(0) > 90) {
        this.evicted = true;
        sb.remove(0, t - 30);
        return;
      }
      if (this.queue.length) {
        const chunk = concat(this.queue, this.queue.reduce((a, c) => a + c.length, 0));
        this.queue = [];
        try { sb.appendBuffer(chunk); } catch (e) {
          if (e.name === 'QuotaExceededError') { this.queue.unshift(chunk); setTimeout(() => this.pump(), 500); } else this.failed = true;
        }
      } else if (this.ending) {
        try { this.ms.endOfStream(); } catch (e) { /* already ended */ }
      }
    }
    end() { this.ending = true; this.pump(); }
    position() { return this.audio.currentTime; }
    playing() { return !this.audio.paused; }
    stop() { this.audio.pause(); }
  }

  // Fallback: nothing plays until the whole file is here.
  class BufferSink {
    constructor() { this.kind = 'whole file'; this.failed = true; }
    push() {}
    end() {}
    position() { return 0; }
    playing() { return false; }
    stop() {}
  }

  function makeSink(fmt) {
    if (fmt === 'pcm' || fmt === 'wav') {
      const AC = window.AudioContext || window.webkitAudioContext;
      if (AC) {
        if (!audioCtx) audioCtx = new AC();
        // Must be resumed inside the click/keypress, before the first await.
        if (audioCtx.state === 'suspended') audioCtx.resume();
        return new PcmSink(audioCtx, fmt === 'wav');
      }
    }
    const type = MSE_TYPES[fmt];
    if (type && window.MediaSource && MediaSource.isTypeSupported(type)) return new MseSink(el.player, type);
    return new BufferSink();
  }

  // ---------- word highlighting ----------
  function addWords(me, ts) {
    for (const w of ts) {
      if (!w || typeof w.word !== 'string' || !isFinite(w.start_time)) continue;
      const span = document.createElement('span');
      span.textContent = w.word;
      span.dataset.start = w.start_time;
      span.dataset.end = isFinite(w.end_time) ? w.end_time : w.start_time;
      const punct = !/[\p{L}\p{N}]/u.test(w.word);
      if (el.words.childNodes.length && !punct) el.words.append(' ');
      el.words.append(span);
      me.words.push({ start: +w.start_time, end: +span.dataset.end, span });
    }
  }

  function currentTime() {
    if (!job) return null;
    if (job.clock === 'sink' && job.sink.playing()) return job.sink.position();
    if (job.clock === 'sink' && job.sink instanceof PcmSink && job.done && !job.sink.playing()) return null;
    return el.player.src ? el.player.currentTime : job.sink.position();
  }

  function tick() {
    const t = currentTime();
    if (job && job.done) el.stop.disabled = !job.sink.playing() && el.player.paused;
    if (t === null) {
      if (job && job.done) stopTicker();
      return;
    }
    // A finished, paused player needs one last update, then no polling until play or seek.
    if (job.done && job.clock === 'player' && el.player.paused && !el.player.seeking) stopTicker();
    const total = job.done ? job.duration : 0;
    el.clock.textContent = fmtTime(t) + (total ? ' / ' + fmtTime(total) : '');
    el.output.dataset.position = t.toFixed(2);
    const words = job.words;
    let idx = -1;
    for (let i = 0; i < words.length; i++) {
      if (words[i].start > t) break;
      if (t < words[i].end + 0.05 || i === words.length - 1 || words[i + 1].start > t) idx = i;
    }
    if (idx !== job.wordIdx) {
      if (job.wordIdx >= 0 && words[job.wordIdx]) words[job.wordIdx].span.classList.remove('on');
      job.wordIdx = idx;
      if (idx >= 0) {
        const span = words[idx].span;
        span.classList.add('on');
        const box = el.words;
        if (span.offsetTop < box.scrollTop || span.offsetTop + span.offsetHeight > box.scrollTop + box.clientHeight) {
          box.scrollTop = span.offsetTop - box.clientHeight / 3;
        }
        el.output.dataset.wordEvents = (+(el.output.dataset.wordEvents || 0) + 1).toString();
        document.dispatchEvent(new CustomEvent('kokoro:word', { detail: { index: idx, word: span.textContent, time: t } }));
      }
    }
  }
  function startTicker() { if (!ticker) ticker = setInterval(tick, 40); }
  function stopTicker() { clearInterval(ticker); ticker = 0; }

  // ---------- dialogue editor ----------
  const turns = [];
  function renderTurns() {
    el.turns.textContent = '';
    turns.forEach((t, i) => {
      const li = document.createElement('li');
      const sel = document.createElement('select');
      sel.dataset.turnVoice = i;
      sel.setAttribute('aria-label', 'Voice of turn ' + (i + 1));
      for (const v of voiceList) sel.add(new Option(v, v));
      sel.value = t.voice;
      sel.onchange = () => { t.voice = sel.value; };
      const txt = document.createElement('input');
      txt.type = 'text';
      txt.dataset.turnText = i;
      txt.placeholder = 'What this speaker says';
      txt.setAttribute('aria-label', 'Text of turn ' + (i + 1));
      txt.value = t.text;
      txt.oninput = () => { t.text = txt.value; };
      const rm = document.createElement('button');
      rm.type = 'button';
      rm.className = 'remove';
      rm.textContent = '×';
      rm.title = 'Remove turn ' + (i + 1);
      rm.disabled = turns.length < 2;
      rm.onclick = () => { turns.splice(i, 1); renderTurns(); };
      li.append(sel, txt, rm);
      el.turns.append(li);
    });
  }
  function addTurn() {
    // Alternate speakers by default: the next voice in the list after the last turn's.
    const last = turns.length ? voiceList.indexOf(turns[turns.length - 1].voice) : -1;
    const voice = turns.length ? voiceList[(last + 1) % voiceList.length] : (el.voice.value || voiceList[0] || '');
    turns.push({ voice, text: '' });
    renderTurns();
    const inputs = el.turns.querySelectorAll('input[type=text]');
    if (inputs.length) inputs[inputs.length - 1].focus();
  }
  function setDialogueMode() {
    const on = el.dialogueMode.checked;
    el.dialogue.hidden = !on;
    el.text.hidden = on;
    if (on && !turns.length) { addTurn(); addTurn(); }
  }
  // SSML needs voice tags on the server side; the toggles follow each other.
  function syncToggles(changed) {
    if (changed === el.ssml && el.ssml.checked) el.tags.checked = true;
    if (changed === el.tags && !el.tags.checked) el.ssml.checked = false;
  }

  // OpenAI's SSE (stream_format "sse"): speech.audio.delta carries base64 audio, speech.word our
  // word timings, speech.audio.done the end.
  async function readSSE(res, push, me) {
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    let ended = false;
    const handle = (block) => {
      const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
      if (!data) return;
      let o;
      try { o = JSON.parse(data); } catch (e) { throw new Error('The server sent a malformed event stream.'); }
      if (o.error || o.detail) throw new Error(messageOf(o) || 'The server reported an error.');
      if (o.type === 'speech.word') addWords(me, [{ word: o.word, start_time: o.start, end_time: o.end }]);
      else if (o.type === 'speech.audio.delta' && o.audio) push(b64bytes(o.audio));
      else if (o.type === 'speech.audio.done') ended = true;
      if (me.wordIdx < 0) tick();
    };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) { handle(buf.slice(0, i)); buf = buf.slice(i + 2); }
    }
    buf += dec.decode();
    if (buf.trim()) handle(buf);
    if (!ended) throw new Error('The event stream ended before speech.audio.done.');
  }

  // ---------- generation ----------
  function normOptions() {
    const o = {};
    for (const c of document.querySelectorAll('[data-norm]')) o[c.dataset.norm] = c.checked;
    return o;
  }

  function setBusy(busy) {
    el.stop.disabled = !busy && !(job && job.sink.playing());
    el.output.dataset.state = busy ? 'streaming' : job && job.done ? 'done' : 'idle';
  }

  function resetOutput() {
    if (job) { job.ctrl.abort(); job.sink.stop(); }
    el.player.pause();
    el.player.removeAttribute('src');
    el.player.load();
    for (const u of blobUrls) URL.revokeObjectURL(u);
    blobUrls.length = 0;
    el.download.hidden = true;
    el.words.textContent = '';
    el.clock.textContent = fmtTime(0);
    el.sinkLabel.textContent = '';
    delete el.output.dataset.position;
    delete el.output.dataset.bytes;
    el.output.dataset.wordEvents = '0';
    showError('');
  }

  function wavHeader(dataLen, rate) {
    const h = new DataView(new ArrayBuffer(44));
    const s = (o, t) => { for (let i = 0; i < 4; i++) h.setUint8(o + i, t.charCodeAt(i)); };
    s(0, 'RIFF'); h.setUint32(4, 36 + dataLen, true); s(8, 'WAVE'); s(12, 'fmt ');
    h.setUint32(16, 16, true); h.setUint16(20, 1, true); h.setUint16(22, 1, true);
    h.setUint32(24, rate, true); h.setUint32(28, rate * 2, true); h.setUint16(32, 2, true);
    h.setUint16(34, 16, true); s(36, 'data'); h.setUint32(40, dataLen, true);
    return new Uint8Array(h.buffer);
  }

  async function generate() {
    const dialogue = el.dialogueMode.checked;
    const text = el.text.value;
    if (dialogue) {
      const blank = turns.findIndex((t) => !t.text.trim());
      if (blank >= 0) { showError('Turn ' + (blank + 1) + ' has no text.'); el.turns.querySelectorAll('input[type=text]')[blank].focus(); return; }
    } else if (!text.trim()) { showError('Type some text first.'); el.text.focus(); return; }
    const voice = dialogue ? turns[0].voice : currentVoice();
    if (!voice) { showError('No voice selected.'); return; }
    resetOutput();
    savePrefs();
    const fmt = el.format.value;
    const captions = el.captions.checked;
    const body = {
      model: 'kokoro', response_format: fmt, speed: +el.speed.value, stream: true, normalization_options: normOptions(),
    };
    if (dialogue) {
      body.turns = turns.map((t) => ({ voice: t.voice, text: t.text }));
      body.pause_between_turns = Math.min(10, Math.max(0, +el.pause.value || 0));
    } else {
      body.input = text;
      body.voice = voice;
      if (el.tags.checked || el.ssml.checked) body.allow_voice_tags = true;
      if (el.ssml.checked) body.ssml = true;
    }
    if (el.lang.value) body.lang_code = el.lang.value;
    if (captions) { body.stream_format = 'sse'; body.include = ['word_timestamps']; }
    const me = {
      ctrl: new AbortController(), sink: makeSink(fmt), chunks: [], bytes: 0, words: [], wordIdx: -1,
      fmt, done: false, duration: 0, clock: 'sink', t0: performance.now(), ttfb: 0,
    };
    job = me;
    el.sinkLabel.textContent = 'playback: ' + me.sink.kind;
    setBusy(true);
    setStatus(dialogue ? 'Generating a dialogue of ' + turns.length + ' turns…' : 'Generating with ' + voice + '…');
    startTicker();
    const push = (bytes) => {
      if (!bytes.length) return;
      if (!me.ttfb) me.ttfb = performance.now() - me.t0;
      me.chunks.push(bytes);
      me.bytes += bytes.length;
      me.sink.push(bytes);
      el.output.dataset.bytes = me.bytes;
      const secs = me.sink instanceof PcmSink ? me.sink.audioT : 0;
      setStatus('Streaming… ' + (secs ? secs.toFixed(1) + ' s of audio, ' : '') + fmtBytes(me.bytes) +
        ', first audio after ' + Math.round(me.ttfb) + ' ms');
    };
    try {
      const res = await postJson(dialogue ? '../dev/dialogue' : '../v1/audio/speech', body, me.ctrl.signal);
      if (captions) await readSSE(res, push, me);
      else await readStream(res, push);
      if (job !== me) return;
      finish(me);
    } catch (e) {
      if (job !== me) return;
      me.sink.stop();
      me.done = true;
      if (me.sink instanceof MseSink) { el.player.removeAttribute('src'); el.player.load(); }
      el.sinkLabel.textContent = '';
      if (e.name === 'AbortError') setStatus('Stopped.');
      else if (e instanceof TypeError) { setStatus('Failed.'); showError('Lost the connection to the server (' + e.message + ').'); }
      else { setStatus('Failed.'); showError(e.message); }
    } finally {
      if (job === me) setBusy(false);
    }
  }

  async function readStream(res, push) {
    const reader = res.body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      push(value);
    }
  }

  function finish(me) {
    me.sink.end();
    me.done = true;
    if (!me.bytes) { setStatus('The server sent no audio.'); return; }
    let data = concat(me.chunks, me.bytes);
    me.chunks = [];
    const pcm = me.fmt === 'pcm';
    const playData = pcm ? concat([wavHeader(me.bytes & ~1, PCM_RATE), data.subarray(0, me.bytes & ~1)], 44 + (me.bytes & ~1)) : data;
    const playUrl = URL.createObjectURL(new Blob([playData], { type: MIME[me.fmt] }));
    const fileUrl = pcm ? URL.createObjectURL(new Blob([data], { type: 'audio/pcm' })) : playUrl;
    blobUrls.push(playUrl);
    if (pcm) blobUrls.push(fileUrl);
    el.download.href = fileUrl;
    el.download.download = 'speech.' + me.fmt;
    el.download.textContent = 'Download ' + me.fmt + ' (' + fmtBytes(me.bytes) + ')';
    el.download.hidden = false;

    const sink = me.sink;
    if (sink instanceof MseSink && !sink.failed && !sink.evicted) {
      // The stream itself is now a complete, seekable source.
      me.clock = 'player';
    } else {
      const p = el.player;
      const resume = sink instanceof MseSink && !sink.failed ? p.currentTime : 0;
      const wasPlaying = sink instanceof MseSink && !p.paused;
      if (sink instanceof MseSink && sink.url) URL.revokeObjectURL(sink.url);
      p.src = playUrl;
      if (sink instanceof PcmSink && !sink.failed) {
        // Web Audio keeps playing; the element takes over only if the user plays or seeks it.
        me.clock = 'sink';
      } else {
        me.clock = 'player';
        p.currentTime = resume;
        if (wasPlaying || sink.failed) p.play().catch(() => setStatus('Press play to listen.'));
      }
    }
    setDuration(me, data);
    const gen = ((performance.now() - me.t0) / 1000).toFixed(2);
    setStatus('Done: ' + fmtBytes(me.bytes) + ' of ' + me.fmt + (me.duration ? ', ' + me.duration.toFixed(2) + ' s of audio' : '') +
      ' in ' + gen + ' s (first audio after ' + Math.round(me.ttfb) + ' ms).');
    startTicker();
  }

  function setDuration(me, data) {
    if (me.sink instanceof PcmSink && !me.sink.failed) me.duration = me.sink.duration();
    else if (me.fmt === 'pcm') me.duration = (data.length >> 1) / PCM_RATE;
    const upd = () => { if (job === me && isFinite(el.player.duration)) me.duration = el.player.duration; };
    el.player.addEventListener('loadedmetadata', upd, { once: true });
    upd();
  }

  function stopAll() {
    if (!job) return;
    job.ctrl.abort();
    job.sink.stop();
    el.player.pause();
    if (!job.done) setStatus('Stopped.');
    el.stop.disabled = true;
  }

  // The element takes over from Web Audio when the user plays or seeks it.
  el.player.addEventListener('play', () => {
    if (job && job.clock === 'sink' && job.done) { job.sink.stop(); job.clock = 'player'; }
    if (job) { el.stop.disabled = false; startTicker(); }
  });
  el.player.addEventListener('seeking', () => { if (job && job.done && job.clock === 'sink') { job.sink.stop(); job.clock = 'player'; } tick(); });
  el.player.addEventListener('pause', () => { if (job && job.done) el.stop.disabled = true; });

  el.words.addEventListener('click', (e) => {
    const s = e.target.closest('span');
    if (!s || !job || !job.done || !el.player.src) return;
    if (job.clock === 'sink') { job.sink.stop(); job.clock = 'player'; }
    el.player.currentTime = +s.dataset.start;
    el.player.play().catch(() => {});
  });

  // ---------- phonemes ----------
  async function phonemize() {
    const text = el.text.value;
    if (!text.trim()) { showError('Type some text first.'); return; }
    const v = currentVoice();
    const language = el.lang.value || (LANGS[v[0]] ? v[0] : 'a');
    showError('');
    el.phonemize.disabled = true;
    try {
      const res = await postJson('../dev/phonemize', { text, language });
      const j = await res.json();
      el.phonemes.textContent = j.phonemes || '';
      const t = Array.isArray(j.tokens) ? j.tokens : [];
      el.tokensSum.textContent = t.length + ' token ids (language ' + language + ')';
      el.tokens.firstChild.textContent = t.join(' ');
      el.phonBox.hidden = false;
    } catch (e) { showError(e.message); } finally { el.phonemize.disabled = false; }
  }

  // ---------- remembered choices ----------
  const PREFS_STORE = 'kokoro.prefs';
  function savePrefs() {
    const p = {
      voice: el.voice.value, lang: el.lang.value, format: el.format.value, speed: el.speed.value,
      captions: el.captions.checked, mix, norm: normOptions(), tags: el.tags.checked, ssml: el.ssml.checked,
    };
    try { localStorage.setItem(PREFS_STORE, JSON.stringify(p)); } catch (e) { /* storage disabled: nothing is remembered */ }
  }
  function restorePrefs(voices) {
    let p;
    try { p = JSON.parse(localStorage.getItem(PREFS_STORE) || 'null'); } catch (e) { p = null; }
    if (!p || typeof p !== 'object') return;
    const has = (sel, v) => [...sel.options].some((o) => o.value === v);
    if (voices.includes(p.voice)) el.voice.value = p.voice;
    if (has(el.lang, p.lang)) el.lang.value = p.lang;
    if (has(el.format, p.format)) el.format.value = p.format;
    if (+p.speed >= 0.25 && +p.speed <= 4) el.speed.value = p.speed;
    el.speedOut.textContent = (+el.speed.value).toFixed(2) + '×';
    if (typeof p.captions === 'boolean') el.captions.checked = p.captions;
    if (typeof p.tags === 'boolean') el.tags.checked = p.tags;
    if (typeof p.ssml === 'boolean') el.ssml.checked = p.ssml && el.tags.checked;
    for (const c of document.querySelectorAll('[data-norm]')) if (p.norm && typeof p.norm[c.dataset.norm] === 'boolean') c.checked = p.norm[c.dataset.norm];
    if (Array.isArray(p.mix)) {
      for (const r of p.mix) {
        if (r && voices.includes(r.name) && +r.weight > 0) mix.push({ name: r.name, weight: +r.weight, op: r.op === '-' ? '-' : '+' });
      }
      if (mix.length && mix[0].op === '-') mix[0].op = '+';
      renderMix();
    }
  }

  // ---------- character count and server facts ----------
  function updateCount() {
    const n = [...el.text.value].length;
    el.count.textContent = maxInput ? n + ' / ' + maxInput + ' characters' : n + ' characters';
    el.count.classList.toggle('error', maxInput > 0 && n > maxInput);
  }

  async function loadConfig() {
    try {
      const res = await call('config.json');
      const j = await res.json();
      maxInput = +j.max_input_chars || 0;
      if (j.api_keys) el.keyButton.hidden = false;
      return j;
    } catch (e) { return {}; }
  }

  async function init() {
    el.speed.oninput = () => { el.speedOut.textContent = (+el.speed.value).toFixed(2) + '×'; };
    el.text.addEventListener('input', updateCount);
    el.addVoice.onclick = addToMix;
    el.mixClear.onclick = () => { mix.length = 0; renderMix(); el.voice.focus(); };
    el.generate.onclick = generate;
    el.stop.onclick = stopAll;
    el.phonemize.onclick = phonemize;
    el.keyButton.onclick = () => askKey();
    el.tags.onchange = () => syncToggles(el.tags);
    el.ssml.onchange = () => syncToggles(el.ssml);
    el.dialogueMode.onchange = setDialogueMode;
    el.addTurn.onclick = addTurn;
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !el.keyDialog.open) { e.preventDefault(); generate(); }
      else if (e.key === 'Escape' && !el.keyDialog.open && !el.stop.disabled) stopAll();
    });
    updateCount();
    const cfg = await loadConfig();
    updateCount();
    try {
      const n = await loadVoices();
      restorePrefs(voiceList);
      el.server.textContent = 'Kokoro-C' + (cfg.version ? ' ' + cfg.version : '') + ' · ' + n + ' voices';
    } catch (e) {
      el.server.textContent = 'not connected';
      showError('Could not load the voice list: ' + e.message);
    }
    // Remember choices from here on (generating also saves the mix).
    document.querySelector('main').addEventListener('change', savePrefs);
    document.body.dataset.ready = '1';
  }
  init();
})();
