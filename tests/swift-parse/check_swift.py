"""Parses Swift with tree-sitter-swift and fails on any syntax error; loads the iOS app's project
and property-list files and fails on any that is malformed.

This is the only check the Swift bindings and the iOS app get on a machine without a Swift
compiler: it proves each Swift file is syntactically whole (no ERROR or MISSING node), not that
it type-checks; and that `project.yml` is YAML (a mapping), each `.plist`, `.entitlements` and
`.xcprivacy` a property list (a dictionary) and each `.json` JSON.

    python check_swift.py [--bindings DIR] FILE.swift|project.yml|FILE.plist|... [...]

With `--bindings DIR` (the generated bindings, also among the files), every other Swift file's
calls into the core are checked against them, since nothing compiles them here: a call
`$0.name(...)` / `store.name(...)` of a `SteadyStore` method must use exactly its argument labels,
and a call of a generated record's initialiser must use its labels in order with every one that
has no default. A mismatch fails the file like a syntax error.

A Swift file that declares `static let requirements: [ContrastRequirement]` (SteadyKit's
Palette.swift) is also measured: its `RGB(hex: 0x......)` colours and each
`ContrastRequirement("...", foreground: a, background: b[, tint: c][, minimum: m])` are read from
the text, and every pair must reach its minimum (WCAG 2.x contrast ratio, AA 4.5:1 unless stated;
a tint is laid over the background at `tintAlpha`). A requirement the check cannot read, or a
colour it cannot find, fails the file, as does a colour measured by no requirement.

The last line is `swift-parse: N passed, M failed`, N and M counting files of every kind.
"""

import json
import os
import plistlib
import re
import sys

import tree_sitter_swift
from tree_sitter import Language, Parser


# Valid Swift that tree-sitter-swift (0.7) cannot parse, each rewritten to an equivalent the
# grammar accepts, keeping line numbers. Anything else that fails to parse fails the check.
GRAMMAR_GAPS = [
    # An attribute alone inside `#if swift(>=5.8)` ... `#endif` (uniffi hides its helpers from
    # the documentation this way): the grammar wants whole declarations inside `#if`.
    (
        re.compile(
            r"^([ \t]*)#if swift\(>=5\.8\)\n([ \t]*@_documentation\(visibility: private\))\n"
            r"[ \t]*#endif\n",
            re.M,
        ),
        lambda m: "\n" + m.group(2) + "\n\n",
    ),
    # A closure whose body is the empty tuple, `{ () }`.
    (re.compile(r"\{ \(\) \}"), lambda m: "{ }"),
]


def normalise(text):
    """Rewrites the grammar's known gaps; returns the text and how many were rewritten."""
    count = 0
    for pattern, replacement in GRAMMAR_GAPS:
        text, n = pattern.subn(replacement, text)
        count += n
    return text, count


def problems(tree):
    """Yields (kind, line, column, text) for every ERROR or MISSING node."""
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            kind = "MISSING" if node.is_missing else "ERROR"
            row, col = node.start_point
            text = node.text.decode("utf-8", "replace")[:80] if node.text else ""
            yield kind, row + 1, col + 1, text
        stack.extend(node.children)


PLIST_SUFFIXES = (".plist", ".entitlements", ".xcprivacy")


def load_other(path):
    """Loads a non-Swift file by its kind; returns a description, or raises with the reason."""
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith((".yml", ".yaml")):
        import yaml  # PyYAML, installed by check-swift.sh beside tree-sitter

        loaded = yaml.safe_load(data)
        if not isinstance(loaded, dict):
            raise ValueError("the top level is not a mapping")
        if path.endswith("project.yml"):
            # XcodeGen's own minimum: a name and targets, each with a type and a platform.
            targets = loaded.get("targets")
            if not loaded.get("name") or not isinstance(targets, dict) or not targets:
                raise ValueError("an XcodeGen project needs `name` and `targets`")
            for name, target in targets.items():
                if (
                    not isinstance(target, dict)
                    or not target.get("type")
                    or not target.get("platform")
                ):
                    raise ValueError(f"target {name} needs `type` and `platform`")
        return f"YAML, {len(loaded)} top-level keys"
    if path.endswith(PLIST_SUFFIXES):
        loaded = plistlib.loads(data)
        if not isinstance(loaded, dict):
            raise ValueError("the top level is not a dictionary")
        return f"property list, {len(loaded)} keys"
    if path.endswith(".json"):
        json.loads(data)
        return "JSON"
    raise ValueError("not a kind of file this check knows")


