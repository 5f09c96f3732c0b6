#!/usr/bin/python3
"""Independent reference for tst_tensorboard_peer: TensorBoard event files built and parsed with
the protobuf runtime (Debian python3-protobuf), not with hdr_tensorboard.

The messages are declared here as a descriptor with the field numbers of TensorFlow's
event.proto, summary.proto, tensor.proto and tensor_shape.proto; the TFRecord framing and CRC-32C
are written out again below. Neither TensorBoard nor PyTorch's SummaryWriter is needed (TensorBoard
is not packaged for Debian 12), but the values are built the way PyTorch's
torch/utils/tensorboard/summary.py builds them (simple_value by default, a DT_FLOAT tensor with
plugin "scalars" for new_style=True, DT_DOUBLE for double_precision=True) and the way TensorFlow 2
does (tensor_content, metadata only with a tag's first value).

usage:
  tensorboard_peer.py check          exit 0 when the protobuf runtime imports, 3 otherwise
  tensorboard_peer.py write FILE     write an event file, print the records a reader must find
  tensorboard_peer.py read FILE      parse an event file, print the records it holds
Output, one tab-separated line per item (floats in Python repr, which round-trips exactly):
  version  <file_version>
  scalar   <tag> <step> <wall_time> <value>
  image    <tag> <step> <wall_time> <width> <height> <channels> <sample> <hex of the bytes>
  problem  <byte offset of a record whose payload checksum was damaged on purpose>
  events   <number of records>        (read mode)
"""
import random
import struct
import sys

try:
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
except ImportError:
    if len(sys.argv) > 1 and sys.argv[1] == "check":
        sys.exit(3)
    sys.stderr.write("needs the protobuf runtime (Debian package python3-protobuf)\n")
    sys.exit(3)

F = descriptor_pb2.FieldDescriptorProto

# --- the message declarations -------------------------------------------------------------------


def _field(msg, name, number, ftype, label=F.LABEL_OPTIONAL, type_name=None, oneof=None, packed=None):
    f = msg.field.add(name=name, number=number, type=ftype, label=label)
    if type_name:
        f.type_name = type_name
    if oneof is not None:
        f.oneof_index = oneof
    if packed is not None:
        f.options.packed = packed
    return f


