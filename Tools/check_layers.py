#!/usr/bin/env python3
"""Layering check for Sources/ContextStore: a folder may use only what lower folders declare.

    python3 Tools/check_layers.py              # check the tree; exit 1 and list violations
    python3 Tools/check_layers.py --root DIR   # check another copy of Sources/ContextStore
    python3 Tools/check_layers.py --self-test  # show that a planted violation is caught

How it counts (REVIEW.md, Appendix A): the names a folder declares are its top-level types
(`struct/class/enum/protocol/actor/typealias` at column 0) and its top-level free functions.
A file uses a name when the name appears as a whole word outside comments and string
literals (interpolations `\\(...)` are code and are searched), not after a `.` (a member
such as `.corruption` is not the type `Corruption`); a function must be called (`name(`).
Nested types count as their parent: `StoreState.ActiveFile` is a use of `StoreState`.

What it cannot see: members. A method a higher folder adds to a lower type in an
`extension` and calls from below (the old `sealAll`) is not a name this check knows; keep
such extensions in the folder of the type they extend, or above every caller.

The rule: a folder may use a name declared in a folder of a strictly lower level. A use at
the same or a higher level is a violation unless `ALLOWED` lists that exact name for that
pair of folders, with the reason. Every folder must have a level.
"""
import argparse
import os
import re
import shutil
import sys
import tempfile

# Lowest first. Folders at one level are independent of each other: a same-level use is a
# violation unless ALLOWED names it.
LEVELS = {
    # General utilities any layer may use (locks, threads, clock, byte-exact keys, hex,
    # LRU, CPU count). Uses nothing.
    'Support': 0,
    # Leaves: the data model, byte coding, file I/O, SHA-256, the word analyzer.
    'Model': 1, 'Coding': 1, 'IO': 1, 'Hashing': 1, 'Analysis': 1,
    # Formats and text: the log (records, frames, files), token counts, the JSON formats.
    'Log': 2, 'Tokenizer': 2, 'JSON': 2,
    # What a search asks and answers, apart from any index: the query's terms, the result
    # types, snippets, budgets, collapsing (words, parts, token counts, segments).
    'Retrieval': 3,
    # The index points at records in the log (`RecordLocation`), so it sits above Log; it
    # answers queries (`QueryTerms`, `SearchResult`), so above Retrieval.
    'Index': 4,
    # The MANIFEST names log files and index files and stores index state
    # (`LogPosition`, `ProjectTotals`, `LogFormat.fileHeaderSize`): above both, never below.
    'Manifest': 5,
    # The engine: open, write, read, recover, verify. The only folder that knows
    # `StoreError`, `StoreLayout` and the writer (`Store/Writer`), and maps the lower layers' errors.
    'Store': 6,
    # Features built on the engine.
    'Compaction': 7, 'Import': 7, 'Export': 7,
}

# (user folder, used folder) -> names allowed against the rule, and why.
ALLOWED = {
    # `ContextStore` is the facade that starts and stops the background compactor and
    # returns its report from the public `compact()`; the compaction itself (plan, job,
    # install) is above the engine and uses it. Only these two names may point up.
    ('Store', 'Compaction'): {'Compactor', 'CompactionReport'},
}

DECL = re.compile(r'^(?:@\w+(?:\([^)]*\))?\s+)*(?:public |internal |private |fileprivate |package )?'
                  r'(?:final )?(?:indirect )?(struct|class|enum|protocol|actor|typealias)\s+([A-Z]\w*)')
FDECL = re.compile(r'^(?:@\w+(?:\([^)]*\))?\s+)*(?:public |internal |private |fileprivate |package )?func\s+(\w+)')


def strip(src):
    """`src` with comments and string literal text blanked (newlines kept, so line numbers
    stay), interpolations kept as code. Handles nested block comments, `\"\"\"` strings and
    escapes; raw strings (`#"..."#`) are read as plain strings, which is close enough here."""
    out = []
    i, n = 0, len(src)
    # Stack of contexts: 'code' (with the paren depth that closes an interpolation),
    # or ('str', multiline).
    stack = [['code', 0]]
    while i < n:
        c = src[i]
        top = stack[-1]
        if top[0] == 'code':
            if src.startswith('//', i):
                j = src.find('\n', i)
                j = n if j < 0 else j
                out.append(' ' * (j - i))
                i = j
            elif src.startswith('/*', i):
                depth, j = 1, i + 2
                while j < n and depth:
                    if src.startswith('/*', j): depth, j = depth + 1, j + 2
                    elif src.startswith('*/', j): depth, j = depth - 1, j + 2
                    else: j += 1
                out.append(re.sub(r'[^\n]', ' ', src[i:j]))
                i = j
            elif src.startswith('"""', i):
                stack.append(['str', True]); out.append('"""'); i += 3
            elif c == '"':
                stack.append(['str', False]); out.append('"'); i += 1
            else:
                if c == '(':
                    top[1] += 1
                elif c == ')':
                    if top[1] == 0 and len(stack) > 1:  # end of an interpolation
                        stack.pop(); out.append(')'); i += 1
                        continue
                    top[1] -= 1
                out.append(c); i += 1
        else:
            multiline = top[1]
            if c == '\\' and src.startswith('\\(', i):
                stack.append(['code', 0]); out.append('\\('); i += 2
            elif c == '\\':  # an escape: blank it and the character it escapes (not a newline)
                k = 2 if i + 1 < n and src[i + 1] != '\n' else 1
                out.append(' ' * k); i += k
            elif multiline and src.startswith('"""', i):
                stack.pop(); out.append('"""'); i += 3
            elif not multiline and c == '"':
                stack.pop(); out.append('"'); i += 1
            elif c == '\n':
                if not multiline: stack.pop()  # unterminated: do not swallow the file
                out.append('\n'); i += 1
            else:
                out.append(' '); i += 1
    return ''.join(out)


