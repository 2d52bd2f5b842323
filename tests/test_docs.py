"""The README and the pages under docs/: every relative Markdown link reaches a file, every
``#anchor`` a heading of its file (GitHub's slugs), and the README stays a short front door."""
import glob
import os.path as osp
import re

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
README_MAX_LINES = 250

# [text](target) and ![alt](target); the target ends at whitespace or ')'. Inline code is removed
# first, so `[x](y)` written as code is not a link.
LINK = re.compile(r'!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)')
FENCE = re.compile(r'^\s*(```|~~~)')
HEADING = re.compile(r'^(#{1,6})\s+(.*?)\s*#*\s*$')
EXTERNAL = ('http://', 'https://', 'mailto:', 'ftp://')


def markdown_files(root=REPO):
    files = [osp.join(root, 'README.md')]
    files += sorted(glob.glob(osp.join(root, 'docs', '**', '*.md'), recursive=True))
    return [f for f in files if osp.isfile(f)]


def _prose_lines(text):
    """(line number, line) outside fenced code blocks, with inline code removed."""
    fenced = False
    for number, line in enumerate(text.split('\n'), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield number, re.sub(r'`+[^`]*`+', '', line)


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: markup and punctuation dropped (but '-' and '_'),
    lowercase, spaces to '-'."""
    text = re.sub(r'!?\[([^\]]*)\]\([^)]*\)', r'\1', heading)  # links: their text
    text = text.replace('`', '').strip().lower()
    text = re.sub(r'[^\w\- ]', '', text)
    return text.replace(' ', '-')


def anchors(path):
    """Every heading's anchor in a Markdown file, with GitHub's -1, -2 for repeats."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    seen, found = {}, set()
    fenced = False
    for line in text.split('\n'):
        if FENCE.match(line):
            fenced = not fenced
            continue
        m = None if fenced else HEADING.match(line)
        if m:
            base = slug(m.group(2))
            n = seen.get(base, 0)
            seen[base] = n + 1
            found.add(base if n == 0 else f'{base}-{n}')
    return found


def broken_links(path):
    """'file:line: target (why)' for each relative link of ``path`` that does not resolve."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    problems = []
    for number, line in _prose_lines(text):
        for target in LINK.findall(line):
            if target.startswith(EXTERNAL):
                continue
            file_part, _, anchor = target.partition('#')
            where = f'{osp.relpath(path, REPO)}:{number}: {target}'
            dest = osp.normpath(osp.join(osp.dirname(path), file_part)) if file_part else path
            if not osp.exists(dest):
                problems.append(f'{where} (no such file)')
                continue
            if anchor and (not dest.endswith('.md') or anchor not in anchors(dest)):
                problems.append(f'{where} (no heading with this anchor)')
    return problems


def test_slugs_follow_github():
    assert slug('Complexity (Table S1)') == 'complexity-table-s1'
    assert slug("The authors' models: convert, test, export") == \
        'the-authors-models-convert-test-export'
    assert slug('Deployment: ONNX, without PyTorch') == 'deployment-onnx-without-pytorch'
    assert slug('The demo (`make demo`)') == 'the-demo-make-demo'
    assert slug('Multi-GPU and multi-node training') == 'multi-gpu-and-multi-node-training'


def test_there_are_docs_to_check():
    names = {osp.relpath(f, REPO) for f in markdown_files()}
    assert 'README.md' in names and len(names) > 5


@pytest.mark.parametrize('path', markdown_files(), ids=lambda p: osp.relpath(p, REPO))
def test_every_relative_link_and_anchor_resolves(path):
    assert broken_links(path) == []


def test_readme_is_a_short_front_door():
    with open(osp.join(REPO, 'README.md'), encoding='utf-8') as f:
        lines = f.read().rstrip('\n').split('\n')
    assert len(lines) <= README_MAX_LINES


def test_the_check_catches_broken_links_and_anchors(tmp_path):
    (tmp_path / 'docs').mkdir()
    (tmp_path / 'docs' / 'page.md').write_text('# Page\n\n## A section (here)\n\ntext\n')
    (tmp_path / 'README.md').write_text(
        '# Title\n\n## Quick start\n\n'
        '[ok](docs/page.md) [ok](docs/page.md#a-section-here) [ok](#quick-start)\n'
        '[gone](docs/missing.md) [bad anchor](docs/page.md#nowhere) [bad](#no-such)\n'
        '`[code](not/a/link.md)` [web](https://example.org/x.md)\n'
        '```\n[fenced](not/a/link.md)\n# not a heading\n```\n')
    problems = broken_links(str(tmp_path / 'README.md'))
    assert len(problems) == 3, problems
    assert any('docs/missing.md (no such file)' in p for p in problems)
    assert any('docs/page.md#nowhere (no heading' in p for p in problems)
    assert any('#no-such (no heading' in p for p in problems)
    assert broken_links(str(tmp_path / 'docs' / 'page.md')) == []