def _build_classes():
    fd = descriptor_pb2.FileDescriptorProto(name="hdr_tensorboard_peer.proto", package="tb", syntax="proto3")
    rep = F.LABEL_REPEATED

    dtype = fd.enum_type.add(name="DataType")
    for name, number in [("DT_INVALID", 0), ("DT_FLOAT", 1), ("DT_DOUBLE", 2), ("DT_INT32", 3),
                         ("DT_UINT8", 4), ("DT_INT16", 5), ("DT_INT8", 6), ("DT_STRING", 7),
                         ("DT_INT64", 9), ("DT_BOOL", 10), ("DT_BFLOAT16", 14), ("DT_HALF", 19)]:
        dtype.value.add(name=name, number=number)

    shape = fd.message_type.add(name="TensorShapeProto")
    dim = shape.nested_type.add(name="Dim")
    _field(dim, "size", 1, F.TYPE_INT64)
    _field(dim, "name", 2, F.TYPE_STRING)
    _field(shape, "dim", 2, F.TYPE_MESSAGE, rep, ".tb.TensorShapeProto.Dim")
    _field(shape, "unknown_rank", 3, F.TYPE_BOOL)

    tensor = fd.message_type.add(name="TensorProto")
    _field(tensor, "dtype", 1, F.TYPE_ENUM, type_name=".tb.DataType")
    _field(tensor, "tensor_shape", 2, F.TYPE_MESSAGE, type_name=".tb.TensorShapeProto")
    _field(tensor, "version_number", 3, F.TYPE_INT32)
    _field(tensor, "tensor_content", 4, F.TYPE_BYTES)
    _field(tensor, "float_val", 5, F.TYPE_FLOAT, rep, packed=True)
    _field(tensor, "double_val", 6, F.TYPE_DOUBLE, rep, packed=True)
    _field(tensor, "int_val", 7, F.TYPE_INT32, rep, packed=True)
    _field(tensor, "string_val", 8, F.TYPE_BYTES, rep)
    _field(tensor, "int64_val", 10, F.TYPE_INT64, rep, packed=True)
    _field(tensor, "bool_val", 11, F.TYPE_BOOL, rep, packed=True)
    _field(tensor, "half_val", 13, F.TYPE_INT32, rep, packed=True)

    meta = fd.message_type.add(name="SummaryMetadata")
    plugin = meta.nested_type.add(name="PluginData")
    _field(plugin, "plugin_name", 1, F.TYPE_STRING)
    _field(plugin, "content", 2, F.TYPE_BYTES)
    _field(meta, "plugin_data", 1, F.TYPE_MESSAGE, type_name=".tb.SummaryMetadata.PluginData")
    _field(meta, "display_name", 2, F.TYPE_STRING)
    _field(meta, "summary_description", 3, F.TYPE_STRING)
    _field(meta, "data_class", 4, F.TYPE_INT32)

    histo = fd.message_type.add(name="HistogramProto")
    for name, number in [("min", 1), ("max", 2), ("num", 3), ("sum", 4), ("sum_squares", 5)]:
        _field(histo, name, number, F.TYPE_DOUBLE)
    _field(histo, "bucket_limit", 6, F.TYPE_DOUBLE, rep, packed=True)
    _field(histo, "bucket", 7, F.TYPE_DOUBLE, rep, packed=True)

    summary = fd.message_type.add(name="Summary")
    image = summary.nested_type.add(name="Image")
    _field(image, "height", 1, F.TYPE_INT32)
    _field(image, "width", 2, F.TYPE_INT32)
    _field(image, "colorspace", 3, F.TYPE_INT32)
    _field(image, "encoded_image_string", 4, F.TYPE_BYTES)
    _field(image, "unknown_to_readers", 30, F.TYPE_INT64)  # not in summary.proto: must be skipped
    value = summary.nested_type.add(name="Value")
    value.oneof_decl.add(name="value")
    _field(value, "node_name", 7, F.TYPE_STRING)
    _field(value, "tag", 1, F.TYPE_STRING)
    _field(value, "metadata", 9, F.TYPE_MESSAGE, type_name=".tb.SummaryMetadata")
    _field(value, "simple_value", 2, F.TYPE_FLOAT, oneof=0)
    _field(value, "obsolete_old_style_histogram", 3, F.TYPE_BYTES, oneof=0)
    _field(value, "image", 4, F.TYPE_MESSAGE, type_name=".tb.Summary.Image", oneof=0)
    _field(value, "histo", 5, F.TYPE_MESSAGE, type_name=".tb.HistogramProto", oneof=0)
    _field(value, "tensor", 8, F.TYPE_MESSAGE, type_name=".tb.TensorProto", oneof=0)
    _field(value, "unknown_to_readers", 77, F.TYPE_FIXED64)  # not in summary.proto
    _field(summary, "value", 1, F.TYPE_MESSAGE, rep, ".tb.Summary.Value")
    _field(summary, "unknown_to_readers", 55, F.TYPE_BYTES)  # not in summary.proto

    session_log = fd.message_type.add(name="SessionLog")
    _field(session_log, "status", 1, F.TYPE_INT32)
    _field(session_log, "checkpoint_path", 2, F.TYPE_STRING)
    _field(session_log, "msg", 3, F.TYPE_STRING)

    event = fd.message_type.add(name="Event")
    event.oneof_decl.add(name="what")
    _field(event, "wall_time", 1, F.TYPE_DOUBLE)
    _field(event, "step", 2, F.TYPE_INT64)
    _field(event, "file_version", 3, F.TYPE_STRING, oneof=0)
    _field(event, "graph_def", 4, F.TYPE_BYTES, oneof=0)
    _field(event, "summary", 5, F.TYPE_MESSAGE, type_name=".tb.Summary", oneof=0)
    _field(event, "session_log", 7, F.TYPE_MESSAGE, type_name=".tb.SessionLog", oneof=0)

    pool = descriptor_pool.DescriptorPool()
    pool.Add(fd)
    names = ["Event", "Summary", "Summary.Value", "Summary.Image", "SummaryMetadata", "SummaryMetadata.PluginData",
             "TensorProto", "TensorShapeProto", "TensorShapeProto.Dim", "HistogramProto", "SessionLog"]
    if hasattr(message_factory, "GetMessageClass"):  # protobuf >= 4.22
        return {n: message_factory.GetMessageClass(pool.FindMessageTypeByName("tb." + n)) for n in names}
    factory = message_factory.MessageFactory(pool)
    return {n: factory.GetPrototype(pool.FindMessageTypeByName("tb." + n)) for n in names}


