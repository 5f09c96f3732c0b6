#!/usr/bin/python3
"""Generates HDR Studio's OpenColorIO config (config.ocio) and the LUT it uses (luts/agx_sigmoid.spi1d).

Run with /usr/bin/python3 (numpy is the only dependency) from anywhere:

    /usr/bin/python3 resources/ocio/generate_luts.py

Everything numeric in the config comes from here, so matrices, the AgX-style curve and the
documentation in README.md stay in step. The matrices use the same maths as
core/image/ColorSpace.cpp (RGB->XYZ from xy chromaticities with white Y = 1; Bradford chromatic
adaptation when white points differ), computed in float64.
"""

import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

# --- Chromaticities (x, y) of R, G, B and white; identical to chromaticitiesOf() in core. ----------
D65 = (0.3127, 0.3290)
D60 = (0.32168, 0.33767)  # ACES white
REC709 = ((0.64, 0.33), (0.30, 0.60), (0.15, 0.06), D65)
REC2020 = ((0.708, 0.292), (0.170, 0.797), (0.131, 0.046), D65)
P3D65 = ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060), D65)
AP0 = ((0.7347, 0.2653), (0.0, 1.0), (0.0001, -0.0770), D60)
AP1 = ((0.713, 0.293), (0.165, 0.830), (0.128, 0.044), D60)

BRADFORD = np.array([[0.8951, 0.2664, -0.1614],
                     [-0.7502, 1.7135, 0.0367],
                     [0.0389, -0.0685, 1.0296]])


def xyz_of(xy):
    x, y = xy
    return np.array([x / y, 1.0, (1.0 - x - y) / y])


def rgb_to_xyz(space):
    """RGB -> CIE XYZ for a set of chromaticities, scaled so that RGB (1,1,1) has Y = 1."""
    primaries = np.column_stack([xyz_of(space[0]), xyz_of(space[1]), xyz_of(space[2])])
    scale = np.linalg.solve(primaries, xyz_of(space[3]))
    return primaries * scale


def bradford(src_white, dst_white):
    cone_src = BRADFORD @ xyz_of(src_white)
    cone_dst = BRADFORD @ xyz_of(dst_white)
    return np.linalg.inv(BRADFORD) @ np.diag(cone_dst / cone_src) @ BRADFORD


def conversion(src, dst):
    """Linear RGB in `src` -> linear RGB in `dst` (Bradford adaptation when the whites differ)."""
    m = rgb_to_xyz(src)
    if src[3] != dst[3]:
        m = bradford(src[3], dst[3]) @ m
    return np.linalg.inv(rgb_to_xyz(dst)) @ m


XYZ_D65_FROM_709 = rgb_to_xyz(REC709)  # our display reference is CIE XYZ (D65), display light

# --- AgX-style view: our own parameters ---------------------------------------------------------
# Log2 allocation: 16.5 stops from 10 stops below to 6.5 stops above scene mid grey 0.18.
AGX_MIN_EV = -12.47393
AGX_MAX_EV = 4.026069
MID_GREY = 0.18

# The per-channel curve runs in a "working" RGB whose primaries are the Rec.2020 primaries pushed
# away from the white point (and slightly rotated). Expressed in wider primaries, saturated colours
# have less extreme channel ratios, so bright saturated lights desaturate gracefully towards white
# instead of clipping to a pure primary (the "notorious six"). After the curve, the outset primaries
# (pushed out less, same rotation) restore part of the saturation. Whites are unchanged, so neutral
# greys go through the curve alone.
AGX_INSET_PUSH = (0.25, 0.15, 0.20)        # fraction each primary moves away from white (R, G, B)
AGX_ROTATION_DEGREES = (2.0, -1.0, -3.0)   # hue rotation of each primary around white
AGX_OUTSET_PUSH = (0.15, 0.10, 0.12)

# Sigmoid in the normalised log domain, output in a gamma 2.2 "display signal" (then linearised,
# so the LUT holds display light). Slope at the pivot and the toe/shoulder sharpness are ours.
SIGMOID_PIVOT_OUT = 0.47      # curve value at mid grey before end-point normalisation
SIGMOID_SLOPE = 2.3           # contrast at mid grey, d(signal) / d(normalised log)
SIGMOID_TOE_POWER = 1.6
SIGMOID_SHOULDER_POWER = 1.4
DISPLAY_GAMMA = 2.2
LUT_SIZE = 4096


def pushed_primaries(space, push, rotation_degrees):
    wx, wy = space[3]
    out = []
    for (x, y), amount, degrees in zip(space[:3], push, rotation_degrees):
        angle = np.radians(degrees)
        dx, dy = (x - wx) * (1.0 + amount), (y - wy) * (1.0 + amount)
        out.append((wx + dx * np.cos(angle) - dy * np.sin(angle), wy + dx * np.sin(angle) + dy * np.cos(angle)))
    return (out[0], out[1], out[2], space[3])