def scan(root):
    """Declarations per folder, and the violations: (path, line, user, used, name)."""
    folders = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    problems = [('%s/' % os.path.join(root, f), 0, f, None, 'has no level in LEVELS')
                for f in folders if f not in LEVELS]
    types, funcs, files = {}, {}, {}
    for f in folders:
        files[f] = []
        for dirpath, _, names in os.walk(os.path.join(root, f)):
            for fn in sorted(names):
                if not fn.endswith('.swift'): continue
                p = os.path.join(dirpath, fn)
                files[f].append(p)
                for line in open(p, encoding='utf-8'):
                    m = DECL.match(line)
                    if m: types.setdefault(m.group(2), f)
                    m = FDECL.match(line)
                    if m: funcs.setdefault(m.group(1), f)
    patterns = [(name, df, re.compile(r'(?<![\w.])' + re.escape(name) + r'(?!\w)')) for name, df in types.items()]
    patterns += [(name, df, re.compile(r'(?<![\w.])' + re.escape(name) + r'\s*\(')) for name, df in funcs.items()]
    used_allowances = set()
    for f in folders:
        if f not in LEVELS: continue
        for p in files[f]:
            src = strip(open(p, encoding='utf-8').read())
            for name, df, pat in patterns:
                if df == f or df not in LEVELS or LEVELS[df] < LEVELS[f]: continue
                for m in pat.finditer(src):
                    if name in ALLOWED.get((f, df), ()):
                        used_allowances.add((f, df, name))
                        continue
                    line = src.count('\n', 0, m.start()) + 1
                    problems.append((p, line, f, df, name))
    return problems, used_allowances, sum(len(v) for v in files.values())


def report(root):
    problems, used, nfiles = scan(root)
    for p, line, f, df, name in sorted(problems):
        if df is None:
            print('%s: folder %s %s' % (p, f, name))
        else:
            print('%s:%d: %s (level %d) uses %s from %s (level %d)' % (p, line, f, LEVELS[f], name, df, LEVELS[df]))
    stale = sorted((f, df, n) for (f, df), names in ALLOWED.items() for n in names if (f, df, n) not in used)
    for f, df, n in stale:
        print('note: ALLOWED lets %s use %s from %s, but nothing does: remove it' % (f, n, df))
    if problems:
        print('layers: %d violation(s): a folder uses a name from a folder at its level or above '
              '(Tools/check_layers.py explains the rule)' % len(problems))
        return 1
    print('layers: OK (%d files; %s)' % (nfiles, ', '.join(
        '%s %d' % (k, v) for k, v in sorted(LEVELS.items(), key=lambda kv: (kv[1], kv[0])))))
    return 0


def self_test(root):
    """Plants uses in a copy of `root`: two real violations (Log throwing `StoreError`, and
    `StoreLayout` inside a string interpolation) and mentions that must not count (comments,
    a string, a member); the check must report exactly the planted lines. Then a folder with
    no level must be reported too."""
    ok = True
    base, _, _ = scan(root)
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, 'ContextStore')
        shutil.copytree(root, copy)
        with open(os.path.join(copy, 'Log', 'PlantedViolation.swift'), 'w') as out:
            out.write('// StoreError in a comment is fine\n'
                      '/* and in a /* nested */ block: StoreLayout */\n'
                      'let plantedText = "StoreError \\"LogWriter\\" in a string"\n'
                      'let plantedMember = plantedValue.StoreError  // a member named like the type\n'
                      'func planted() throws(StoreError) {}\n'
                      'let plantedInterpolation = "path: \\(StoreLayout.self)"\n')
        got, _, _ = scan(copy)
        new = [(os.path.basename(p), line, f, df, name) for p, line, f, df, name in got if (p.replace(copy, root), line, f, df, name) not in base]
        want = [('PlantedViolation.swift', 5, 'Log', 'Store', 'StoreError'),
                ('PlantedViolation.swift', 6, 'Log', 'Store', 'StoreLayout')]
        if sorted(new) != want:
            print('self-test FAILED: planted two uses of Store in Log/, expected %s, got %s' % (want, sorted(new)))
            ok = False
        os.mkdir(os.path.join(copy, 'Unlevelled'))
        got, _, _ = scan(copy)
        if not any(df is None and f == 'Unlevelled' for _, _, f, df, _ in got):
            print('self-test FAILED: a folder with no level was not reported')
            ok = False
    print('self-test: %s' % ('OK (planted Log -> Store uses, one in an interpolation, are reported at their lines; '
                             'comments, strings and members are not; a folder with no level is reported)' if ok else 'FAILED'))
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--root', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'Sources', 'ContextStore'))
    ap.add_argument('--self-test', action='store_true')
    a = ap.parse_args()
    root = os.path.normpath(a.root)
    sys.exit(self_test(root) if a.self_test else report(root))


if __name__ == '__main__':
    main()