M = _build_classes()
Event, Summary, Tensor, Meta = M["Event"], M["Summary"], M["TensorProto"], M["SummaryMetadata"]
Value, Image, Shape, Dim = M["Summary.Value"], M["Summary.Image"], M["TensorShapeProto"], M["TensorShapeProto.Dim"]

# --- TFRecord framing with CRC-32C (Castagnoli), written out again ------------------------------


def _crc_table():
    table = []
    for b in range(256):
        crc = b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _crc_table()


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc = (crc >> 8) ^ _TABLE[(crc ^ b) & 0xFF]
    return crc ^ 0xFFFFFFFF


def masked(data):
    crc = crc32c(data)
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def frame(payload):
    length = struct.pack("<Q", len(payload))
    return length + struct.pack("<I", masked(length)) + payload + struct.pack("<I", masked(payload))


# --- write mode ----------------------------------------------------------------------------------


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def scalars_plugin():
    return Meta(plugin_data=M["SummaryMetadata.PluginData"](plugin_name="scalars"))


def write(path):
    rng = random.Random(20240611)
    out = bytearray()
    expected = []

    def add(event, extra=b""):
        out.extend(frame(event.SerializeToString() + extra))

    def scalar(tag, step, wall, value):
        expected.append("scalar\t%s\t%d\t%r\t%r" % (tag, step, wall, value))

    def image(tag, step, wall, w, h, channels, sample, data):
        expected.append("image\t%s\t%d\t%r\t%d\t%d\t%d\t%d\t%s" % (tag, step, wall, w, h, channels, sample, data.hex()))

    wall0 = 1718000000.125
    add(Event(wall_time=wall0, file_version="brain.Event:2"))
    expected.append("version\tbrain.Event:2")

    steps = [0, 1, 2, 127, 128, 300, 16383, 16384, 2**31 + 5, 2**40 + 3, -3] + list(range(1000, 1200))
    for i, step in enumerate(steps):
        wall = wall0 + i * 0.5
        # PyTorch add_scalar default: simple_value (a float32).
        v = rng.uniform(-10, 10)
        add(Event(wall_time=wall, step=step, summary=Summary(value=[Value(tag="loss/train", simple_value=v)])))
        scalar("loss/train", step, wall, f32(v))
        if i % 4 == 0:
            # PyTorch add_scalar(new_style=True): DT_FLOAT tensor, float_val, plugin "scalars".
            v = rng.uniform(0, 1)
            t = Tensor(dtype=1, float_val=[v])
            add(Event(wall_time=wall, step=step,
                      summary=Summary(value=[Value(tag="acc/new_style", tensor=t, metadata=scalars_plugin())])))
            scalar("acc/new_style", step, wall, f32(v))
        if i % 5 == 0:
            # PyTorch new_style + double_precision=True: DT_DOUBLE, double_val.
            v = rng.uniform(-1e6, 1e6)
            t = Tensor(dtype=2, double_val=[v])
            add(Event(wall_time=wall, step=step,
                      summary=Summary(value=[Value(tag="acc/double", tensor=t, metadata=scalars_plugin())])))
            scalar("acc/double", step, wall, v)
        if i % 3 == 0:
            # TensorFlow 2 tf.summary.scalar: tensor_content, shape [], metadata with the first value only.
            v = rng.uniform(1e-5, 1e-2)
            t = Tensor(dtype=1, tensor_content=struct.pack("<f", v), tensor_shape=Shape())
            val = Value(tag="tf2/learning_rate", tensor=t)
            if i == 0:
                val.metadata.CopyFrom(scalars_plugin())
            add(Event(wall_time=wall, step=step, summary=Summary(value=[val])))
            scalar("tf2/learning_rate", step, wall, f32(v))

    # Integer, half and bool tensors (rank 0 and shape [1, 1]).
    dim1 = Dim(size=1)
    cases = [
        ("int/int64", Tensor(dtype=9, int64_val=[-5]), -5.0),
        ("int/int32", Tensor(dtype=3, int_val=[123456], tensor_shape=Shape(dim=[dim1, dim1])), 123456.0),
        ("int/int8_content", Tensor(dtype=6, tensor_content=b"\xfe"), -2.0),
        ("int/int64_content", Tensor(dtype=9, tensor_content=struct.pack("<q", -(2**40))), float(-(2**40))),
        ("half/half_val", Tensor(dtype=19, half_val=[0x3E00]), 1.5),
        ("half/bfloat16", Tensor(dtype=14, half_val=[0xC040]), -3.0),
        ("bool/true", Tensor(dtype=10, bool_val=[True]), 1.0),
        ("double/content", Tensor(dtype=2, tensor_content=struct.pack("<d", 0.1)), 0.1),
    ]
    for k, (tag, t, v) in enumerate(cases):
        wall = wall0 + 2000 + k
        add(Event(wall_time=wall, step=5000 + k,
                  summary=Summary(value=[Value(tag=tag, tensor=t, metadata=scalars_plugin())])))
        scalar(tag, 5000 + k, wall, v)

    # PyTorch add_image: legacy Summary.Image; plus a field no reader knows inside the image.
    for k, (w, h, c) in enumerate([(1, 1, 1), (16, 9, 3), (640, 480, 4), (3, 5, 2)]):
        data = b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 3000)))
        wall = wall0 + 3000 + k
        img = Image(height=h, width=w, colorspace=c, encoded_image_string=data, unknown_to_readers=-7)
        add(Event(wall_time=wall, step=10 * k, summary=Summary(value=[Value(tag="samples/legacy", image=img)])))
        image("samples/legacy", 10 * k, wall, w, h, c, 0, data)

    # The images plugin's tensor: [width, height, png0, png1] as strings.
    pngs = [b"\x89PNG-first" + bytes(range(40)), b"\x89PNG-second" + bytes(range(7))]
    t = Tensor(dtype=7, string_val=[b"64", b"32"] + pngs, tensor_shape=Shape(dim=[Dim(size=4)]))
    meta = Meta(plugin_data=M["SummaryMetadata.PluginData"](plugin_name="images"))
    wall = wall0 + 4000
    add(Event(wall_time=wall, step=77, summary=Summary(value=[Value(tag="samples/v2", tensor=t, metadata=meta)])))
    for k, png in enumerate(pngs):
        image("samples/v2", 77, wall, 64, 32, 0, k, png)

    # One event with several values: text and a histogram (skipped), a scalar and a field no
    # reader knows in the Value and in the Summary; then raw unknown Event fields of every wire
    # type (varint, fixed64, length-delimited, fixed32, a group with a nested group).
    text = Tensor(dtype=7, string_val=[b"hello **world**"], tensor_shape=Shape(dim=[dim1]))
    values = [
        Value(tag="notes/text_summary", tensor=text, metadata=Meta(plugin_data=M["SummaryMetadata.PluginData"](plugin_name="text"))),
        Value(tag="weights", histo=M["HistogramProto"](min=-1, max=1, num=3, bucket_limit=[0, 1], bucket=[1, 2])),
        Value(tag="mixed/scalar", simple_value=0.25, unknown_to_readers=0xFFFFFFFFFFFFFFFF),
    ]
    wall = wall0 + 5000
    unknown = (bytes([0x98, 0x06]) + bytes([0xFF] * 9 + [0x01])             # field 99 varint
               + bytes([0x91, 0x06]) + bytes(8)                            # field 98 fixed64
               + bytes([0x8A, 0x06, 0x03]) + b"abc"                        # field 97 bytes
               + bytes([0x85, 0x06]) + bytes(4)                            # field 96 fixed32
               + bytes([0xFB, 0x05, 0x08, 0x01, 0xE3, 0x05, 0xE4, 0x05, 0xFC, 0x05]))  # group 95 { 1: 1, group 92 {} }
    add(Event(wall_time=wall, step=900, summary=Summary(value=values, unknown_to_readers=b"\x00\x01")), unknown)
    scalar("mixed/scalar", 900, wall, 0.25)

    # An event with no summary (a session log), then one whose payload checksum is damaged.
    add(Event(wall_time=wall + 1, step=901, session_log=M["SessionLog"](status=1, msg="start")))
    damaged_at = len(out)
    bad = bytearray(frame(Event(wall_time=wall + 2, step=902, summary=Summary(value=[Value(tag="lost", simple_value=1.0)])).SerializeToString()))
    bad[-1] ^= 0x5A
    out.extend(bad)
    expected.append("problem\t%d" % damaged_at)

    # After the damaged record: more good data (the reader must go on), special floats.
    for k, v in enumerate([float("inf"), float("-inf"), -0.0, 3.4028234663852886e38, 1e-45]):
        wall = wall0 + 6000 + k
        add(Event(wall_time=wall, step=1000000 + k, summary=Summary(value=[Value(tag="special", simple_value=v)])))
        scalar("special", 1000000 + k, wall, f32(v))

    # A record cut short, as a writer killed mid-write leaves it: readers wait, no error.
    tail = frame(Event(wall_time=wall0 + 7000, step=5, summary=Summary(value=[Value(tag="tail", simple_value=2.0)])).SerializeToString())
    out.extend(tail[: len(tail) // 2])

    with open(path, "wb") as f:
        f.write(out)
    print("\n".join(expected))


# --- read mode -----------------------------------------------------------------------------------


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    lines, pos, events = [], 0, 0
    while pos < len(data):
        if len(data) - pos < 12:
            sys.exit("truncated record header at byte %d" % pos)
        length = struct.unpack_from("<Q", data, pos)[0]
        if struct.unpack_from("<I", data, pos + 8)[0] != masked(data[pos:pos + 8]):
            sys.exit("bad length checksum at byte %d" % pos)
        payload = data[pos + 12:pos + 12 + length]
        if len(payload) != length or len(data) < pos + 16 + length:
            sys.exit("truncated record at byte %d" % pos)
        if struct.unpack_from("<I", data, pos + 12 + length)[0] != masked(payload):
            sys.exit("bad payload checksum at byte %d" % pos)
        event = Event()
        event.ParseFromString(payload)
        if event.UnknownFields() and len(event.UnknownFields()):
            sys.exit("unknown fields in the event at byte %d" % pos)
        events += 1
        if event.HasField("file_version"):
            lines.append("version\t%s" % event.file_version)
        for v in event.summary.value:
            kind = v.WhichOneof("value")
            if kind == "simple_value":
                lines.append("scalar\t%s\t%d\t%r\t%r" % (v.tag, event.step, event.wall_time, v.simple_value))
            elif kind == "image":
                im = v.image
                lines.append("image\t%s\t%d\t%r\t%d\t%d\t%d\t0\t%s" % (v.tag, event.step, event.wall_time, im.width,
                                                                      im.height, im.colorspace, im.encoded_image_string.hex()))
            else:
                sys.exit("unexpected value kind %s at byte %d" % (kind, pos))
        pos += 16 + length
    lines.append("events\t%d" % events)
    print("\n".join(lines))


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "check":
        sys.exit(0)
    if len(sys.argv) != 3 or sys.argv[1] not in ("write", "read"):
        sys.exit(__doc__)
    (write if sys.argv[1] == "write" else read)(sys.argv[2])
