#!/usr/bin/env python3
"""Builds the Mandarin G2P tables that libkokoro embeds (src/text/zh/zh_data.c) from data/zh/.

Runs at build time (CMake custom command). Usage: scripts/gen_zh.py DATA_ZH_DIR OUT_DIR

The sources are the pinned reference tables (jieba 0.42.1, pypinyin 0.55.0, misaki 0.9.4; see
data/zh/LICENSE). Only what the legacy ZHG2P path can reach is kept, pre-joined so that the C side
needs no table of syllables:
  zh-jieba.txt    first line: the sum of all dict.txt frequencies; then WORD<TAB>FREQ for every
                  key of jieba's FREQ made only of U+4E00-U+9FD5 (the only characters a jieba block
                  holds on this path), leaving out zero-frequency keys that are prefixes of a listed
                  key (the C loader derives those, as jieba does).
  zh-hmm.txt      STATE<TAB>KIND<TAB>KEY<TAB>BITS: start/trans/emit log-probabilities, BITS the
                  IEEE-754 bit pattern in hex (locale-free and exact); emissions only for
                  U+4E00-U+9FD5 (KEY the code point in hex).
  zh-phrases.txt  PHRASE<TAB>IPA: pypinyin phrases with misaki's IPA of their syllables joined.
  zh-chars.txt    CODEPOINT-HEX<TAB>IPA for U+4E00-U+9FFF characters pypinyin knows.
"""
import gzip
import os
import struct
import sys


def is_block_char(c):
    return 0x4E00 <= ord(c) <= 0x9FD5


def rows(path):
    with open(path, encoding='utf-8', newline='\n') as f:
        for line in f:
            line = line.rstrip('\n')
            if line.startswith('#'):
                continue
            yield line.split('\t')


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)

    ipa = {r[0]: r[1] for r in rows(os.path.join(src, 'misaki-0.9.4-syllable-ipa.tsv'))}

    # jieba FREQ, as jieba.Tokenizer.gen_pfdict builds it
    freq, total = {}, 0
    with gzip.open(os.path.join(src, 'jieba-0.42.1-dict.txt.gz'), 'rt', encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            word, n = line.split(' ')[:2]
            n = int(n)
            freq[word] = n
            total += n
            for i in range(len(word)):
                freq.setdefault(word[:i + 1], 0)
    keys = {k: v for k, v in freq.items() if all(is_block_char(c) for c in k)}
    derived = set()
    for k in keys:
        for i in range(1, len(k)):
            derived.add(k[:i])
    with open(os.path.join(out, 'zh-jieba.txt'), 'w', encoding='utf-8', newline='\n') as f:
        f.write(f'{total}\n')
        for k in sorted(keys):
            if keys[k] == 0 and k in derived:
                continue
            f.write(f'{k}\t{keys[k]}\n')

    def bits(x):
        return struct.unpack('<Q', struct.pack('<d', float(x)))[0]

    with open(os.path.join(out, 'zh-hmm.txt'), 'w', encoding='utf-8', newline='\n') as f:
        for kind, state, key, p in rows(os.path.join(src, 'jieba-0.42.1-hmm.tsv')):
            if kind == 'emit':
                if len(key) != 1 or not is_block_char(key):
                    continue
                key = f'{ord(key):X}'
            f.write(f'{state}\t{kind}\t{key}\t{bits(p):016X}\n')

    with open(os.path.join(out, 'zh-phrases.txt'), 'w', encoding='utf-8', newline='\n') as f:
        for phrase, tone3, _raw in rows(os.path.join(src, 'pypinyin-0.55.0-phrases.tsv')):
            f.write(phrase + '\t' + ''.join(ipa[s] for s in tone3.split(' ')) + '\n')

    with open(os.path.join(out, 'zh-chars.txt'), 'w', encoding='utf-8', newline='\n') as f:
        for cp, _ch, tone3, _raw in rows(os.path.join(src, 'pypinyin-0.55.0-chars.tsv')):
            c = int(cp[2:], 16)
            if 0x4E00 <= c <= 0x9FFF:
                f.write(f'{c:X}\t{ipa[tone3]}\n')


if __name__ == '__main__':
    main()
