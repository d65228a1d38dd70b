#!/usr/bin/env python3
"""Doc-comment coverage of the public API of Sources/ContextStore.

    python3 Tools/check_docs.py                # report; exit 1 below the threshold
    python3 Tools/check_docs.py --root DIR     # another copy of Sources/ContextStore
    python3 Tools/check_docs.py --min 97.5     # another threshold (percent; default 95)
    python3 Tools/check_docs.py --self-test    # show that the counting works on a sample

What counts as a public declaration: a declaration whose modifiers include `public` or
`open` (func, var, let, init, subscript, struct, class, enum, protocol, typealias, actor,
case, static/class members, operators), members of a `public extension` without an access
modifier of their own, and the cases of a public enum (each name of a `case a, b` line
counts; the line's comment documents them all). `package`, `internal` and `private`
declarations do not count.

Documented: the nearest line above the declaration, skipping attribute lines (`@...`), is
a `///` comment (or closes a `/** ... */` block). A blank line or a `//` comment in between
means undocumented: the comment must be the declaration's own.

How it reads Swift: line by line, with comments and string literals (including multi-line
and raw strings) blanked before braces are counted, so a `{` inside a string or a comment
never changes the nesting; a `case` counts only directly inside a public enum's braces (not
in a `switch`).
"""
import argparse
import os
import re
import sys
import tempfile

DECL = re.compile(
    r'^(?:@[\w.]+(?:\([^)]*\))?\s+)*'            # attributes on the same line
    r'((?:(?:public|open|package|internal|private|fileprivate|final|static|class|override|'
    r'mutating|nonmutating|nonisolated|indirect|convenience|required|lazy|weak|unowned|'
    r'consuming|borrowing|dynamic|isolated|prefix|postfix|infix|(?:private|fileprivate|internal|package|public)'
    r'\(set\))\s+)*)'
    r'(func|var|let|init[?!]?|subscript|struct|class|enum|protocol|typealias|actor|case|extension|'
    r'deinit|associatedtype|operator)\b')
TYPE_KEYWORDS = {'struct', 'class', 'enum', 'protocol', 'actor', 'extension'}
ACCESS = {'public', 'open', 'package', 'internal', 'private', 'fileprivate'}


def blank_code(text):
    """`text` with comments and string literal contents replaced by spaces (newlines kept);
    interpolations `\\(...)` inside strings stay code. Returns the blanked text."""
    out = []
    i, n = 0, len(text)
    # Stack of string contexts: (kind, hashes, paren_depth_at_interpolation)
    # kind: '"' single-line, '"""' multi-line.
    mode = []          # entries: ('str', delim, hashes) or ('interp', depth)
    depth_paren = 0
    while i < n:
        c = text[i]
        top = mode[-1] if mode else None
        if top is None or top[0] == 'interp':
            if text.startswith('//', i):
                j = text.find('\n', i)
                j = n if j < 0 else j
                out.append(' ' * (j - i))
                i = j
                continue
            if text.startswith('/*', i):
                level, j = 1, i + 2
                while j < n and level:
                    if text.startswith('/*', j):
                        level += 1
                        j += 2
                    elif text.startswith('*/', j):
                        level -= 1
                        j += 2
                    else:
                        j += 1
                out.append(''.join(ch if ch == '\n' else ' ' for ch in text[i:j]))
                i = j
                continue
            m = re.match(r'(#*)("""|")', text[i:])
            if m and (m.group(1) or c == '"'):
                hashes = len(m.group(1))
                delim = m.group(2)
                out.append(' ' * len(m.group(0)))
                i += len(m.group(0))
                mode.append(('str', delim, hashes))
                continue
            if top is not None:  # inside an interpolation
                if c == '(':
                    depth_paren += 1
                elif c == ')':
                    if depth_paren == top[1]:
                        mode.pop()
                        out.append(' ')
                        i += 1
                        continue
                    depth_paren -= 1
            out.append(c)
            i += 1
            continue
        # inside a string literal
        _, delim, hashes = top
        close = delim + '#' * hashes
        if text.startswith(close, i):
            mode.pop()
            out.append(' ' * len(close))
            i += len(close)
            continue
        esc = '\\' + '#' * hashes
        if text.startswith(esc, i):
            k = i + len(esc)
            if k < n and text[k] == '(':
                out.append(' ' * (len(esc) + 1))
                i = k + 1
                depth_paren += 1
                mode.append(('interp', depth_paren))
                continue
            out.append(' ' * (len(esc) + 1) if k < n and text[k] != '\n' else ' ' * len(esc))
            i = k + (1 if k < n and text[k] != '\n' else 0)
            continue
        out.append('\n' if c == '\n' else ' ')
        if c == '\n' and delim == '"':  # an unterminated single-line string ends here
            mode.pop()
        i += 1
    return ''.join(out)


