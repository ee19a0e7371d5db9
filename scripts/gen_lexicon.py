#!/usr/bin/env python3
"""Converts misaki's English lexicons (JSON) into the compact line format embedded in libkokoro.

Run at development time only; the generated data/misaki-en-*.lex files are committed so that
building needs no Python. Usage: scripts/gen_lexicon.py [LEXICON_DIR] [OUT_DIR]

Output format (UTF-8, one entry per line, sorted):
    =gold | =silver          section markers; gold entries precede silver ones
    WORD<TAB>PHONEMES        a plain entry
    WORD<TAB>@TAG=PS|TAG=PS  a part-of-speech keyed entry; PS '~' stands for JSON null
misaki's grow_dictionary step (Capitalised copies of lowercase keys and lowercase copies of
Capitalised keys, existing keys winning) is not stored: the C lookup derives those keys on the
fly. A silver entry whose key the grown gold dictionary already has can never be reached (gold is
consulted first and the key then exists there), so it is left out to halve the data.
"""
import json
import os
import sys


def grow(d):
    extra = {}
    for k, v in d.items():
        if len(k) < 2:
            continue
        if k == k.lower():
            if k != k.capitalize():
                extra[k.capitalize()] = v
        elif k == k.lower().capitalize():
            extra[k.lower()] = v
    return {**extra, **d}


def encode(v):
    if isinstance(v, str):
        assert v and not any(c in v for c in '\t\n|=@~'), v
        return v
    parts = []
    for tag in sorted(v):
        ps = v[tag]
        assert ps is None or (ps and not any(c in ps for c in '\t\n|=@~')), (tag, ps)
        parts.append(f"{tag}={'~' if ps is None else ps}")
    return '@' + '|'.join(parts)


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'misaki-lexicons')
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), '..', 'data')
    for accent in ('us', 'gb'):
        lines = [f'# misaki {accent} English lexicon (gold, silver), Apache-2.0; see data/LICENSE-misaki\n']
        grown_gold = None
        for level in ('gold', 'silver'):
            with open(os.path.join(src, f'{accent}_{level}.json'), encoding='utf-8') as f:
                d = json.load(f)
            if grown_gold is None:
                grown_gold = grow(d)
            else:
                d = {k: v for k, v in d.items() if k not in grown_gold}
            lines.append(f'={level}\n')
            for k in sorted(d):
                assert k and not any(c in k for c in '\t\n') and k[0] not in '#=', k
                lines.append(f'{k}\t{encode(d[k])}\n')
        path = os.path.join(out, f'misaki-en-{accent}.lex')
        with open(path, 'w', encoding='utf-8', newline='\n') as f:
            f.writelines(lines)
        print(path, len(lines), 'lines')


if __name__ == '__main__':
    main()
