#!/usr/bin/env python3
"""Writes the request and response cases of http-parser 2.9.4's test.c (MIT licensed, from
Debian's `http-parser` source package) as Rust data, for the data plane's conformance tests.

  apt-get source http-parser    # needs a deb-src entry (scripts/kube-local.sh shows one)
  python3 scripts/http_parser_cases.py http-parser-2.9.4 requests > server/tests/proxy/http_parser_requests.rs
  python3 scripts/http_parser_cases.py http-parser-2.9.4 responses > server/tests/proxy/http_parser_responses.rs
"""

import re
import sys

ESCAPES = {"r": "\r", "n": "\n", "t": "\t", '"': '"', "\\": "\\", "0": "\0"}


def c_strings(text):
    """The concatenation of the C string literals in `text`, as bytes (the source is UTF-8)."""
    out = bytearray()
    for literal in re.findall(r'"((?:[^"\\]|\\.)*)"', text, re.S):
        i = 0
        while i < len(literal):
            c = literal[i]
            if c == "\\":
                out += ESCAPES[literal[i + 1]].encode()
                i += 2
            else:
                out += c.encode("utf-8")
                i += 1
    return bytes(out)


def fields(entry):
    """`.name= value` pairs of one initializer, values as source text."""
    # Field marks outside string literals (a value like "0.0.0.0=5000" holds ".0=").
    tokens = re.finditer(r'"(?:[^"\\]|\\.)*"|\.(\w+)\s*=', entry)
    marks = [token for token in tokens if token.group(1)]
    found = {}
    for mark, after in zip(marks, marks[1:] + [None]):
        value = entry[mark.end(): after.start() if after else len(entry)]
        found[mark.group(1)] = value.strip().rstrip(",").strip()
    return found


def entries(source, array):
    start = source.index(f"const struct message {array}[] =")
    end = source.index("\n};", start)
    # Comments go (strings are matched first, so a "//" inside one stays); so do preprocessor
    # lines (the non-strict cases stay: Debian builds non-strict).
    text = re.sub(
        r'("(?:[^"\\]|\\.)*")|/\*.*?\*/|//[^\n]*',
        lambda m: m.group(1) or "",
        source[start:end],
        flags=re.S,
    )
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    # Each message starts with `{.name` (after `{ ` or `, ` at the start of a line).
    return [fields(chunk) for chunk in re.split(r"\n?(?:\{ |, )\{(?=\s*\.name)", body)[1:]]


def rust_bytes(data):
    out = []
    for b in data:
        c = chr(b)
        if c == "\\":
            out.append("\\\\")
        elif c == '"':
            out.append('\\"')
        elif c == "\r":
            out.append("\\r")
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif 0x20 <= b < 0x7F:
            out.append(c)
        else:
            out.append(f"\\x{b:02x}")
    return 'b"' + "".join(out) + '"'


def headers(text):
    pairs = re.findall(r'\{\s*("(?:[^"\\]|\\.)*")\s*,\s*("(?:[^"\\]|\\.)*")\s*\}', text or "")
    return "&[" + ", ".join(f"({rust_bytes(c_strings(k))}, {rust_bytes(c_strings(v))})" for k, v in pairs) + "]"


def case(f):
    truth = lambda key: "true" if f.get(key, "FALSE").strip() in ("TRUE", "1") else "false"
    method = f.get("method", "").replace("HTTP_", "")
    return (
        "    Case {\n"
        f"        name: {rust_bytes(c_strings(f['name']))},\n"
        f"        raw: {rust_bytes(c_strings(f['raw']))},\n"
        f"        keep_alive: {truth('should_keep_alive')},\n"
        f"        version: ({f.get('http_major', '1')}, {f.get('http_minor', '1')}),\n"
        f'        method: "{method}",\n'
        f"        url: {rust_bytes(c_strings(f.get('request_url', '')))},\n"
        f"        status: {f.get('status_code', '0')},\n"
        f"        headers: {headers(f.get('headers'))},\n"
        f"        body: {rust_bytes(c_strings(f.get('body', '')))},\n"
        "    },\n"
    )


def main():
    root, array = sys.argv[1], sys.argv[2]
    source = open(f"{root}/test.c", encoding="utf-8").read()
    license_text = open(f"{root}/LICENSE-MIT", encoding="utf-8").read().strip()
    print(f"//! The {array[:-1]} cases of http-parser 2.9.4's `test.c`, as data: written by")
    print("//! `scripts/http_parser_cases.py` from Debian's `http-parser` source package; do not edit.")
    print("//!")
    for line in license_text.splitlines():
        print(f"//! {line}".rstrip())
    print()
    print("use super::conformance::Case;")
    print()
    print(f"/// The `{array}` of test.c.")
    print(f"pub const {array.upper()}: &[Case] = &[")
    print("".join(case(f) for f in entries(source, array)), end="")
    print("];")


if __name__ == "__main__":
    main()