def self_check_loaders():
    """The loaders must be able to fail too: broken YAML and plist have to show up."""
    import yaml

    refused = 0
    for loader, broken in (
        (yaml.safe_load, b"name: [unclosed\n"),
        (plistlib.loads, b'<?xml version="1.0"?><plist><dict><key>a</key></plist>'),
    ):
        try:
            loader(broken)
        except Exception:  # noqa: BLE001 - any failure to load is what we want here
            refused += 1
    return refused == 2


class BindingsApi:
    """The `SteadyStore` methods and record initialisers of the generated bindings."""

    def __init__(self):
        self.store_methods = {}  # name -> [labels]
        self.records = {}  # name -> [(label, has_default)]

    def learn(self, tree):
        stack = [tree.root_node]
        while stack:
            node = stack.pop()
            if node.type == "class_declaration":
                name = child_text(node, "type_identifier")
                body = first_child(node, "class_body")
                if body is not None and name == "SteadyStore":
                    for member in body.children:
                        if member.type == "function_declaration" and has_modifier(
                            member, "open"
                        ):
                            method = child_text(member, "simple_identifier")
                            self.store_methods[method] = [
                                label for label, _ in parameters(member)
                            ]
                elif body is not None and name and declares(node, "Equatable"):
                    for member in body.children:
                        if member.type == "init_declaration" and has_modifier(
                            member, "public"
                        ):
                            self.records[name] = parameters(member)
            stack.extend(node.children)

    def problems(self, tree):
        """Yields (line, message) for every call that does not match the bindings."""
        stack = [tree.root_node]
        while stack:
            node = stack.pop()
            stack.extend(node.children)
            if node.type != "call_expression" or not node.children:
                continue
            callee, suffix = node.children[0], first_child(node, "call_suffix")
            arguments = (
                first_child(suffix, "value_arguments") if suffix is not None else None
            )
            if arguments is None:
                continue
            used = []
            for argument in arguments.children:
                if argument.type == "value_argument":
                    label = first_child(argument, "value_argument_label")
                    used.append(label.text.decode() if label is not None else None)
            line = node.start_point[0] + 1
            if callee.type == "navigation_expression" and callee.children:
                receiver = callee.children[0].text.decode()
                suffix_node = first_child(callee, "navigation_suffix")
                method = (
                    child_text(suffix_node, "simple_identifier")
                    if suffix_node is not None
                    else None
                )
                if receiver in ("$0", "store") and method in self.store_methods:
                    expected = self.store_methods[method]
                    if used != expected:
                        yield (
                            line,
                            f"SteadyStore.{method}({signature(expected)}) called as {method}({signature(used)})",
                        )
            elif (
                callee.type == "simple_identifier"
                and callee.text.decode() in self.records
            ):
                name = callee.text.decode()
                spec = self.records[name]
                labels = [label for label, _ in spec]
                remaining = iter(labels)
                in_order = None not in used and all(
                    label in remaining for label in used
                )
                missing = [
                    label
                    for label, default in spec
                    if not default and label not in used
                ]
                if not in_order or missing:
                    yield (
                        line,
                        (
                            f"{name}({signature(labels)}) called as {name}({signature(used)})"
                            + (f"; missing {', '.join(missing)}" if missing else "")
                        ),
                    )


def first_child(node, kind):
    for child in node.children:
        if child.type == kind:
            return child
    return None


def child_text(node, kind):
    child = first_child(node, kind)
    return child.text.decode() if child is not None else None


def has_modifier(node, word):
    modifiers = first_child(node, "modifiers")
    return modifiers is not None and word in modifiers.text.decode().split()


def declares(node, protocol):
    return any(
        child.type == "inheritance_specifier" and child.text.decode() == protocol
        for child in node.children
    )


