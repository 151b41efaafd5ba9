"""The docs point at real code: every link in docs/THEORY.md and docs/GLOSSARY.md goes to an existing
file, every function, class or test it names exists there, and every formula section links both the
code that computes the formula and the test that checks it. Relative links in README.md resolve too.

A reference is a Markdown link whose text names the file and then the objects in code font:

    [`gan/losses.py` `gradient_penalty`](../gan/losses.py)
    [`tests/test_gan_theory.py` `test_value_at_equilibrium_is_minus_log_4`](../tests/test_gan_theory.py)
    [`gan/train.py` `Trainer.generator_step`](../gan/train.py)          (a method: Class.name)

Names are looked up with `ast` (top-level functions, classes and assignments, and the functions and
classes defined in a class body), so a renamed or deleted function breaks this test, not the reader.
A line anchor such as `#L120` is accepted only if that line defines one of the named objects.
"""
import ast
import re
from functools import lru_cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
THEORY = DOCS / "THEORY.md"
GLOSSARY = DOCS / "GLOSSARY.md"
README = REPO / "README.md"

# [text](target) and ![alt](target); link text may itself hold one level of brackets
LINK = re.compile(r"!?\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
CODE_SPAN = re.compile(r"`([^`]+)`")
LINE_ANCHOR = re.compile(r"^L(\d+)(?:-L(\d+))?$")
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)  # http:, https:, mailto:, //host
FENCE = re.compile(r"^\s*(```|~~~)")
#: lines that Markdown reads as the start of a block (list item, quote, heading) even inside $$ ... $$
BLOCK_START = re.compile(r"^\s{0,3}(?:[-+*]\s|>|#{1,6}\s|\d+[.)]\s)")
#: a formula subsection may say this instead of linking a test (and then owes one)
NO_TEST_MARKER = "No test checks this yet"
#: THEORY.md has at least this many numbered sections, numbered 1, 2, ... in order (a new section
#: takes the next number, and a line in the contents: test_theory_contents_list_every_numbered_section)
THEORY_SECTIONS = 13
#: numbers pre-assigned to sections another branch writes; they may be missing until it lands
RESERVED_SECTIONS = set()


# ----------------------------------------------------------------------------- parsing

def strip_code_blocks(text):
    """The text with fenced code blocks blanked out (links inside them are examples, not references)."""
    out, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            out.append("")
            continue
        out.append("" if fenced else line)
    return "\n".join(out)


def links(text):
    """(link text, target) for every Markdown link or image outside fenced code."""
    return [(m.group(1), m.group(2)) for m in LINK.finditer(strip_code_blocks(text))]


