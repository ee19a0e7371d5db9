#!/usr/bin/env python3
"""Renders a Helm chart offline with the subset of Go text/template and Sprig that
deploy/helm/kokoro uses, for the chart test where the helm binary is not available (Debian 12 has
no helm package). Supported: {{ }} with - trimming, comments, define/include/template, if/else
if/else/end, with/end, pipelines, parentheses, field paths on .Values/.Release/.Chart/., and the
functions default, quote, toYaml, indent, nindent, trunc, trimSuffix, printf, eq, ne, lt, le, gt,
ge, not, and, or, add, required, int. Anything else is an error, so the chart cannot quietly
drift beyond what this renderer checks.

usage: render.py CHART_DIR [--set key.path=value ...] [--release NAME] > rendered.yaml"""
import os
import re
import sys

import yaml


class TemplateError(Exception):
    pass


ACTION = re.compile(r"\{\{(-\s)?(.*?)(\s-)?\}\}", re.S)


def tokenize(text):
    """[(kind, value)] with kind 'text' or 'action'; applies the - trim markers."""
    out, pos = [], 0
    for m in ACTION.finditer(text):
        out.append(["text", text[pos:m.start()]])
        if m.group(1) and out[-1][1] is not None:
            out[-1][1] = out[-1][1].rstrip(" \t\r\n")
        out.append(["action", m.group(2).strip(), bool(m.group(3))])
        pos = m.end()
    out.append(["text", text[pos:]])
    # right trims apply to the text that follows
    for i, t in enumerate(out):
        if t[0] == "action" and t[2] and i + 1 < len(out):
            out[i + 1][1] = out[i + 1][1].lstrip(" \t\r\n")
    return [(t[0], t[1]) for t in out if not (t[0] == "action" and t[1].startswith("/*"))]


def parse(tokens, i=0, stop=("end",)):
    """Nodes until one of stop; returns (nodes, index of the stop token, stop word)."""
    nodes = []
    while i < len(tokens):
        kind, val = tokens[i]
        if kind == "text":
            if val:
                nodes.append(("text", val))
            i += 1
            continue
        word = val.split(None, 1)[0] if val else ""
        rest = val[len(word):].strip()
        if word in stop or (word == "else" and "else" in stop):
            return nodes, i, val
        if word in ("if", "with"):
            branches, cond = [], rest
            while True:
                body, j, how = parse(tokens, i + 1, ("end", "else"))
                branches.append((cond, body))
                i = j
                if how == "end":
                    break
                if how.startswith("else if"):
                    cond = how[len("else if"):].strip()
                elif how == "else":
                    cond = None
                else:
                    raise TemplateError(f"unsupported: {how}")
            nodes.append((word, branches))
            i += 1
        elif word == "define":
            body, j, _ = parse(tokens, i + 1, ("end",))
            nodes.append(("define", parse_string(rest), body))
            i = j + 1
        elif word in ("end", "else", "range", "block"):
            raise TemplateError(f"unexpected or unsupported action: {val}")
        else:
            nodes.append(("expr", val))
            i += 1
    if stop != ():
        raise TemplateError(f"missing {{{{ end }}}} (wanted {stop})")
    return nodes, i, None


def parse_string(s):
    s = s.strip()
    if not (s.startswith('"') and s.endswith('"')):
        raise TemplateError(f"expected a quoted name: {s}")
    return s[1:-1]


def split_pipeline(expr):
    parts, depth, cur, q = [], 0, "", None
    for ch in expr:
        if q:
            cur += ch
            if ch == q:
                q = None
            continue
        if ch in "\"`":
            q = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(cur.strip())
            cur = ""
            continue
        cur += ch
    parts.append(cur.strip())
    return parts


def split_args(cmd):
    args, depth, cur, q = [], 0, "", None
    for ch in cmd:
        if q:
            cur += ch
            if ch == q:
                q = None
            continue
        if ch in "\"`":
            q = ch
            cur += ch
        elif ch == "(":
            depth += 1
            cur += ch
        elif ch == ")":
            depth -= 1
            cur += ch
        elif ch.isspace() and depth == 0:
            if cur:
                args.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        args.append(cur)
    return args


def truthy(v):
    return not (v is None or v is False or v == 0 and not isinstance(v, bool) and isinstance(v, (int, float))
                or (isinstance(v, (str, list, dict)) and len(v) == 0))


def to_text(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (dict, list)):
        raise TemplateError("a map or list printed without toYaml")
    return str(v)