AGX_INSET_SPACE = pushed_primaries(REC2020, AGX_INSET_PUSH, AGX_ROTATION_DEGREES)
AGX_OUTSET_SPACE = pushed_primaries(REC2020, AGX_OUTSET_PUSH, AGX_ROTATION_DEGREES)
# Rec.2020 RGB -> inset working RGB, and outset working RGB -> Rec.2020 RGB.
AGX_INSET = np.linalg.inv(rgb_to_xyz(AGX_INSET_SPACE)) @ rgb_to_xyz(REC2020)
AGX_OUTSET = np.linalg.inv(rgb_to_xyz(REC2020)) @ rgb_to_xyz(AGX_OUTSET_SPACE)


def agx_normalised_log(scene):
    ev = np.log2(np.maximum(scene, 2.0 ** AGX_MIN_EV))
    return np.clip((ev - AGX_MIN_EV) / (AGX_MAX_EV - AGX_MIN_EV), 0.0, 1.0)


def _soft_limit(t, power):
    """t / (1 + t^p)^(1/p): slope 1 at 0, approaches 1 as t grows; p sets how sharply."""
    return t / np.power(1.0 + np.power(t, power), 1.0 / power)


def agx_sigmoid_signal(x):
    """Normalised log exposure in [0,1] -> display signal in [0,1] (gamma 2.2 domain), monotonic."""
    pivot_in = (np.log2(MID_GREY) - AGX_MIN_EV) / (AGX_MAX_EV - AGX_MIN_EV)

    def raw(v):
        v = np.asarray(v, dtype=np.float64)
        above = v >= pivot_in
        shoulder_room = 1.0 - SIGMOID_PIVOT_OUT
        toe_room = SIGMOID_PIVOT_OUT
        t_up = SIGMOID_SLOPE * np.maximum(v - pivot_in, 0.0) / shoulder_room
        t_down = SIGMOID_SLOPE * np.maximum(pivot_in - v, 0.0) / toe_room
        up = SIGMOID_PIVOT_OUT + shoulder_room * _soft_limit(t_up, SIGMOID_SHOULDER_POWER)
        down = SIGMOID_PIVOT_OUT - toe_room * _soft_limit(t_down, SIGMOID_TOE_POWER)
        return np.where(above, up, down)

    # Stretch so that the ends of the allocation land exactly on black and white.
    lo, hi = raw(0.0), raw(1.0)
    return np.clip((raw(x) - lo) / (hi - lo), 0.0, 1.0)


def agx_curve_display_linear(x):
    return np.power(agx_sigmoid_signal(x), DISPLAY_GAMMA)


def agx_grey(scene):
    """Reference: AgX view of a neutral grey, in display light (what the LUT path computes)."""
    return agx_curve_display_linear(agx_normalised_log(scene))


# --- Writers ------------------------------------------------------------------------------------
def write_spi1d(path, values, domain=(0.0, 1.0)):
    with open(path, "w", encoding="ascii", newline="\n") as f:
        f.write("Version 1\n")
        f.write(f"From {domain[0]:.6f} {domain[1]:.6f}\n")
        f.write(f"Length {len(values)}\n")
        f.write("Components 1\n{\n")
        for v in values:
            f.write(f"  {v:.9g}\n")
        f.write("}\n")


def matrix_yaml(m3):
    m = np.identity(4)
    m[:3, :3] = m3
    return "!<MatrixTransform> {matrix: [" + ", ".join(f"{v:.10g}" for v in m.flatten()) + "]}"


def scale_yaml(s):
    return matrix_yaml(np.identity(3) * s)


def scene_space(name, description, to_709):
    if to_709 is None:
        transforms = ""
    else:
        transforms = (f"    to_scene_reference: {matrix_yaml(to_709)}\n"
                      f"    from_scene_reference: {matrix_yaml(np.linalg.inv(to_709))}\n")
    return (f"  - !<ColorSpace>\n"
            f"    name: {name}\n"
            f"    family: Scene-linear\n"
            f"    equalitygroup: \"\"\n"
            f"    bitdepth: 32f\n"
            f"    description: \"{description}\"\n"
            f"    isdata: false\n"
            f"    encoding: scene-linear\n"
            f"    allocation: lg2\n"
            f"    allocationvars: [-15, 6, 0.00390625]\n"
            + transforms)