def github_slug(heading):
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`|\$", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def headings(text):
    return [line.lstrip("#").strip() for line in strip_code_blocks(text).splitlines()
            if re.match(r"^#{1,6} ", line)]


@lru_cache(maxsize=None)
def defined_names(path):
    """Names a reference may use for the Python file `path`: top-level def/class/assignment names,
    and 'Class.member' for defs and classes in a class body."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"), filename=str(path))
    names, lines = set(), {}

    def add(name, node):
        names.add(name)
        lines.setdefault(name, node.lineno)

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            add(node.name, node)
            if isinstance(node, ast.ClassDef):
                for member in node.body:
                    if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                        add(f"{node.name}.{member.name}", member)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    add(target.id, node)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            add(node.target.id, node)
    return frozenset(names), lines


def _is_unconditional_skip(decorator):
    """True for @pytest.mark.skip and @pytest.mark.skip(...) (not skipif: that one depends on a condition)."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(target, ast.Attribute) and target.attr == "skip" and \
        isinstance(target.value, ast.Attribute) and target.value.attr == "mark"


@lru_cache(maxsize=None)
def skipped_tests(path):
    """Names of the test functions in `path` marked @pytest.mark.skip: they run no check at all."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"), filename=str(path))
    skipped = set()
    defs = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    for node in tree.body:
        if not isinstance(node, defs):
            continue
        members = [(node.name, node)]
        if isinstance(node, ast.ClassDef):
            members += [(f"{node.name}.{m.name}", m) for m in node.body if isinstance(m, defs)]
        for name, member in members:
            if any(_is_unconditional_skip(d) for d in member.decorator_list):
                skipped.add(name)
    return frozenset(skipped)


def _is_torch_importorskip(node):
    """True for a call pytest.importorskip("torch")."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "importorskip"
            and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value == "torch")


@lru_cache(maxsize=None)
def torch_only_tests(path):
    """Names of the test functions in `path` that skip without PyTorch (pytest.importorskip("torch")
    in their body, or at the top of the module: then every test of the file)."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"), filename=str(path))
    tests = {node.name: node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    module_level = any(_is_torch_importorskip(n) for stmt in tree.body
                       if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                       for n in ast.walk(stmt))
    if module_level:
        return frozenset(tests)
    return frozenset(name for name, node in tests.items() if any(_is_torch_importorskip(n) for n in ast.walk(node)))


def is_test_name(name):
    return name.split(".")[-1].startswith("test")


class Reference:
    """One link of a doc, resolved: `path` relative to the repo, `names` the objects it names."""

    def __init__(self, text, target, doc_dir):
        self.text, self.target = text, target
        raw_path, _, self.anchor = target.partition("#")
        self.external = bool(EXTERNAL.match(target))
        self.same_file = raw_path == ""
        self.file = None if (self.external or self.same_file) else (doc_dir / raw_path).resolve()
        spans = CODE_SPAN.findall(text)
        self.path_spans = [s for s in spans if "/" in s or s.endswith(".py")]
        self.names = [s.strip().removesuffix("()") for s in spans if s not in self.path_spans]

    @property
    def path(self):
        try:
            return self.file.relative_to(REPO).as_posix()
        except ValueError:
            return str(self.file)

    @property
    def is_python(self):
        return self.file is not None and self.file.suffix == ".py"

    @property
    def is_test(self):
        return self.is_python and self.path.startswith("tests/") and Path(self.path).name.startswith("test_")

    @property
    def is_code(self):
        return self.is_python and not self.is_test


def check_reference(ref, require_names=True):
    """Problems with one reference (an empty list if it is fine)."""
    where = f"[{ref.text}]({ref.target})"
    if ref.external or ref.same_file:
        return []
    if not ref.file.exists():
        return [f"{where}: {ref.path} does not exist"]
    problems = []
    for span in ref.path_spans:
        if span.rstrip("/") != ref.path:
            problems.append(f"{where}: the text names {span} but the link goes to {ref.path}")
    if not ref.is_python:
        return problems
    if require_names and not ref.names:
        problems.append(f"{where}: name the function, class or test after the path, in code font")
    names, lines = defined_names(ref.file)
    for name in ref.names:
        if name not in names:
            kind = "test" if ref.is_test else "function or class"
            problems.append(f"{where}: no {kind} '{name}' in {ref.path}")
        elif ref.is_test and not is_test_name(name):
            problems.append(f"{where}: '{name}' in {ref.path} is not a test function")
        elif ref.is_test and (name in skipped_tests(ref.file) or name.split(".")[0] in skipped_tests(ref.file)):
            problems.append(f"{where}: '{name}' in {ref.path} is marked skip, so it checks nothing")
    if ref.anchor:
        match = LINE_ANCHOR.match(ref.anchor)
        if not match:
            problems.append(f"{where}: anchor '#{ref.anchor}' is not a line anchor like #L12")
        elif int(match.group(1)) not in {lines.get(n) for n in ref.names}:
            problems.append(f"{where}: line {match.group(1)} of {ref.path} does not define any of {ref.names}")
    return problems


def check_doc(text, doc_dir, require_names=True):
    """Problems with all references of a document: files, names, same-page anchors, math syntax."""
    problems = []
    slugs = {github_slug(h) for h in headings(text)}
    for link_text, target in links(text):
        ref = Reference(link_text, target, doc_dir)
        if ref.same_file and ref.anchor and ref.anchor not in slugs:
            problems.append(f"[{link_text}]({target}): no heading with anchor #{ref.anchor} on this page")
        problems += check_reference(ref, require_names)
    problems += check_math(text)
    return problems


def check_math(text):
    """GitHub's MathJax: balanced $$ blocks, no \\tag, \\lVert instead of \\|."""
    problems = []
    body = strip_code_blocks(text)
    if body.count("$$") % 2:
        problems.append("unbalanced $$ display math")
    in_display = False
    for number, line in enumerate(body.splitlines(), start=1):
        if in_display and BLOCK_START.match(line):
            problems.append(f"line {number}: inside $$ this line starts a Markdown list, quote or heading; "
                            "move the leading sign to the end of the previous line")
        if line.count("$$") % 2:
            in_display = not in_display
        if "\\tag" in line:
            problems.append(f"line {number}: \\tag is not rendered by GitHub; drop it")
        if "\\|" in line:
            problems.append(f"line {number}: use \\lVert ... \\rVert instead of \\| for norms")
    return problems


def sections(text, level):
    """[(heading, body)] for the headings of exactly `level` #'s (bodies run to the next heading of
    that level or higher)."""
    result, current, body = [], None, []
    for line in strip_code_blocks(text).splitlines():
        match = re.match(r"^(#{1,6}) (.*)", line)
        if match and len(match.group(1)) <= level:
            if current is not None:
                result.append((current, "\n".join(body)))
            current, body = (match.group(2).strip(), []) if len(match.group(1)) == level else (None, [])
            continue
        if current is not None:
            body.append(line)
    if current is not None:
        result.append((current, "\n".join(body)))
    return result


def kinds_linked(body, doc_dir):
    refs = [Reference(t, target, doc_dir) for t, target in links(body)]
    return any(r.is_code for r in refs), any(r.is_test for r in refs)


def check_formula_sections(text, doc_dir, n_sections=THEORY_SECTIONS):
    """Every numbered section (## 1. ... ## n., n >= n_sections, numbered in order) and every
    subsection holding display math links at least one code file and one test (or says NO_TEST_MARKER)."""
    problems = []
    numbered = [(h, b) for h, b in sections(text, 2) if re.match(r"^\d+\.", h)]
    numbers = [int(re.match(r"^(\d+)\.", h).group(1)) for h, _ in numbered]
    last = max([n_sections, *numbers])
    expected = [n for n in range(1, last + 1) if n in numbers or n not in RESERVED_SECTIONS]
    if numbers != expected:
        problems.append(f"numbered sections are {numbers}, expected 1..{last} in order")
    for heading, body in numbered:
        code, test = kinds_linked(body, doc_dir)
        if not code:
            problems.append(f"section '{heading}': no link to the code")
        if not test and NO_TEST_MARKER not in body:
            problems.append(f"section '{heading}': no link to a test")
    for heading, body in sections(text, 3):
        if "$$" not in body:
            continue
        code, test = kinds_linked(body, doc_dir)
        if not code:
            problems.append(f"formula '{heading}': no link to the code that computes it")
        if not test and NO_TEST_MARKER not in body:
            problems.append(f"formula '{heading}': no link to a test that checks it")
    return problems


def check_torch_free_tests(text, doc_dir):
    """Every section or formula subsection that links tests links at least one that runs without
    PyTorch (torch is not a dependency: a student without it must still have a check of each formula)."""
    problems = []
    for level in (2, 3):
        for heading, body in sections(text, level):
            refs = [Reference(t, target, doc_dir) for t, target in links(body)]
            tests = [(r, n) for r in refs if r.is_test and r.file.exists() for n in r.names]
            if level == 3 and "$$" not in body:
                continue
            if tests and all(n in torch_only_tests(r.file) for r, n in tests):
                names = ", ".join(n for _, n in tests)
                problems.append(f"'{heading}': every linked test needs torch ({names}); link a torch-free one too")
    return problems


def numbered_headings(text):
    """'N. title' and 'N.M title' headings (## and ###) of a document, in order."""
    return [h for h in headings(text) if re.match(r"^\d+\.\d*\s", h)]


def contents_block(text):
    """The body of the '## Contents' section ('' if there is none)."""
    return next((body for heading, body in sections(text, 2) if heading == "Contents"), "")


def check_contents(text):
    """Every numbered section and subsection is linked from the contents, under its own title."""
    listed = {target.partition("#")[2]: link_text for link_text, target in links(contents_block(text))
              if target.startswith("#")}
    problems = []
    for heading in numbered_headings(text):
        slug = github_slug(heading)
        if slug not in listed:
            problems.append(f"'{heading}' is not in the contents (add [{heading}](#{slug}))")
        elif listed[slug].strip("*") != heading:
            problems.append(f"the contents call #{slug} '{listed[slug]}', the heading says '{heading}'")
    return problems


def check_formula_sheet(text):
    """Every row of the formula sheet's table links the numbered section(s) that derive it."""
    body = next((b for h, b in sections(text, 2) if h == "Formula sheet"), None)
    if body is None:
        return ["no '## Formula sheet' section"]
    numbered = {github_slug(h) for h in numbered_headings(text)}
    rows = [line for line in body.splitlines() if line.startswith("|") and not re.match(r"^\|[\s|:-]+\|$", line)][1:]
    problems = [] if rows else ["the formula sheet has no rows"]
    for row in rows:
        anchors = [target[1:] for _, target in links(row) if target.startswith("#")]
        if not anchors or any(a not in numbered for a in anchors):
            problems.append(f"formula sheet row does not link its section: {row[:80]}")
    return problems


#: how the source notes must not be named in text a student reads: "seed 004" clashes with --seed
NUMBERED_SOURCE = re.compile(r"\bseeds? 0\d\d\b|\bseed's\b|\bseed (?:tutorial|document|notes?)\b|\bseeds?\b(?= (?:0\d\d|mix|give|contain))",
                             re.IGNORECASE)
#: "the issue", "issue 16", "the VAE issue": students have no issue tracker
ISSUE_WORDING = re.compile(r"\bissues?\b(?:'s)?", re.IGNORECASE)


def student_facing_texts():
    """README.md, docs/*.md, and the Python files of gan/ and minigrad/ (their docstrings are what help() shows)."""
    return [README, *sorted(DOCS.glob("*.md")), *sorted((REPO / "gan").rglob("*.py")),
            *sorted((REPO / "minigrad").rglob("*.py"))]


def wording_problems(text, name):
    """Lines of `text` that number the source notes as seeds or mention an issue."""
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        for pattern, advice in ((NUMBERED_SOURCE, "say 'note 004' / 'the source notes (000-004)'"),
                                (ISSUE_WORDING, "say what was measured or decided, not where it was asked")):
            if pattern.search(line):
                problems.append(f"{name}:{number}: {advice}: {line.strip()[:100]}")
    return problems


# ----------------------------------------------------------------------------- the checks

def glossary_entries(text):
    """Table rows that are neither a header (the row above a |---| line) nor the |---| line itself."""
    lines = text.splitlines()
    separator = re.compile(r"^\|(\s*:?-+:?\s*\|)+\s*$")
    return sum(1 for i, line in enumerate(lines)
               if line.startswith("|") and not separator.match(line)
               and not (i + 1 < len(lines) and separator.match(lines[i + 1])))


def read(path):
    if not path.exists():
        pytest.fail(f"{path.relative_to(REPO)} is missing")
    return path.read_text(encoding="utf-8")


def test_theory_references_exist():
    problems = check_doc(read(THEORY), DOCS)
    assert not problems, "docs/THEORY.md:\n  " + "\n  ".join(problems)


def test_theory_every_formula_links_code_and_test():
    problems = check_formula_sections(read(THEORY), DOCS)
    assert not problems, "docs/THEORY.md:\n  " + "\n  ".join(problems)


def test_theory_every_formula_has_a_test_that_runs_without_torch():
    problems = check_torch_free_tests(read(THEORY), DOCS)
    assert not problems, "docs/THEORY.md:\n  " + "\n  ".join(problems)


def test_theory_contents_list_every_numbered_section():
    problems = check_contents(read(THEORY))
    assert not problems, "docs/THEORY.md contents:\n  " + "\n  ".join(problems)


def test_theory_formula_sheet_rows_link_their_sections():
    problems = check_formula_sheet(read(THEORY))
    assert not problems, "docs/THEORY.md formula sheet:\n  " + "\n  ".join(problems)


def test_student_facing_text_names_the_source_notes_and_never_an_issue():
    problems = [p for path in student_facing_texts()
                for p in wording_problems(path.read_text(encoding="utf-8"), path.relative_to(REPO))]
    assert not problems, "\n".join(problems)


def test_theory_links_many_distinct_tests():
    """A sanity floor: the reference really is tied to the suite (not one test linked everywhere)."""
    refs = [Reference(t, target, DOCS) for t, target in links(read(THEORY))]
    tests = {(r.path, n) for r in refs if r.is_test for n in r.names}
    code = {(r.path, n) for r in refs if r.is_code for n in r.names}
    assert len(tests) >= 40 and len(code) >= 40, (len(tests), len(code))


def test_glossary_references_exist_and_it_has_enough_entries():
    text = read(GLOSSARY)
    problems = check_doc(text, DOCS)
    assert not problems, "docs/GLOSSARY.md:\n  " + "\n  ".join(problems)
    assert glossary_entries(text) >= 30, f"only {glossary_entries(text)} glossary entries"


def test_readme_relative_links_resolve():
    problems = check_doc(read(README), REPO, require_names=False)
    assert not problems, "README.md:\n  " + "\n  ".join(problems)


# ----------------------------------------------------------------------------- the checker can fail

def test_checker_reports_made_up_references():
    fake = "\n".join([
        "## 1. A section",
        "### 1.1 A formula",
        "$$ x = 1 $$",
        "[`gan/losses.py` `no_such_loss`](../gan/losses.py)",
        "[`tests/test_gan_losses.py` `test_that_was_never_written`](../tests/test_gan_losses.py)",
        "[`gan/nowhere.py` `f`](../gan/nowhere.py)",
        "[`gan/train.py` `Trainer.no_such_method`](../gan/train.py)",
        "[`tests/test_gan_losses.py` `np_closed_forms`](../tests/test_gan_losses.py)",
        "[`gan/theory.py` `optimal_value`](../gan/losses.py)",
        "[`gan/losses.py` `gradient_penalty`](../gan/losses.py#L3)",
        "[`gan/losses.py`](../gan/losses.py)",
        "[up](#no-such-heading)",
        "$$ \\|x\\| \\tag{1} $$",
        "$$",
        "a",
        "+ b",
        "$$",
        "### 1.2 A formula without a test",
        "$$ y = 2 $$",
        "[`gan/losses.py` `gradient_penalty`](../gan/losses.py)",
    ])
    problems = "\n".join(check_doc(fake, DOCS) + check_formula_sections(fake, DOCS, n_sections=1))
    for expected in ("no function or class 'no_such_loss'",
                     "no test 'test_that_was_never_written'",
                     "gan/nowhere.py does not exist",
                     "'Trainer.no_such_method'",
                     "'np_closed_forms' in tests/test_gan_losses.py is not a test function",
                     "names gan/theory.py but the link goes to gan/losses.py",
                     "line 3 of gan/losses.py does not define",
                     "name the function, class or test after the path",
                     "no heading with anchor #no-such-heading",
                     "\\tag", "\\lVert", "starts a Markdown list",
                     "formula '1.2 A formula without a test': no link to a test"):
        assert expected in problems, f"the checker missed: {expected}\n{problems}"


def test_checker_accepts_good_references():
    good = "\n".join([
        "## 1. Section",
        "### 1.1 Formula",
        "$$ V = -\\log 4 $$",
        "[`gan/theory.py` `optimal_value`](../gan/theory.py),",
        "[`gan/train.py` `Trainer.generator_step`](../gan/train.py),",
        "[`tests/test_gan_theory.py` `test_value_at_equilibrium_is_minus_log_4`](../tests/test_gan_theory.py)",
        "[back to 1.1](#11-formula), [the README](../README.md), [a site](https://example.org/x)",
        "### 1.2 Untested formula",
        "$$ y = 2 $$",
        f"[`gan/theory.py` `js_divergence`](../gan/theory.py). {NO_TEST_MARKER}.",
    ])
    assert check_doc(good, DOCS) == []
    assert check_formula_sections(good, DOCS, n_sections=1) == []


def test_contents_and_formula_sheet_checks_can_fail():
    doc = "\n".join([
        "## Contents", "* [1. A](#1-a)", "  * [1.2 Renamed](#12-b)",
        "## Formula sheet", "| result | formula | § |", "| --- | --- | --- |",
        "| one | $x$ | [1.1](#11-a) |", "| two | $y$ | none |",
        "## 1. A", "### 1.1 A", "### 1.2 B",
    ])
    contents = "\n".join(check_contents(doc))
    assert "'1.1 A' is not in the contents" in contents and "call #12-b '1.2 Renamed'" in contents
    assert "'1. A'" not in contents
    sheet = check_formula_sheet(doc)
    assert len(sheet) == 1 and "| two |" in sheet[0]


def test_wording_check_catches_seeds_and_issues():
    text = ("The seeds give no formula.\nAs seed 003 says.\nThe issue's goal.\nissue 16 asked for it.\n"
            "Run with --seed 3 (seed 0 gives 0.25; seeds 0-2).\nnote 003, the source notes (000-004).\n")
    lines = [int(p.split(":")[1]) for p in wording_problems(text, "example.md")]
    assert lines == [1, 2, 3, 4], lines


def test_line_anchor_must_point_at_the_definition():
    _, lines = defined_names(REPO / "gan" / "losses.py")
    line = lines["gradient_penalty"]
    ok = f"[`gan/losses.py` `gradient_penalty`](../gan/losses.py#L{line})"
    wrong = f"[`gan/losses.py` `gradient_penalty`](../gan/losses.py#L{line + 1})"
    assert check_doc(ok, DOCS) == []
    assert any("does not define" in p for p in check_doc(wrong, DOCS))


def test_skipped_tests_are_recognised(tmp_path):
    module = tmp_path / "test_example.py"
    module.write_text("import pytest\n\n"
                      "@pytest.mark.skip(reason='not yet')\ndef test_a():\n    pass\n\n"
                      "@pytest.mark.skip\ndef test_b():\n    pass\n\n"
                      "@pytest.mark.skipif(True, reason='conditional')\ndef test_c():\n    pass\n\n"
                      "def test_d():\n    pass\n\n"
                      "class TestE:\n    @pytest.mark.skip\n    def test_f(self):\n        pass\n")
    assert skipped_tests(module) == {"test_a", "test_b", "TestE.test_f"}


def test_torch_only_tests_are_recognised(tmp_path):
    module = tmp_path / "test_example.py"
    module.write_text("import pytest\n\n"
                      "def test_needs_torch():\n    torch = pytest.importorskip('torch')\n\n"
                      "def test_plain():\n    pass\n")
    assert torch_only_tests(module) == {"test_needs_torch"}
    whole = tmp_path / "test_whole.py"
    whole.write_text("import pytest\ntorch = pytest.importorskip('torch')\n\ndef test_a():\n    pass\n")
    assert torch_only_tests(whole) == {"test_a"}
    doc = ("## 1. S\n### 1.1 F\n$$ x $$\n"
           "[`tests/test_against_torch.py` `test_gradient_penalty_matches_torch`](../tests/test_against_torch.py)\n"
           "### 1.2 G\n$$ y $$\n"
           "[`tests/test_against_torch.py` `test_gradient_penalty_matches_torch`](../tests/test_against_torch.py), "
           "[`tests/test_gan_losses.py` `test_loss_gradcheck`](../tests/test_gan_losses.py)\n")
    problems = check_torch_free_tests(doc, DOCS)
    assert len(problems) == 1 and problems[0].startswith("'1.1 F'")


def test_readme_check_reports_a_broken_link():
    problems = check_doc("See [the guide](docs/NO_SUCH_GUIDE.md) and [theory](docs/THEORY.md).", REPO,
                         require_names=False)
    assert problems == ["[the guide](docs/NO_SUCH_GUIDE.md): docs/NO_SUCH_GUIDE.md does not exist"]


def bash_blocks(text):
    """The lines of every ```bash block of a Markdown text, block by block."""
    return [block.strip().splitlines() for block in re.findall(r"```bash\n(.*?)```", text, re.S)]


def test_readme_setup_is_one_line_each_and_ci_runs_the_same_commands():
    """A fresh clone needs: the venv line, one install line and the main lesson; the tests one line.
    .ci/run (a clean machine) installs and tests with exactly the README's commands."""
    blocks = bash_blocks(README.read_text())
    install, tests = blocks[0], blocks[1]
    commands = [line.split("#")[0].strip() for line in install]
    assert commands == ["python3 -m venv .venv && . .venv/bin/activate", "python -m pip install -e .",
                        "python -m demos curves"]
    assert tests == ['python -m pip install -e ".[test]" && python -m pytest -q']
    ci = (REPO / ".ci" / "run").read_text()
    assert 'python -m pip install --quiet -e ".[test]"' in ci and "\npython -m pytest -q\n" in ci
    assert "mlxtend" not in ci and "mlxtend" not in README.read_text()
