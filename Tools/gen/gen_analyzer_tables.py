#!/usr/bin/env python3
"""Generates Sources/ContextStore/Analysis/AnalyzerTables.generated.swift.

The keyword analyzer (KeywordAnalyzer.swift) must reproduce exactly

    re.findall(r"\\b\\w+\\b", text.lower())

of the Python 3 that runs this script, so every table here is derived from
that interpreter's own behaviour (str.isalnum, str.lower, str.islower, ...),
never from Swift's Unicode data, which is newer.

Tables emitted (all sorted; ranges are inclusive [lo, hi] pairs):
  * wordRanges           scalars matched by `\\w` of `re` str patterns: '_' or ch.isalnum()
  * casedRanges          Cased scalars (Lowercase | Uppercase | Lt), as Python's CASED flag
  * caseIgnorableRanges  Case_Ignorable scalars, as Python's CASE_IGNORABLE flag
                         (derived empirically from str.lower()'s final-sigma rule)
  * lowercaseRuns        single-scalar mappings ch -> ch.lower() != ch, as runs of
                         (start, count, stride, delta)
  * lowercaseMulti       multi-scalar mappings: scalar, count, mapped scalars...

Usage:
    python3 Tools/gen/gen_analyzer_tables.py            # rewrite the Swift file
    python3 Tools/gen/gen_analyzer_tables.py --check    # exit 1 if it is out of date
    python3 Tools/gen/gen_analyzer_tables.py --stdout   # print instead of writing
"""

import os
import re
import sys
import unicodedata

MAX_SCALAR = 0x10FFFF
SIGMA = "\u03a3"
FINAL = "\u03c2"
REGEN = "python3 Tools/gen/gen_analyzer_tables.py"
OUT_REL = os.path.join("Sources", "ContextStore", "Analysis", "AnalyzerTables.generated.swift")


def scalars():
    for c in range(MAX_SCALAR + 1):
        if 0xD800 <= c <= 0xDFFF:
            continue
        yield c


def to_ranges(codes):
    """Sorted code points -> list of inclusive (lo, hi) ranges."""
    out = []
    for c in codes:
        if out and out[-1][1] == c - 1:
            out[-1][1] = c
        else:
            out.append([c, c])
    return [tuple(r) for r in out]


def derive():
    word, cased, ignorable = [], [], []
    single, multi = [], []
    word_re = re.compile(r"\w")
    for c in scalars():
        ch = chr(c)
        is_word = ch == "_" or ch.isalnum()
        # Cross-check against the regex engine itself.
        assert is_word == (word_re.fullmatch(ch) is not None), hex(c)
        if is_word:
            word.append(c)

        # Python's CASED flag: Lowercase or Uppercase or Lt.  For one scalar
        # str.istitle() is ISTITLE or ISUPPER, so this is exactly the flag.
        is_cased = ch.islower() or ch.isupper() or ch.istitle()
        if is_cased:
            cased.append(c)

        # Case_Ignorable is not exposed by Python; observe it through the
        # final-sigma rule of str.lower() (unicodeobject.c handle_capital_sigma):
        #   ch + Σ        -> ς  iff ch is not case-ignorable and cased
        #   AΣ + ch + A   -> ς  iff ch is not case-ignorable and not cased
        # so ch is case-ignorable iff neither probe gives a final sigma.
        p_cased = (ch + SIGMA).lower()[-1] == FINAL
        p_uncased = ("A" + SIGMA + ch + "A").lower()[1] == FINAL
        assert not (p_cased and p_uncased), hex(c)
        is_ci = not p_cased and not p_uncased
        if not is_ci:
            # For scalars that are not case-ignorable the probe sees the cased flag.
            assert p_cased == is_cased, hex(c)
        else:
            # A third probe: with a cased letter before, the sigma must be final
            # (the case-ignorable scalar is skipped).
            assert ("A" + ch + SIGMA).lower()[-1] == FINAL, hex(c)
        if is_ci:
            ignorable.append(c)

        low = ch.lower() if c != 0x3A3 else "\u03c3"
        if low != ch:
            if len(low) == 1:
                single.append((c, ord(low)))
            else:
                multi.append((c, [ord(x) for x in low]))
    # Sanity: Case_Ignorable contains the general categories Mn Me Cf Lm Sk.
    ci_set = set(ignorable)
    for c in scalars():
        if unicodedata.category(chr(c)) in ("Mn", "Me", "Cf", "Lm", "Sk"):
            assert c in ci_set, hex(c)
    return word, cased, ignorable, single, multi