def display_space(name, description, encoding, children):
    body = ", ".join(children)
    return (f"  - !<ColorSpace>\n"
            f"    name: {name}\n"
            f"    family: Display\n"
            f"    equalitygroup: \"\"\n"
            f"    bitdepth: 32f\n"
            f"    description: \"{description}\"\n"
            f"    isdata: false\n"
            f"    encoding: {encoding}\n"
            f"    allocation: uniform\n"
            f"    from_display_reference: !<GroupTransform> {{children: [{body}]}}\n")


def view_transform(name, description, children):
    body = ",\n        ".join(children)
    return (f"  - !<ViewTransform>\n"
            f"    name: {name}\n"
            f"    description: \"{description}\"\n"
            f"    from_scene_reference: !<GroupTransform>\n"
            f"      children:\n"
            f"        [{body}]\n")


SRGB_ENCODE = "!<ExponentWithLinearTransform> {gamma: 2.4, offset: 0.055, direction: inverse}"
CLAMP_01 = "!<RangeTransform> {min_in_value: 0, max_in_value: 1, min_out_value: 0, max_out_value: 1}"
PQ_WHITE_NITS = 203.0  # BT.2408 graphics white; the PQ builtin works in nits / 100


def build_config():
    inv_xyz709 = np.linalg.inv(XYZ_D65_FROM_709)
    agx_log_min = 2.0 ** AGX_MIN_EV
    span = AGX_MAX_EV - AGX_MIN_EV
    log2_encode = (f"!<RangeTransform> {{min_in_value: {agx_log_min:.10g}, min_out_value: {agx_log_min:.10g}}}, "
                   f"!<LogAffineTransform> {{base: 2, log_side_slope: {1.0 / span:.10g}, "
                   f"log_side_offset: {-AGX_MIN_EV / span:.10g}}}")
    views = [
        view_transform("Standard",
                       "Scene light shown as display light (1.0 = display white); the display clips.",
                       [matrix_yaml(XYZ_D65_FROM_709)]),
        view_transform("AgX",
                       "AgX-style filmic view (our parameters, see README.md): inset primaries, log2 "
                       "allocation over [-12.47393, 4.026069] EV, sigmoid LUT, outset primaries.",
                       [matrix_yaml(AGX_INSET @ conversion(REC709, REC2020)),
                        log2_encode,
                        "!<FileTransform> {src: agx_sigmoid.spi1d, interpolation: linear}",
                        matrix_yaml(rgb_to_xyz(REC2020) @ AGX_OUTSET)]),
        view_transform("ACES",
                       "ACES 1.0 RRT + SDR video ODT (OpenColorIO builtin), 1.0 = display white.",
                       [matrix_yaml(conversion(REC709, AP0)),
                        "!<BuiltinTransform> {style: \"ACES-OUTPUT - ACES2065-1_to_CIE-XYZ-D65 - SDR-VIDEO_1.0\"}",
                        # The builtin stops before the ODT's final clamp of Rec.709 display light to
                        # [0, 1] (ACES CTL ODT.Academy.Rec709_100nits_dim); without it greys keep
                        # rising past white, which a PQ display would show.
                        matrix_yaml(inv_xyz709), CLAMP_01, matrix_yaml(XYZ_D65_FROM_709)]),
    ]
    displays = [
        display_space("srgb_display", "sRGB display (IEC 61966-2-1 piecewise curve), clipped to [0, 1].",
                      "sdr-video", [matrix_yaml(inv_xyz709), CLAMP_01, SRGB_ENCODE]),
        display_space("p3d65_display", "Display P3: P3 primaries, D65 white, sRGB curve, clipped to [0, 1].",
                      "sdr-video", [matrix_yaml(np.linalg.inv(rgb_to_xyz(P3D65))), CLAMP_01, SRGB_ENCODE]),
        display_space("rec2100_pq_display",
                      "Rec.2100 PQ (ST 2084) in Rec.2020 primaries; display light 1.0 = 203 nits.",
                      "hdr-video",
                      [matrix_yaml(np.linalg.inv(rgb_to_xyz(REC2020)) * (PQ_WHITE_NITS / 100.0)),
                       "!<RangeTransform> {min_in_value: 0, max_in_value: 100, min_out_value: 0, "
                       "max_out_value: 100}",
                       "!<BuiltinTransform> {style: \"CURVE - LINEAR_to_ST-2084\"}"]),
    ]
    scene = [
        scene_space("lin_rec709", "Scene-linear Rec.709 / sRGB primaries, D65 (the reference).", None),
        scene_space("acescg", "ACEScg: scene-linear AP1 primaries, ACES white (Bradford to D65).",
                    conversion(AP1, REC709)),
        scene_space("aces2065-1", "ACES2065-1: scene-linear AP0 primaries, ACES white (Bradford to D65).",
                    conversion(AP0, REC709)),
        scene_space("lin_rec2020", "Scene-linear Rec.2020 primaries, D65.", conversion(REC2020, REC709)),
        scene_space("lin_p3d65", "Scene-linear P3 primaries, D65 white.", conversion(P3D65, REC709)),
        scene_space("cie_xyz", "CIE 1931 XYZ, D65 white not adapted (Rec.709 white = 0.9505, 1, 1.089).",
                    np.linalg.inv(XYZ_D65_FROM_709)),
    ]
    log_space = ("  - !<ColorSpace>\n"
                 "    name: log2_rec709\n"
                 "    family: Log\n"
                 "    equalitygroup: \"\"\n"
                 "    bitdepth: 32f\n"
                 "    description: \"Rec.709 primaries, log2 encoded: 0 = 2^-12.47393, 1 = 2^4.026069, "
                 "0.18 -> 0.60606 (the AgX allocation); for grading and LUT shapers.\"\n"
                 "    isdata: false\n"
                 "    encoding: log\n"
                 "    allocation: uniform\n"
                 f"    from_scene_reference: !<GroupTransform> {{children: [{log2_encode}]}}\n")
    raw = ("  - !<ColorSpace>\n"
           "    name: raw\n"
           "    family: Utility\n"
           "    equalitygroup: \"\"\n"
           "    bitdepth: 32f\n"
           "    description: \"Data (normals, masks, gain maps), never colour-converted.\"\n"
           "    isdata: true\n"
           "    encoding: data\n"
           "    allocation: uniform\n")

    display_names = ["sRGB", "Display P3", "Rec.2100-PQ"]
    display_space_of = {"sRGB": "srgb_display", "Display P3": "p3d65_display",
                        "Rec.2100-PQ": "rec2100_pq_display"}
    display_blocks = []
    for d in display_names:
        cs = display_space_of[d]
        display_blocks.append(
            f"  {d}:\n"
            f"    - !<View> {{name: Standard, view_transform: Standard, display_colorspace: {cs}}}\n"
            f"    - !<View> {{name: AgX, view_transform: AgX, display_colorspace: {cs}}}\n"
            f"    - !<View> {{name: ACES, view_transform: ACES, display_colorspace: {cs}}}\n"
            f"    - !<View> {{name: Raw, colorspace: raw}}\n")

    return ("# HDR Studio colour management. GENERATED by generate_luts.py; edit that, not this file.\n"
            "# See README.md for what each colour space, display and view does.\n"
            "ocio_profile_version: 2.1\n\n"
            "environment: {}\n"
            "search_path: luts\n"
            "strictparsing: true\n"
            "luma: [0.2126, 0.7152, 0.0722]\n"
            "name: hdrstudio\n"
            "description: \"HDR Studio config. Scene reference lin_rec709 (1.0 = diffuse white); display "
            "reference CIE XYZ D65 display light (1.0 = SDR display white, 203 nits on PQ).\"\n\n"
            "roles:\n"
            "  aces_interchange: aces2065-1\n"
            "  color_picking: srgb_display\n"
            "  color_timing: lin_rec709\n"
            "  compositing_log: log2_rec709\n"
            "  compositing_linear: lin_rec709\n"
            "  data: raw\n"
            "  default: lin_rec709\n"
            "  reference: lin_rec709\n"
            "  rendering: lin_rec709\n"
            "  scene_linear: lin_rec709\n\n"
            "file_rules:\n"
            "  - !<Rule> {name: Default, colorspace: default}\n\n"
            "displays:\n" + "".join(display_blocks) + "\n"
            f"active_displays: [{', '.join(display_names)}]\n"
            "active_views: [Standard, AgX, ACES, Raw]\n\n"
            "default_view_transform: Standard\n\n"
            "view_transforms:\n" + "".join(views) + "\n"
            "display_colorspaces:\n" + "".join(displays) + "\n"
            "colorspaces:\n" + "".join(scene) + log_space + raw)


def main():
    lut_dir = os.path.join(HERE, "luts")
    os.makedirs(lut_dir, exist_ok=True)
    x = np.linspace(0.0, 1.0, LUT_SIZE)
    write_spi1d(os.path.join(lut_dir, "agx_sigmoid.spi1d"), agx_curve_display_linear(x))
    with open(os.path.join(HERE, "config.ocio"), "w", encoding="ascii", newline="\n") as f:
        f.write(build_config())
    grey = agx_grey(np.array([0.0, MID_GREY, 1.0, 16.0]))
    print("AgX grey 0 / 0.18 / 1 / 16 -> display light", grey)
    print("709->2020 row sums check", conversion(REC709, REC2020).sum(axis=1))
    print("AgX inset\n", AGX_INSET, "\nAgX outset\n", AGX_OUTSET)


if __name__ == "__main__":
    main()
