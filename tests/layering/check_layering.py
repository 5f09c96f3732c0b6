#!/usr/bin/env python3
"""Layering rules the compiler alone cannot see (docs/architecture.md, "Layers").

The build already refuses an include of a module a target does not depend on (each module exports
only its own include root). This check adds what include paths cannot express:
  1. core/ is Qt-free: no <Q...> / <Qt...> include outside core/jobs.
  2. ui/ and app/ never see libtorch: no <torch/...>, <ATen/...>, <c10/...> include, directly or
     through any project header they include (ATen lives in /usr/include on Debian, so only this
     check stops an ATen-only header from reaching the GUI).
  3. Includes are rooted at a module ("image/Image.h"): no "core/..." or "../" paths.
Prints every violation with file:line and exits 1 if there is any.
"""
import os
import re
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".."))
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
TORCH = ("torch/", "ATen/", "c10/", "caffe2/")


def sources(top):
    for base, _, files in os.walk(os.path.join(ROOT, top)):
        for name in files:
            if name.endswith((".h", ".cpp")):
                yield os.path.join(base, name)


def includes(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if m:
                yield number, m.group(1), m.group(2)


def resolve(name, including):
    """Project header for a quoted include, or None (system / generated)."""
    first = name.split("/", 1)[0]
    candidates = [os.path.join(ROOT, "core", name), os.path.join(ROOT, "app", name),
                  os.path.join(ROOT, name), os.path.join(os.path.dirname(including), name)]
    if first == "ui":
        candidates.insert(0, os.path.join(ROOT, name))
    for c in candidates:
        if os.path.isfile(c):
            return os.path.normpath(c)
    return None


_torch_cache = {}


def torch_path(header, stack=()):
    """The include chain from `header` to a libtorch header, or None."""
    if header in _torch_cache:
        return _torch_cache[header]
    _torch_cache[header] = None  # cycles end here
    found = None
    for number, kind, name in includes(header):
        if kind == "<" and name.startswith(TORCH):
            found = [f"{os.path.relpath(header, ROOT)}:{number} <{name}>"]
            break
        if kind == '"':
            target = resolve(name, header)
            if target:
                sub = torch_path(target)
                if sub:
                    found = [f"{os.path.relpath(header, ROOT)}:{number}"] + sub
                    break
    _torch_cache[header] = found
    return found


def main():
    problems = []
    for path in sources("core"):
        rel = os.path.relpath(path, ROOT)
        for number, kind, name in includes(path):
            if kind == "<" and re.match(r"Q[A-Za-z]*(/|$)|Qt", name) and not rel.startswith("core/jobs/"):
                problems.append(f"{rel}:{number}: core/ is Qt-free, but it includes <{name}>")
            if kind == '"' and (name.startswith("core/") or name.startswith("../")):
                problems.append(f'{rel}:{number}: include "{name}" is not rooted at a module')
    for top in ("ui", "app"):
        for path in sources(top):
            rel = os.path.relpath(path, ROOT)
            for number, kind, name in includes(path):
                if kind == "<" and name.startswith(TORCH):
                    problems.append(f"{rel}:{number}: {top}/ must not include libtorch (<{name}>)")
                elif kind == '"':
                    if name.startswith("core/") or name.startswith("../"):
                        problems.append(f'{rel}:{number}: include "{name}" is not rooted at a module')
                    target = resolve(name, path)
                    chain = torch_path(target) if target else None
                    if chain:
                        problems.append(f'{rel}:{number}: "{name}" reaches libtorch: ' + " -> ".join(chain))
    for p in problems:
        print(p)
    print(f"check_layering: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