def go_quote(s):
    return '"' + to_text(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_yaml(v):
    if v is None:
        return "null"
    return yaml.safe_dump(v, default_flow_style=False, sort_keys=True).rstrip("\n")


def indent(n, s):
    return "\n".join(" " * int(n) + line for line in to_text(s).split("\n"))


def go_printf(fmt, *args):
    out, ai = "", 0
    i = 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            c = fmt[i + 1]
            if c == "%":
                out += "%"
            elif c in "sdv":
                out += to_text(args[ai])
                ai += 1
            else:
                raise TemplateError(f"printf verb %{c} unsupported")
            i += 2
        else:
            out += fmt[i]
            i += 1
    return out


class Renderer:
    def __init__(self, root):
        self.root = root
        self.defines = {}

    FUNCS = {
        "quote": lambda s: go_quote(s),
        "toYaml": to_yaml,
        "indent": lambda n, s: indent(n, s),
        "nindent": lambda n, s: "\n" + indent(n, s),
        "trunc": lambda n, s: to_text(s)[:int(n)],
        "trimSuffix": lambda suf, s: to_text(s)[:-len(suf)] if suf and to_text(s).endswith(suf) else to_text(s),
        "printf": go_printf,
        "default": lambda d, v=None: v if truthy(v) else d,
        "eq": lambda a, b: a == b,
        "ne": lambda a, b: a != b,
        "lt": lambda a, b: a < b,
        "le": lambda a, b: a <= b,
        "gt": lambda a, b: a > b,
        "ge": lambda a, b: a >= b,
        "not": lambda a: not truthy(a),
        "and": lambda *a: next((x for x in a if not truthy(x)), a[-1]),
        "or": lambda *a: next((x for x in a if truthy(x)), a[-1]),
        "add": lambda *a: sum(int(x) for x in a),
        "int": lambda a: int(a),
    }

    def value(self, tok, dot):
        if tok.startswith("("):
            return self.pipeline(tok[1:-1], dot)
        if tok.startswith('"'):
            return bytes(tok[1:-1], "utf-8").decode("unicode_escape")
        if tok.startswith("`"):
            return tok[1:-1]
        if re.fullmatch(r"-?\d+", tok):
            return int(tok)
        if tok in ("true", "false"):
            return tok == "true"
        if tok == "nil":
            return None
        if tok == ".":
            return dot
        if tok.startswith("$."):
            tok, dot = tok[1:], self.root
        if tok.startswith("."):
            v = dot
            for part in tok[1:].split("."):
                if isinstance(v, dict):
                    v = v.get(part)
                else:
                    v = None
            return v
        raise TemplateError(f"unknown token {tok}")

    def command(self, cmd, dot, piped, has_piped):
        args = split_args(cmd)
        if not args:
            raise TemplateError("empty command")
        name = args[0]
        if name in ("include", "template"):
            vals = [self.value(a, dot) for a in args[1:]] + ([piped] if has_piped else [])
            if vals[0] not in self.defines:
                raise TemplateError(f"no template named {vals[0]}")
            return self.render_nodes(self.defines[vals[0]], vals[1] if len(vals) > 1 else None)
        if name == "required":
            vals = [self.value(a, dot) for a in args[1:]] + ([piped] if has_piped else [])
            if not truthy(vals[1]):
                raise TemplateError(vals[0])
            return vals[1]
        if name in self.FUNCS:
            vals = [self.value(a, dot) for a in args[1:]] + ([piped] if has_piped else [])
            return self.FUNCS[name](*vals)
        if len(args) > 1 or has_piped:
            raise TemplateError(f"unknown function {name}")
        return self.value(name, dot)

    def pipeline(self, expr, dot):
        v, has = None, False
        for cmd in split_pipeline(expr):
            v, has = self.command(cmd, dot, v, has), True
        return v

    def render_nodes(self, nodes, dot):
        out = []
        for n in nodes:
            if n[0] == "text":
                out.append(n[1])
            elif n[0] == "expr":
                out.append(to_text(self.pipeline(n[1], dot)))
            elif n[0] in ("if", "with"):
                for cond, body in n[1]:
                    if cond is None:
                        out.append(self.render_nodes(body, dot))
                        break
                    v = self.pipeline(cond, dot)
                    if truthy(v):
                        out.append(self.render_nodes(body, v if n[0] == "with" else dot))
                        break
            elif n[0] == "define":
                pass
        return "".join(out)

    def load(self, path):
        nodes, _, _ = parse(tokenize(open(path, encoding="utf-8").read()), 0, ())
        for n in nodes:
            if n[0] == "define":
                self.defines[n[1]] = n[2]
        return nodes


def set_value(values, path, raw):
    keys = path.split(".")
    for k in keys[:-1]:
        values = values.setdefault(k, {})
    values[keys[-1]] = yaml.safe_load(raw)


def render_chart(chart, sets=(), release="kokoro", namespace="default"):
    meta = yaml.safe_load(open(os.path.join(chart, "Chart.yaml")))
    values = yaml.safe_load(open(os.path.join(chart, "values.yaml"))) or {}
    for s in sets:
        k, v = s.split("=", 1)
        set_value(values, k, v)
    root = {"Values": values, "Release": {"Name": release, "Namespace": namespace, "Service": "Helm"},
            "Chart": {"Name": meta["name"], "Version": meta["version"], "AppVersion": meta.get("appVersion", "")}}
    r = Renderer(root)
    tdir = os.path.join(chart, "templates")
    files = sorted(os.listdir(tdir))
    parsed = {f: r.load(os.path.join(tdir, f)) for f in files if f.endswith((".yaml", ".tpl", ".txt"))}
    docs = []
    for f in files:
        if f.startswith("_") or not f.endswith(".yaml"):
            continue
        text = r.render_nodes(parsed[f], root)
        if text.strip():
            docs.append(f"---\n# Source: {meta['name']}/templates/{f}\n{text.strip()}\n")
    return "".join(docs)


def main(argv):
    chart, sets, release = None, [], "kokoro"
    i = 0
    while i < len(argv):
        if argv[i] == "--set":
            sets.append(argv[i + 1])
            i += 2
        elif argv[i] == "--release":
            release = argv[i + 1]
            i += 2
        else:
            chart = argv[i]
            i += 1
    if not chart:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    try:
        sys.stdout.write(render_chart(chart, sets, release))
    except TemplateError as e:
        print(f"render.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
