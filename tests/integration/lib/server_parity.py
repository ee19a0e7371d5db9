"""Kokoro-FastAPI v0.8 parity against a server started by server_parity.sh: voice tags, rates and
voice_aliases; SSML (every element of the reference table, through its native-tag equivalent);
/dev/dialogue; return_timing; seeds; the 4xx of each bad input.
usage: server_parity.py PORT [OFF_PORT]  (OFF_PORT: a server with ENABLE_VOICE_TAGS/ENABLE_SSML off)"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from kkhttp import check, error_shape_ok, finish, request  # noqa: E402

port = int(sys.argv[1])
off_port = int(sys.argv[2]) if len(sys.argv) > 2 else None


def post(path, body, p=None):
    return request(p or port, "POST", path, body)


def speech(body, **kw):
    b = {"voice": "tv_alpha", "response_format": "pcm", "stream": False, "seed": 5}
    b.update(body)
    return post("/v1/audio/speech", b, **kw)


def timing(r):
    t = r.header("x-timing")
    return json.loads(t)["chunks"] if t else None


def tagged(text, **kw):
    return speech({"input": text, "allow_voice_tags": True, "return_timing": True, **kw})


def ssml(text, **kw):
    return speech({"input": text, "allow_voice_tags": True, "ssml": True, "return_timing": True, **kw})


def translate(text, voice="tv_alpha"):
    r = post("/dev/ssml", {"text": text, "voice": voice})
    return r.json().get("text") if r.status == 200 else f"<{r.status}>"


def secs(r):
    return len(r.body) / 2 / 24000


# ---- two speakers: tags, SSML and dialogue turns give the same segments, pauses and audio
TAGS = "[voice:tv_alpha] Hello there, friend. [pause:0.5s] [voice:tv_beta] Good morning to you."
SSML = ("<speak><voice name='tv_alpha'>Hello there, friend.</voice><break time='500ms'/>"
        "<voice name='tv_beta'>Good morning to you.</voice></speak>")
TURNS = {"turns": [{"voice": "tv_alpha", "text": "Hello there, friend."},
                   {"voice": "tv_beta", "text": "Good morning to you."}],
         "pause_between_turns": 0.5, "response_format": "pcm", "stream": False, "seed": 5, "return_timing": True}
a, b, c = tagged(TAGS), ssml(SSML), post("/dev/dialogue", TURNS)
check(a.status == b.status == c.status == 200, f"tags/ssml/dialogue status {a.status} {b.status} {c.status}")
ta, tb, tc = timing(a), timing(b), timing(c)
print("tags timing:", ta)
# (the first chunk is kept short, so the first sentence may be split at its comma)
check(ta is not None and [e["voice"] for e in ta if e["text"]][-1] == "tv_beta" and
      {e["voice"] for e in ta[:-1]} == {"tv_alpha"}, f"tag voices {ta}")
pauses = [e for e in ta or [] if e["text"] == ""]
check(len(pauses) == 1 and abs((pauses[0]["end"] - pauses[0]["start"]) - 0.5) < 0.002 and ta[-2] == pauses[0],
      f"the pause is an empty-text entry of 0.5 s before the second speaker {pauses}")
check(ta == tb, f"SSML timing equals the tags' ({tb})")
check(ta == tc, f"dialogue timing equals the tags' ({tc})")
check(a.body == b.body == c.body and len(a.body) > 0, "tags, SSML and dialogue: the same audio bytes")
# dialogue: per-turn start/end, the pause between turns in neither
turns = json.loads(c.header("x-timing") or "{}").get("turns")
sp = [e for e in tc or [] if e["text"]]
check(turns == [{"voice": "tv_alpha", "start": 0, "end": sp[-2]["end"] if len(sp) > 1 else -1},
                {"voice": "tv_beta", "start": sp[-1]["start"] if sp else -1, "end": sp[-1]["end"] if sp else -1}] and
      turns[1]["start"] - turns[0]["end"] >= 0.5, f"dialogue per-turn timing {turns}")
# the same again as word timestamps: each word carries its speaker
r = post("/dev/captioned_speech", {"input": TAGS, "voice": "tv_alpha", "allow_voice_tags": True, "stream": False})
words = [(w["word"], w.get("voice")) for w in r.json()["timestamps"]] if r.status == 200 else []
check(("Hello", "tv_alpha") in words and ("morning", "tv_beta") in words, f"captioned words carry voice {words}")
r = post("/dev/captioned_speech", {"input": "Hello there.", "voice": "tv_alpha", "stream": False})
check(r.status == 200 and all("voice" not in w for w in r.json()["timestamps"]), "no voice key without tags")
# streamed NDJSON with tags: every line has audio, timestamps carry voice
r = post("/dev/captioned_speech", {"input": TAGS, "voice": "tv_alpha", "allow_voice_tags": True,
                                   "response_format": "mp3"})
lines = [json.loads(x) for x in r.body.decode().splitlines() if x.strip()] if r.status == 200 else []
check(r.header("content-type") == "application/json" and len(lines) >= 2 and
      all(set(x) == {"audio", "audio_format", "timestamps"} and x["audio_format"] == "audio/mpeg" for x in lines),
      f"captioned stream: NDJSON lines {len(lines)}")
check({w.get("voice") for x in lines for w in x["timestamps"]} == {"tv_alpha", "tv_beta"}, "stream words carry voice")

# ---- a speaker change is a chunk boundary, even inside a sentence
t = timing(tagged("One two [voice:tv_beta] three four."))
check(t is not None and [(e["voice"], e["text"]) for e in t][-2:] == [("tv_alpha", "One two"), ("tv_beta", "three four.")],
      f"mid-sentence speaker change {t}")

# ---- a long first clause: the first chunk ends after a few words (KOKORO_FIRST_CHUNK_PHONEMES,
# default 20) and the rest follows with no sentence pause; a later speaker's clause stays whole
LONG = "The old lighthouse keeper climbed the spiral stairs every evening."
r = speech({"input": LONG, "return_timing": True})
t = timing(r)
check(r.status == 200 and t and [e["text"] for e in t] == ["The old lighthouse",
                                                           "keeper climbed the spiral stairs every evening."],
      f"first chunk cut inside its clause {t}")
if t and len(t) == 2:
    check(t[1]["start"] - t[0]["end"] < 0.01, f"no pause inside the cut sentence {t}")
t = timing(tagged("Hi. [voice:tv_beta] " + LONG))
check(t and [e["text"] for e in t] == ["Hi.", LONG], f"a later segment keeps its first clause {t}")

# ---- each segment is read in its own voice's language: a bf_ voice inside an af_ request is British
WORD = "I say tomato and water."
pa = post("/dev/phonemize", {"text": WORD, "language": "a"}).json().get("phonemes")
pb = post("/dev/phonemize", {"text": WORD, "language": "b"}).json().get("phonemes")
check(pa and pb and pa != pb, f"the test text differs between en-us and en-gb ({pa} / {pb})")
gb = speech({"input": WORD, "voice": "bf_test"})
us = speech({"input": WORD, "voice": "af_test"})
mixed = tagged("[voice:bf_test] " + WORD, voice="af_test")
check(gb.status == us.status == mixed.status == 200 and gb.body != us.body, "bf_ and af_ copies of one voice differ")
check(mixed.body == gb.body, "[voice:bf_test] inside an af_test request reads British English")
forced = tagged("[voice:bf_test] " + WORD, voice="af_test", lang_code="a")
check(forced.body == us.body, "lang_code overrides every segment's language")

# ---- rates: [rate:] multiplies speed, [baserate:], a [voice:] tag resets, clamped to 0.25-4
plain = tagged("Rates change the pace of speech.")
fast = tagged("[rate:2] Rates change the pace of speech.")
check(fast.status == 200 and secs(fast) < 0.7 * secs(plain), f"[rate:2] shorter {secs(fast):.2f} vs {secs(plain):.2f}")
check(tagged("[rate:2] Rates change the pace of speech.", speed=0.5).body == plain.body, "[rate:2] x speed 0.5 = 1")
check(tagged("[baserate:4] [rate:0.5] Rates change the pace of speech.").body == fast.body, "baserate x rate")
check(tagged("[rate:9] Rates change the pace of speech.").body == tagged("[rate:4] Rates change the pace of speech.").body,
      "[rate:9] clamps to 4")
check(tagged("[rate:2] [voice:tv_alpha] Rates change the pace of speech.").body == plain.body, "[voice:] resets rate")
check(tagged("[RATE: 2] Rates change the pace of speech.").body == fast.body, "tags are case-insensitive")

# ---- tags off: read as text (an unknown voice in a tag is then no error)
r = speech({"input": "Say [voice:nobody] aloud.", "return_timing": True})
check(r.status == 200 and [e["voice"] for e in timing(r)] == ["tv_alpha"], "tags off: one voice, no 400")
check("voice" in timing(r)[0]["text"], f"tags off: the tag is spoken text {timing(r)}")

# ---- voice_aliases: names, {voice, rate}, case-insensitive, as the request voice too
al = {"narrator": {"voice": "tv_beta", "rate": 2}, "Hero": "tv_alpha"}
r1 = tagged("[voice:NARRATOR] Rates change the pace of speech.", voice_aliases=al)
r2 = tagged("[voice:tv_beta] [rate:2] Rates change the pace of speech.")
check(r1.status == 200 and r1.body == r2.body and timing(r1)[0]["voice"] == "tv_beta", "alias with rate")
r3 = tagged("[voice:narrator] [rate:0.5] Rates change the pace of speech.", voice_aliases=al)
check(r3.body == tagged("[voice:tv_beta] Rates change the pace of speech.").body, "[rate:] multiplies the alias rate")
r4 = tagged("Rates change the pace of speech.", voice="narrator", voice_aliases=al)
check(r4.status == 200 and r4.body == r2.body, "request voice as a rate alias")
r5 = speech({"input": "Rates change the pace of speech.", "voice": "narrator", "voice_aliases": al})
check(r5.status == 200 and r5.body == r2.body, "rate alias with tags off: speed x rate")
check(tagged("[voice:hero] Rates change the pace of speech.", voice_aliases=al).body == plain.body, "plain alias")
check(error_shape_ok(speech({"input": "x", "voice_aliases": {"a": "tv_alpha;rm"}}), 422), "alias target chars -> 422")
check(error_shape_ok(speech({"input": "x", "voice_aliases": {"a": {"voice": "tv_alpha", "rate": 9}}}), 422),
      "alias rate out of range -> 422")
check(error_shape_ok(speech({"input": "x", "voice_aliases": ["tv_alpha"]}), 422), "aliases not an object -> 422")
check(error_shape_ok(tagged("[voice:ghost] Hi.", voice_aliases={"ghost": "tv_nobody"}), 400), "alias to unknown voice")

# ---- SSML: every element of the table, through its native-tag equivalent
cases = [
    ("<speak>A <break time='750ms'/> B</speak>", "A [pause:0.750s] B"),
    ("<speak>A <break time='2s'/> B</speak>", "A [pause:2.000s] B"),
    ("<speak>A <break strength='none'/> B</speak>", "A B"),
    ("<speak>A <break strength='x-weak'/> B</speak>", "A B"),
    ("<speak>A <break strength='weak'/> B</speak>", "A [pause:0.250s] B"),
    ("<speak>A <break strength='medium'/> B</speak>", "A [pause:0.500s] B"),
    ("<speak>A <break/> B</speak>", "A [pause:0.500s] B"),
    ("<speak>A <break strength='strong'/> B</speak>", "A [pause:1.000s] B"),
    ("<speak>A <break strength='x-strong'/> B</speak>", "A [pause:1.500s] B"),
    ("<speak>A <voice name='tv_beta'>B</voice> C</speak>", "A [voice:tv_beta] B [voice:tv_alpha] C"),
    ("<speak><prosody rate='x-slow'>A</prosody></speak>", "[rate:0.5] A [rate:1.0]"),
    ("<speak><prosody rate='slow'>A</prosody></speak>", "[rate:0.75] A [rate:1.0]"),
    ("<speak><prosody rate='medium'>A</prosody></speak>", "[rate:1.0] A [rate:1.0]"),
    ("<speak><prosody rate='default'>A</prosody></speak>", "[rate:1.0] A [rate:1.0]"),
    ("<speak><prosody rate='fast'>A</prosody></speak>", "[rate:1.25] A [rate:1.0]"),
    ("<speak><prosody rate='x-fast'>A</prosody></speak>", "[rate:1.5] A [rate:1.0]"),
    ("<speak><prosody rate='150%'>A</prosody></speak>", "[rate:1.5] A [rate:1.0]"),
    ("<speak><prosody rate='2'>A</prosody></speak>", "[rate:2.0] A [rate:1.0]"),
    ("<speak><prosody rate='9'>A</prosody></speak>", "[rate:4.0] A [rate:1.0]"),
    ("<speak><prosody pitch='+5st' volume='loud'>A</prosody></speak>", "A"),
    ("<speak><phoneme alphabet='ipa' ph='wˈʊstər'>Worcester</phoneme>.</speak>", "[Worcester](/wˈʊstər/)."),
    ("<speak><sub alias='World Wide Web'>WWW</sub></speak>", "World Wide Web"),
    ("<speak>A<desc>a picture</desc> B</speak>", "A B"),
    ("<speak><p>A</p><p>B</p><s>C</s>D</speak>", "A B C D"),
    ("<speak><emphasis>A</emphasis> <say-as interpret-as='digits'>12</say-as> <lang xml:lang='en'>B</lang> "
     "<audio src='x.wav'>C</audio> <mark name='m'/>D <w>E</w></speak>", "A 12 B C D E"),
    ("<?xml version='1.0'?><!-- c --><speak xmlns='http://www.w3.org/2001/10/synthesis'>A <break/></speak>",
     "A [pause:0.500s]"),
    ("Plain text <not ssml", "Plain text <not ssml"),
]
for src_, want in cases:
    got = translate(src_)
    check(got == want, f"SSML {src_!r} -> {got!r}, want {want!r}")
check(translate("<speak>A <voice name='tv_beta'>B</voice> <prosody rate='slow'>C</prosody></speak>", "") == "A B C",
      "without a voice, <voice> and <prosody> are stripped")
check(translate("<speak><voice name='tv_beta'><prosody rate='fast'>A<voice name='tv_alpha'>B</voice>C</prosody>"
                "</voice></speak>") ==
      "[voice:tv_beta] [rate:1.25] A [voice:tv_alpha] B [voice:tv_beta] [rate:1.25] C [rate:1.0] [voice:tv_alpha]",
      "nested voice inside prosody restores the pace")
# ... and the audio of each SSML element is the audio of its native tags
for src_, native in [
    ("<speak>Wait <break time='750ms'/> now.</speak>", "Wait [pause:0.75s] now."),
    ("<speak><prosody rate='slow'>Slow words here.</prosody></speak>", "[rate:0.75] Slow words here."),
    ("<speak>One <voice name='tv_beta'>two</voice> three.</speak>", "One [voice:tv_beta] two [voice:tv_alpha] three."),
    ("<speak>In <phoneme alphabet='ipa' ph='wˈʊstər'>Worcester</phoneme>.</speak>", "In [Worcester](/wˈʊstər/)."),
    ("<speak><sub alias='World Wide Web'>WWW</sub> pages.</speak>", "World Wide Web pages."),
    ("<speak>A cat<desc>not spoken</desc> sat.</speak>", "A cat sat."),
    ("<speak><emphasis>Big</emphasis> news.</speak>", "Big news."),
]:
    x, y = ssml(src_), tagged(native)
    check(x.status == 200 and x.body == y.body, f"SSML audio {src_!r} = tags {native!r} ({x.status})")
pz = ssml("<speak>Wait <break time='750ms'/> now.</speak>")
t = timing(pz)
check(t is not None and any(e["text"] == "" and abs(e["end"] - e["start"] - 0.75) < 0.002 for e in t),
      f"break time=750ms is 0.75 s of silence {t}")
check(secs(ssml("<speak><prosody rate='x-slow'>Slow words here.</prosody></speak>")) >
      1.5 * secs(tagged("Slow words here.")), "x-slow is slower")

# ---- SSML errors: their 4xx, with the parser's position
r = ssml("<speak>Hello <break></speak>")
check(error_shape_ok(r, 400) and "line 1, column" in r.json()["error"]["message"], f"malformed SSML -> 400 {r.body[:160]}")
r = ssml("<speak>\n  <b>x</c>\n</speak>")
check(error_shape_ok(r, 400) and "line 2" in r.json()["error"]["message"], "position of a mismatched tag")
r = ssml("<?xml version='1.0'?><!DOCTYPE speak [<!ENTITY lol 'lol'>]><speak>&lol;</speak>")
check(error_shape_ok(r, 400) and "DTD" in r.json()["error"]["message"], "DTD -> 400")
r = ssml("<!DOCTYPE speak SYSTEM 'http://127.0.0.1:1/x.dtd'><speak>x</speak>")
check(error_shape_ok(r, 400) and "DTD" in r.json()["error"]["message"], "external DTD -> 400, nothing fetched")
check(error_shape_ok(ssml("<speak>&undefined;</speak>"), 400), "undefined entity -> 400")
deep = "<speak>" + "<s>" * 9 + "x" + "</s>" * 9 + "</speak>"
check(ssml(deep).status == 200, "10 levels (SSML_MAX_DEPTH default) are fine")
deep = "<speak>" + "<s>" * 10 + "x" + "</s>" * 10 + "</speak>"
r = ssml(deep)
check(error_shape_ok(r, 400) and "SSML_MAX_DEPTH" in r.json()["error"]["message"], "11 levels -> 400")
check(error_shape_ok(ssml("<p>not speak</p>"), 400), "root other than <speak> -> 400")
check(error_shape_ok(ssml("<speak><x:y>a</x:y></speak>"), 400), "unbound namespace prefix -> 400")
check(error_shape_ok(ssml("<speak><voice name='tv_nobody'>a</voice></speak>"), 400), "unknown SSML voice -> 400")
check(error_shape_ok(ssml("<speak><voice name='a;b'>a</voice></speak>"), 400), "bad SSML voice name -> 400")
check(error_shape_ok(speech({"input": "<speak>a</speak>", "ssml": True}), 400), "ssml without allow_voice_tags -> 400")
check(error_shape_ok(post("/dev/ssml", {"text": "<speak>a"}), 400), "/dev/ssml malformed -> 400")
check(error_shape_ok(post("/dev/ssml", {"voice": "x"}), 422), "/dev/ssml without text -> 422")
r = request(port, "GET", "/dev/ssml")
caps = r.json() if r.status == 200 else {}
check(caps.get("rate_range") == [0.25, 4.0] and caps.get("break_strengths", {}).get("x-strong") == 1.5 and
      "desc" in caps.get("elements", []) and "say-as" in caps.get("ignored", []) and
      caps.get("prosody_rates", {}).get("x-slow") == 0.5, f"GET /dev/ssml {caps}")

# ---- tag errors
check(error_shape_ok(tagged("Hi [voice:tv_nobody] there."), 400), "unknown voice in a tag -> 400")
check(error_shape_ok(tagged("Hi [voice:tv_alpha++tv_beta] there."), 400), "bad mix in a tag -> 400")
check(error_shape_ok(tagged("[voice:tv_beta]"), 400), "only tags, no text -> 400")
many = " ".join(f"[voice:tv_alpha({w})+tv_beta] a." for w in range(1, 40))
r = tagged(many)
check(error_shape_ok(r, 400) and "at most 32" in r.json()["error"]["message"], "more than 32 voices -> 400")

# ---- dialogue
r = post("/dev/dialogue", {"inputs": [{"voice_id": "tv_beta", "text": "Hi."}], "response_format": "wav"})
check(r.status == 200 and r.header("content-type") == "audio/wav" and r.chunked, "dialogue: inputs/voice_id, streamed")
for bad, why in [({"turns": []}, "no turns"), ({"turns": [{"voice": "tv_alpha", "text": "  "}]}, "blank text"),
                 ({"turns": [{"voice": "tv_alpha"}]}, "no text"),
                 ({"turns": [{"voice": "tv_alpha", "text": "a"}], "pause_between_turns": 11}, "pause > 10"),
                 ({"turns": "hello"}, "turns not a list")]:
    check(error_shape_ok(post("/dev/dialogue", bad), 422), f"dialogue {why} -> 422")
check(error_shape_ok(post("/dev/dialogue", {"turns": [{"voice": "tv_nobody", "text": "a"}]}), 400),
      "dialogue unknown voice -> 400")
r = post("/dev/dialogue", {"turns": [{"voice": "boss", "text": "Listen."}, {"voice": "tv_alpha", "text": "Yes."}],
                           "voice_aliases": {"boss": "tv_beta"}, "stream": False, "return_timing": True,
                           "response_format": "pcm"})
check(r.status == 200 and [e["voice"] for e in timing(r)] == ["tv_beta", "tv_alpha"], "dialogue with aliases")
# streamed with a download link: the timing sidecar appears when the stream ends
r = post("/dev/dialogue", dict(TURNS, stream=True, return_download_link=True))
path = r.header("x-timing-path")
check(r.status == 200 and path and path.endswith(".json") and r.header("x-download-path"), f"timing path {path}")
if path:
    sc = request(port, "GET", "/v1" + path)
    check(sc.status == 200 and json.loads(sc.body)["chunks"] == tc and json.loads(sc.body)["turns"] == turns,
          f"timing sidecar {sc.status} {sc.body[:200]}")

# ---- seed: the same seed gives the same bytes, another seed other noise
x1, x2, x3 = (speech({"input": "Noise test.", "seed": s}) for s in (11, 11, 12))
check(x1.body == x2.body and x1.body != x3.body and len(x1.body) == len(x3.body), "seed fixes the noise")
check(error_shape_ok(speech({"input": "x", "seed": -1}), 422) and error_shape_ok(speech({"input": "x", "seed": 1.5}), 422),
      "bad seed -> 422")
check(error_shape_ok(speech({"input": "x", "stream_format": "srt"}), 422), "bad stream_format -> 422")
check(error_shape_ok(speech({"input": "x", "include": ["logprobs"]}), 422), "bad include -> 422")

# ---- SSE framing on the wire (the SDK test checks the decoded audio)
r = speech({"input": "Hello there. How are you?", "stream_format": "sse", "return_timestamps": True})
evs = [json.loads(l[6:]) for l in r.body.decode().split("\n\n") if l.startswith("data: ")]
check(r.header("content-type") == "text/event-stream" and r.chunked, "SSE is streamed even with stream=false")
check([e["type"] for e in evs][-1] == "speech.audio.done" and
      {e["type"] for e in evs} == {"speech.word", "speech.audio.delta", "speech.audio.done"}, "SSE event types")

# ---- kill switches
if off_port:
    check(error_shape_ok(speech({"input": "x", "allow_voice_tags": True}, p=off_port), 403), "ENABLE_VOICE_TAGS=false")
    check(error_shape_ok(post("/dev/dialogue", {"turns": [{"voice": "tv_alpha", "text": "a"}]}, p=off_port), 403),
          "dialogue with tags off -> 403")
    check(error_shape_ok(post("/dev/ssml", {"text": "<speak>a</speak>"}, p=off_port), 403), "ENABLE_SSML=false")
    check(speech({"input": "[voice:x] plain"}, p=off_port).status == 200, "no tags asked: fine")
    r = request(off_port, "GET", "/dev/ssml")
    check(r.status == 200, "GET /dev/ssml still answers")
finish()