def parameters(declaration):
    """[(label, has_default)] of a function or initialiser declaration."""
    found = []
    children = declaration.children
    for i, child in enumerate(children):
        if child.type == "parameter":
            names = [
                c.text.decode() for c in child.children if c.type == "simple_identifier"
            ]
            label = names[0] if names else "_"
            default = i + 1 < len(children) and children[i + 1].type == "="
            found.append((None if label == "_" else label, default))
    return found


def signature(labels):
    return "".join(f"{label or '_'}:" for label in labels)


def self_check_api(parser, api):
    """The API check must be able to fail: a known method with a wrong label has to show up."""
    if not api.store_methods or not api.records:
        return False
    method = next(name for name, labels in api.store_methods.items() if labels)
    broken = f"let x = try $0.{method}(wrongLabel: 1)\n".encode()
    return bool(list(api.problems(parser.parse(broken))))


PALETTE_MARKER = re.compile(r"static let requirements: \[ContrastRequirement\]")
PALETTE_COLOUR = re.compile(r"static let (\w+) = RGB\(hex: 0x([0-9A-Fa-f]{6})\)")
PALETTE_ALPHA = re.compile(r"static let tintAlpha = ([0-9.]+)")
PALETTE_REQUIREMENT = re.compile(
    r'ContrastRequirement\(\s*"([^"]+)",\s*foreground: (\w+),\s*background: (\w+)'
    r"(?:,\s*tint: (\w+))?(?:,\s*minimum: ([0-9.]+))?\s*\)"
)
# Colours that are only ever a background or a label, never the colour being judged.
PALETTE_SURFACES = re.compile(r"^(light|dark)(Row|Grouped|Plain|ElevatedRow|Label)$|^buttonLabel$")


def luminance(rgb):
    """WCAG 2.x relative luminance of (r, g, b), each 0..1."""

    def linear(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b):
    """WCAG 2.x contrast ratio of two (r, g, b) colours."""
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def over(tint, background, alpha):
    return tuple(alpha * t + (1 - alpha) * b for t, b in zip(tint, background))


def hex_rgb(text):
    value = int(text, 16)
    return ((value >> 16) & 255) / 255, ((value >> 8) & 255) / 255, (value & 255) / 255


def palette_problems(text):
    """([problem], [(name, ratio, minimum)]) for a palette file's colours and requirements."""
    body = re.sub(r"//[^\n]*", "", text)  # comments may name the forms without being them
    colours = {name: hex_rgb(value) for name, value in PALETTE_COLOUR.findall(body)}
    alpha_match = PALETTE_ALPHA.search(body)
    problems_found, measured, judged = [], [], set()
    if alpha_match is None:
        problems_found.append("no `static let tintAlpha = ...`")
    alpha = float(alpha_match.group(1)) if alpha_match else 0.0
    start = PALETTE_MARKER.search(body).end()
    written = body.count("ContrastRequirement(\"", start)
    found = PALETTE_REQUIREMENT.findall(body, start)
    if written != len(found):
        problems_found.append(
            f"{written} ContrastRequirement entries written, {len(found)} readable"
        )
    for name, fg, bg, tint, minimum in found:
        missing = [c for c in (fg, bg, tint) if c and c not in colours]
        if missing:
            problems_found.append(f"{name}: no RGB(hex:) colour named {', '.join(missing)}")
            continue
        behind = over(colours[tint], colours[bg], alpha) if tint else colours[bg]
        ratio = contrast(colours[fg], behind)
        least = float(minimum) if minimum else 4.5
        judged.update(c for c in (fg, bg, tint) if c)
        measured.append((name, ratio, least))
        if ratio < least:
            problems_found.append(f"{name}: {ratio:.2f}:1, below {least}:1")
    for name in colours:
        if name not in judged and not PALETTE_SURFACES.match(name):
            problems_found.append(f"colour {name} is measured by no requirement")
    if not found:
        problems_found.append("no ContrastRequirement entries")
    return problems_found, measured