def scan_file(path, rel):
    """Yields (rel, line number, declaration text, documented) for each public declaration."""
    with open(path, encoding='utf-8') as f:
        raw = f.read()
    raw_lines = raw.split('\n')
    code_lines = blank_code(raw).split('\n')
    depth = 0
    # Stack of open type bodies: (depth inside the body, kind, is_public_enum, is_public_extension)
    scopes = []
    pending = None  # a type declaration whose `{` has not been seen yet
    for idx, code in enumerate(code_lines):
        stripped = code.strip()
        m = DECL.match(stripped)
        inner = scopes[-1] if scopes and scopes[-1][0] == depth else None
        if m and (inner is not None or depth == 0):
            mods = set(m.group(1).split())
            kw = m.group(2)
            access = mods & ACCESS
            public = bool(access & {'public', 'open'})
            if kw == 'case':
                count = inner is not None and inner[2]
                names = len([p for p in re.split(r',(?![^()]*\))', stripped[m.end():]) if p.strip()])
            elif kw == 'extension':
                count = False
                names = 0
            elif kw in ('deinit', 'operator'):
                count = False
                names = 0
            else:
                count = public or (inner is not None and inner[3] and not access)
                names = 1
            if count:
                documented = is_documented(raw_lines, idx)
                for _ in range(names):
                    yield rel, idx + 1, raw_lines[idx].strip(), documented
            if kw in TYPE_KEYWORDS:
                pending = (kw, kw == 'enum' and public, kw == 'extension' and public)
        for ch in code:
            if ch == '{':
                depth += 1
                if pending is not None:
                    scopes.append((depth, pending[0], pending[1], pending[2]))
                    pending = None
            elif ch == '}':
                if scopes and scopes[-1][0] == depth:
                    scopes.pop()
                depth -= 1


def is_documented(lines, idx):
    j = idx - 1
    while j >= 0 and lines[j].strip().startswith('@'):
        j -= 1
    if j < 0:
        return False
    prev = lines[j].strip()
    return prev.startswith('///') or prev.endswith('*/') and '/**' in '\n'.join(lines[max(0, j - 200):j + 1])


def scan(root):
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith('.swift'):
                path = os.path.join(dirpath, name)
                found.extend(scan_file(path, os.path.relpath(path, root)))
    return found


def report(found, minimum, out=sys.stdout):
    total = len(found)
    documented = sum(1 for f in found if f[3])
    share = 100.0 * documented / total if total else 100.0
    missing = [f for f in found if not f[3]]
    by_folder = {}
    for rel, _, _, doc in found:
        folder = rel.split(os.sep)[0]
        d, t = by_folder.get(folder, (0, 0))
        by_folder[folder] = (d + doc, t + 1)
    for rel, line, text, _ in missing:
        print(f'undocumented: {rel}:{line}: {text}', file=out)
    for folder in sorted(by_folder):
        d, t = by_folder[folder]
        print(f'  {folder}: {d}/{t}', file=out)
    print(f'check_docs: {documented} of {total} public declarations documented ({share:.1f}%; minimum {minimum}%)',
          file=out)
    return share >= minimum


SAMPLE = '''\
/// A documented type.
public struct A {
    /// Documented.
    public var x = 0
    public var y = "not { a brace"
    @discardableResult
    public func f() -> Int { 1 }
    var internalOne = 0
    package var packageOne = 0
}

public enum E {
    /// Documented case.
    case a
    case b, c
    /// Documented.
    public var d: Int {
        switch self { case .a: 1
        case .b, .c: 2 }
    }
}

/// Documented, with an attribute between.
@frozen
public enum F { case g }

// Not a doc comment.
public typealias T = Int
'''


def self_test():
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, 'Sample.swift'), 'w') as f:
            f.write(SAMPLE)
        found = scan(tmp)
    got = [(line, doc) for _, line, _, doc in found]
    # A, A.x, A.y (no), A.f (no, the attribute line follows a code line), E (no), E.a,
    # E.b and E.c (no), E.d, F, T (no). `case g` on F's own line is not seen (a case must
    # start its line), and neither are the `case`s of the switch.
    want = [(2, True), (4, True), (5, False), (7, False), (12, False), (14, True), (15, False), (15, False),
            (17, True), (25, True), (28, False)]
    if got != want:
        print(f'check_docs self-test FAILED:\n  got  {got}\n  want {want}')
        return False
    print('check_docs self-test: OK (11 declarations counted as expected, 5 of them documented)')
    return True


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument('--root', default=os.path.join(here, '..', 'Sources', 'ContextStore'))
    ap.add_argument('--min', type=float, default=95.0)
    ap.add_argument('--self-test', action='store_true')
    a = ap.parse_args()
    if a.self_test:
        sys.exit(0 if self_test() else 1)
    sys.exit(0 if report(scan(a.root), a.min) else 1)


if __name__ == '__main__':
    main()
