#!/usr/bin/env python3
"""Cuts a wasm module down to the sections the reader reads.

Keeps the header, the type/import/function/table/memory/global/export/tag
sections and the custom sections except `name`; replaces every function body
by an empty one (the parser wants one body per declared function) and drops
data, elements and the start function. A 5.6 MB module becomes a seed small enough for the
fuzzer to mutate quickly (usage: cut-wasm.py IN OUT).
"""
import sys

KEEP = {1, 2, 3, 4, 5, 6, 7, 13}


def leb(data, pos):
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def encode_leb(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def custom_name(payload):
    length, pos = leb(payload, 0)
    return payload[pos:pos + length].decode("utf-8", "replace")


def cut(data):
    out = bytearray(data[:8])
    pos = 8
    while pos < len(data):
        start = pos
        section_id = data[pos]
        size, pos = leb(data, pos + 1)
        payload = data[pos:pos + size]
        pos += size
        if section_id == 10:
            count, _ = leb(payload, 0)
            bodies = encode_leb(count) + b"\x02\x00\x0b" * count
            out += bytes([10]) + encode_leb(len(bodies)) + bodies
        elif section_id in KEEP or (section_id == 0 and custom_name(payload) != "name"):
            out += data[start:pos]
    return bytes(out)


if __name__ == "__main__":
    with open(sys.argv[1], "rb") as f:
        module = f.read()
    with open(sys.argv[2], "wb") as f:
        f.write(cut(module))