def lowercase_runs(single):
    """(c, lower) pairs -> runs (start, count, stride, delta)."""
    runs = []
    i = 0
    n = len(single)
    while i < n:
        c, l = single[i]
        delta = l - c
        count, stride = 1, 1
        if i + 1 < n:
            c2, l2 = single[i + 1]
            if l2 - c2 == delta and c2 - c in (1, 2):
                stride = c2 - c
                count = 2
                while i + count < n:
                    cn, ln = single[i + count]
                    if ln - cn == delta and cn == c + count * stride:
                        count += 1
                    else:
                        break
        runs.append((c, count, stride, delta))
        i += count
    # Verify the runs reproduce the mapping exactly.
    expanded = []
    for start, count, stride, delta in runs:
        for k in range(count):
            expanded.append((start + k * stride, start + k * stride + delta))
    assert expanded == single
    return runs


def fmt_table(name, typ, values, per_line):
    lines = [f"    static let {name}: [{typ}] = ["]
    for i in range(0, len(values), per_line):
        chunk = values[i:i + per_line]
        lines.append("        " + ", ".join(chunk) + ",")
    lines.append("    ]")
    return "\n".join(lines)


def hexs(v):
    return "0x%X" % v


def render():
    word, cased, ignorable, single, multi = derive()
    wr, cr, ir = to_ranges(word), to_ranges(cased), to_ranges(ignorable)
    runs = lowercase_runs(single)

    flat = lambda rs: [hexs(x) for r in rs for x in r]
    run_vals = []
    for start, count, stride, delta in runs:
        run_vals += [hexs(start), str(count), str(stride), str(delta)]
    multi_vals = []
    for c, outs in multi:
        multi_vals += [hexs(c), str(len(outs))] + [hexs(o) for o in outs]

    out = []
    out.append("// GENERATED FILE - DO NOT EDIT.")
    out.append(f"// Regenerate from the repository root with: {REGEN}")
    out.append(f"// Source: Python 3 (str.lower, str.isalnum, ...) with unicodedata {unicodedata.unidata_version}.")
    out.append("// Tables of the keyword analyzer (KeywordAnalyzer.swift); see the generator for their meaning.")
    out.append("// Ranges are flattened inclusive [lo, hi] pairs, sorted by lo.")
    out.append("")
    out.append("enum AnalyzerTables {")
    out.append("    /// `unicodedata.unidata_version` of the Python that produced these tables.")
    out.append(f"    static let unicodeVersion = \"{unicodedata.unidata_version}\"")
    out.append("")
    out.append(f"    /// `\\w` of Python `re` str patterns: `_` or `ch.isalnum()`. {len(wr)} ranges, {len(word)} scalars.")
    out.append(fmt_table("wordRanges", "UInt32", flat(wr), 8))
    out.append("")
    out.append(f"    /// Cased (Lowercase | Uppercase | Lt), Python's CASED flag. {len(cr)} ranges.")
    out.append(fmt_table("casedRanges", "UInt32", flat(cr), 8))
    out.append("")
    out.append(f"    /// Case_Ignorable, Python's CASE_IGNORABLE flag. {len(ir)} ranges.")
    out.append(fmt_table("caseIgnorableRanges", "UInt32", flat(ir), 8))
    out.append("")
    out.append(f"    /// Single-scalar lowercase mappings (`ch.lower() != ch`), {len(single)} scalars in {len(runs)} runs")
    out.append("    /// of (start, count, stride, delta): scalars start + k*stride (k < count) map to themselves + delta.")
    out.append("    /// U+03A3 is listed with its non-final form; the analyzer applies the final-sigma rule itself.")
    out.append(fmt_table("lowercaseRuns", "Int32", run_vals, 8))
    out.append("")
    out.append("    /// Multi-scalar lowercase mappings: scalar, count, then `count` mapped scalars.")
    out.append(fmt_table("lowercaseMulti", "UInt32", multi_vals, 8))
    out.append("}")
    out.append("")
    return "\n".join(out)


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.path.join(root, OUT_REL)
    text = render()
    if "--stdout" in argv:
        sys.stdout.write(text)
        return 0
    if "--check" in argv:
        try:
            with open(path, encoding="utf-8") as f:
                current = f.read()
        except FileNotFoundError:
            current = None
        if current != text:
            print(f"{OUT_REL} is out of date; run: {REGEN}", file=sys.stderr)
            return 1
        return 0
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print(f"wrote {path} ({len(text.encode())} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
