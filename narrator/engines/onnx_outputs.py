"""Expose an inner tensor of an ONNX model as an extra output, without the onnx package.

Piper's ``patch_voice_with_alignment`` does this with ``onnx.load`` (marking its ``w_ceil``
as an output, for per-phoneme durations), but importing ``onnx`` takes 1.5-2.7 s here,
longer than loading a voice. An ONNX file is one protobuf message, and protobuf lets a
repeated field be extended by appending a record, so the patch is: find the node by its
operator, append ``ValueInfoProto{name}`` to ``GraphProto.output`` (field 12), and fix
the length of ``ModelProto.graph`` (field 7). Only the top of the message is walked; the
weights are skipped by their lengths, so a 60 MB model patches in milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterator

__all__ = ["add_output", "node_io"]

_MODEL_GRAPH = 7
_GRAPH_NODE = 1
_GRAPH_OUTPUT = 12
_VALUE_INFO_NAME = 1
_NODE_INPUT, _NODE_OUTPUT, _NODE_OP_TYPE = 1, 2, 4
_LENGTH_DELIMITED = 2


class ModelFormatError(ValueError):
    """The bytes are not an ONNX model this module can read."""


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(buf):
            raise ModelFormatError("truncated varint")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _fields(buf: bytes, start: int, end: int) -> Iterator[tuple[int, int, int, int, int]]:
    """(field, wire type, record start, value start, value end) for each record."""
    pos = start
    while pos < end:
        record = pos
        key, pos = _varint(buf, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            _, after = _varint(buf, pos)
        elif wire == 1:
            after = pos + 8
        elif wire == _LENGTH_DELIMITED:
            length, pos = _varint(buf, pos)
            after = pos + length
        elif wire == 5:
            after = pos + 4
        else:
            raise ModelFormatError(f"unsupported wire type {wire}")
        if after > end:
            raise ModelFormatError("a field runs past its message")
        yield field, wire, record, pos, after
        pos = after


def _graph(model: bytes) -> tuple[int, int, int]:
    """(record start, value start, value end) of the model's graph."""
    for field, wire, record, start, end in _fields(model, 0, len(model)):
        if field == _MODEL_GRAPH and wire == _LENGTH_DELIMITED:
            return record, start, end
    raise ModelFormatError("no graph in the model")


def node_io(model: bytes, op_type: str) -> list[tuple[list[str], list[str]]]:
    """Inputs and outputs of every top-level node whose operator is ``op_type``."""
    _, g_start, g_end = _graph(model)
    wanted = op_type.encode()
    found = []
    for field, wire, _, start, end in _fields(model, g_start, g_end):
        if field != _GRAPH_NODE or wire != _LENGTH_DELIMITED:
            continue
        inputs: list[str] = []
        outputs: list[str] = []
        op = b""
        for n_field, n_wire, _, n_start, n_end in _fields(model, start, end):
            if n_wire != _LENGTH_DELIMITED:
                continue
            if n_field == _NODE_OP_TYPE:
                op = model[n_start:n_end]
            elif n_field == _NODE_INPUT:
                inputs.append(model[n_start:n_end].decode())
            elif n_field == _NODE_OUTPUT:
                outputs.append(model[n_start:n_end].decode())
        if op == wanted:
            found.append((inputs, outputs))
    return found


def _outputs(model: bytes, g_start: int, g_end: int) -> list[str]:
    names = []
    for field, wire, _, start, end in _fields(model, g_start, g_end):
        if field == _GRAPH_OUTPUT and wire == _LENGTH_DELIMITED:
            for v_field, v_wire, _, v_start, v_end in _fields(model, start, end):
                if v_field == _VALUE_INFO_NAME and v_wire == _LENGTH_DELIMITED:
                    names.append(model[v_start:v_end].decode())
    return names


def add_output(model: bytes, name: str) -> bytes:
    """``model`` with the tensor ``name`` also returned as the graph's last output
    (unchanged when it already is one)."""
    record, g_start, g_end = _graph(model)
    if name in _outputs(model, g_start, g_end):
        return model
    encoded = name.encode()
    value_info = bytes([(_VALUE_INFO_NAME << 3) | _LENGTH_DELIMITED])
    value_info += _encode_varint(len(encoded)) + encoded
    extra = bytes([(_GRAPH_OUTPUT << 3) | _LENGTH_DELIMITED])
    extra += _encode_varint(len(value_info)) + value_info
    graph = model[g_start:g_end] + extra
    header = bytes([(_MODEL_GRAPH << 3) | _LENGTH_DELIMITED]) + _encode_varint(len(graph))
    return model[:record] + header + graph + model[g_end:]
