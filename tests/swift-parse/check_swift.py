"""Parses generated Swift with tree-sitter-swift and fails on any syntax error.

This is the only check the Swift bindings get on a machine without a Swift compiler: it proves
each file is syntactically whole Swift (no ERROR or MISSING node), not that it type-checks.

    python check_swift.py FILE.swift [...]
"""

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


def main(paths):
    parser = Parser(Language(tree_sitter_swift.language()))
    # The check must be able to fail: broken Swift has to show up as a problem.
    if not list(problems(parser.parse(b"func broken( {\n"))):
        print("swift-parse: the parser accepted broken Swift; the check proves nothing")
        return 1
    failed = 0
    for path in paths:
        with open(path, encoding="utf-8") as f:
            text, rewritten = normalise(f.read())
        source = text.encode("utf-8")
        tree = parser.parse(source)
        found = list(problems(tree))
        lines = source.count(b"\n")
        if found:
            failed += 1
            print(f"FAIL {path}: {len(found)} syntax problem(s)")
            for kind, row, col, text in found[:20]:
                print(f"  {kind} at {row}:{col}: {text!r}")
        else:
            print(f"ok   {path} ({lines} lines; {rewritten} known grammar gaps rewritten)")
    passed = len(paths) - failed
    print(f"swift-parse: {passed} passed, {failed} failed")
    return 1 if failed or not paths else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