def self_check_contrast():
    """The contrast check must be able to fail: WCAG's reference values, a failing pair."""
    white, black = (1.0, 1.0, 1.0), (0.0, 0.0, 0.0)
    if abs(contrast(black, white) - 21) > 1e-9 or abs(contrast(white, white) - 1) > 1e-9:
        return False
    broken = (
        "static let requirements: [ContrastRequirement] = [\n"
        'ContrastRequirement("system red on white", foreground: red, background: paper),\n]\n'
        "static let red = RGB(hex: 0xFF3B30)\nstatic let paper = RGB(hex: 0xFFFFFF)\n"
        "static let tintAlpha = 0.18\n"
    )
    return bool(palette_problems(broken)[0])


def main(argv):
    bindings = None
    paths = list(argv)
    if len(paths) >= 2 and paths[0] == "--bindings":
        bindings = os.path.normpath(paths[1])
        paths = paths[2:]
    parser = Parser(Language(tree_sitter_swift.language()))
    # The check must be able to fail: broken Swift has to show up as a problem.
    if not list(problems(parser.parse(b"func broken( {\n"))):
        print("swift-parse: the parser accepted broken Swift; the check proves nothing")
        return 1
    if any(not p.endswith(".swift") for p in paths) and not self_check_loaders():
        print("swift-parse: a loader accepted a broken file; the check proves nothing")
        return 1
    api = None
    if bindings is not None:
        api = BindingsApi()
        for path in paths:
            if (
                path.endswith(".swift")
                and os.path.dirname(os.path.normpath(path)) == bindings
            ):
                with open(path, encoding="utf-8") as f:
                    api.learn(parser.parse(normalise(f.read())[0].encode("utf-8")))
        if not self_check_api(parser, api):
            print(
                "swift-parse: no SteadyStore methods or records found in the bindings, or the API check cannot fail"
            )
            return 1
        print(
            f"api  {len(api.store_methods)} SteadyStore methods and {len(api.records)} record "
            "initialisers learnt from the bindings; calls elsewhere are checked against them"
        )
    failed = 0
    for path in paths:
        if not path.endswith(".swift"):
            try:
                what = load_other(path)
            except Exception as e:  # noqa: BLE001 - every failure to load fails the file
                failed += 1
                print(
                    f"FAIL {path}: {type(e).__name__}: {' '.join(str(e).split())[:200]}"
                )
            else:
                print(f"ok   {path} ({what})")
            continue
        with open(path, encoding="utf-8") as f:
            text, rewritten = normalise(f.read())
        source = text.encode("utf-8")
        tree = parser.parse(source)
        found = list(problems(tree))
        lines = source.count(b"\n")
        palette = None
        if PALETTE_MARKER.search(text):
            if not self_check_contrast():
                print("swift-parse: the contrast check accepted a failing pair; it proves nothing")
                return 1
            palette = palette_problems(text)
        calls = []
        if api is not None and os.path.dirname(os.path.normpath(path)) != bindings:
            calls = sorted(api.problems(tree))
        if found:
            failed += 1
            print(f"FAIL {path}: {len(found)} syntax problem(s)")
            for kind, row, col, text in found[:20]:
                print(f"  {kind} at {row}:{col}: {text!r}")
        elif calls:
            failed += 1
            print(
                f"FAIL {path}: {len(calls)} call(s) that do not match the generated bindings"
            )
            for row, message in calls[:20]:
                print(f"  line {row}: {message}")
        elif palette is not None and palette[0]:
            failed += 1
            print(f"FAIL {path}: {len(palette[0])} contrast problem(s)")
            for message in palette[0][:20]:
                print(f"  {message}")
        else:
            print(
                f"ok   {path} ({lines} lines; {rewritten} known grammar gaps rewritten)"
            )
            if palette is not None:
                lowest = min(palette[1], key=lambda m: m[1] / m[2])
                print(
                    f"     contrast: {len(palette[1])} pairs at or above their minimum; "
                    f"lowest {lowest[1]:.2f}:1 ({lowest[0]})"
                )
                for name, ratio, least in palette[1]:
                    print(f"       {ratio:5.2f}:1 (min {least}) {name}")
    passed = len(paths) - failed
    print(f"swift-parse: {passed} passed, {failed} failed")
    return 1 if failed or not paths else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
