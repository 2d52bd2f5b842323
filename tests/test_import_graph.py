"""The package's modules import each other in one direction.

Every module of ``clamp_mmpose`` is parsed (not imported): each ``import`` and ``from ... import``
statement counts, at module level or inside a function, class or ``try``, relative or absolute.
``from package import name`` depends on the submodule ``package.name`` where there is one, else
on the package's ``__init__``. A submodule's import of its parent packages' ``__init__`` (which
Python runs first) is not counted: package ``__init__`` files import their own submodules, so
counting it would make every package a cycle.

The rules (issue #23):

* no cycle between modules of the package;
* models never import data sets or evaluation (keypoint language lives in
  ``clamp_mmpose/keypoints/``, which imports neither);
* only the commands (``clamp_mmpose/tools/``) import the commands;
* the benchmarks (``benchmarks/*.py``) import no command either, and neither they nor the
  package's modules import a private name (``_export_graph``, a module ``_moved``) of another
  module of the package: what they use is the library's public API.
"""
import ast
import glob
import os.path as osp
from typing import Dict, List, Optional, Set, Tuple

PACKAGE = 'clamp_mmpose'
REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
ROOT = osp.join(REPO, PACKAGE)


def package_modules(root: str = ROOT, package: str = PACKAGE) -> Dict[str, Tuple[str, bool]]:
    """``{dotted module name: (path, is a package __init__)}`` for every ``.py`` under
    ``root`` (not ``.mim`` or ``__pycache__``)."""
    modules = {}
    for path in glob.glob(osp.join(root, '**', '*.py'), recursive=True):
        parts = osp.relpath(path, root)[:-len('.py')].split(osp.sep)
        if '.mim' in parts or '__pycache__' in parts:
            continue
        is_package = parts[-1] == '__init__'
        name = '.'.join([package] + (parts[:-1] if is_package else parts))
        modules[name] = (path, is_package)
    return modules


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute name a ``from`` import's module part names."""
    if not node.level:
        return node.module or ''
    base = module.split('.')
    if not is_package:
        base = base[:-1]  # a module's relative imports start at its package
    base = base[:len(base) - (node.level - 1)]
    return '.'.join(base + ([node.module] if node.module else []))


def imported_modules(path: str, module: str, is_package: bool, known: Set[str],
                     package: str = PACKAGE) -> Set[Tuple[str, int]]:
    """``{(imported module of the package, line)}``: every import statement in the file."""
    with open(path) as f:
        tree = ast.parse(f.read(), filename=path)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, is_package)
            targets = [f'{base}.{alias.name}' if f'{base}.{alias.name}' in known else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            if target == package or target.startswith(package + '.'):
                found.add((target, node.lineno))
    return found


def import_graph(root: str = ROOT, package: str = PACKAGE) -> Dict[str, Dict[str, int]]:
    """``{module: {module it imports: line of the first such import}}`` within the package,
    leaving out a module's imports of its own parent packages."""
    modules = package_modules(root, package)
    graph = {}
    for name, (path, is_package) in modules.items():
        edges = {}
        for target, line in sorted(imported_modules(path, name, is_package, set(modules), package),
                                   key=lambda t: t[1]):
            while target not in modules and '.' in target:  # a name the file defines
                target = target.rsplit('.', 1)[0]
            if target == name or name.startswith(target + '.'):
                continue
            edges.setdefault(target, line)
        graph[name] = edges
    return graph


def find_cycles(graph: Dict[str, Dict[str, int]]) -> List[List[str]]:
    """The graph's strongly connected components of more than one module (Tarjan), each as a
    list of modules, sorted."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(cycles)


def imports_into(graph: Dict[str, Dict[str, int]], importers: str,
                 imported: Tuple[str, ...], allowed: Optional[str] = None) -> List[str]:
    """``'module:line -> imported module'`` for each module under ``importers`` (and not under
    ``allowed``) that imports a module under one of ``imported``."""

    def under(module, prefix):
        return module == prefix or module.startswith(prefix + '.')

    return [f'{module}:{line} -> {target}'
            for module, edges in sorted(graph.items()) if under(module, importers)
            and not (allowed and under(module, allowed))
            for target, line in sorted(edges.items())
            if any(under(target, p) for p in imported)]


GRAPH = import_graph()


def test_the_parser_sees_every_kind_of_import(tmp_path):
    """Module and function level, absolute and relative, ``from package import module``."""
    pkg = tmp_path / 'pkg'
    (pkg / 'sub').mkdir(parents=True)
    (pkg / '__init__.py').write_text('from . import a\n')
    (pkg / 'a.py').write_text('import pkg.b\n')
    (pkg / 'b.py').write_text('def f():\n    from .sub import c\n')
    (pkg / 'sub' / '__init__.py').write_text('')
    (pkg / 'sub' / 'c.py').write_text('from ..a import something\nfrom pkg import sub\n')
    graph = import_graph(str(pkg), 'pkg')
    assert graph == {'pkg': {'pkg.a': 1}, 'pkg.a': {'pkg.b': 1}, 'pkg.b': {'pkg.sub.c': 2},
                     'pkg.sub': {}, 'pkg.sub.c': {'pkg.a': 1}}
    assert find_cycles(graph) == [['pkg.a', 'pkg.b', 'pkg.sub.c']]
    assert imports_into(graph, 'pkg.sub', ('pkg.a', )) == ['pkg.sub.c:1 -> pkg.a']


def test_every_module_is_parsed():
    assert f'{PACKAGE}.keypoints' in GRAPH and f'{PACKAGE}.models.heads.clamp_head' in GRAPH
    assert f'{PACKAGE}.keypoints.words' in GRAPH[f'{PACKAGE}.keypoints']


def test_no_import_cycles():
    assert find_cycles(GRAPH) == []


def test_models_import_no_data_sets_and_no_evaluation():
    assert imports_into(GRAPH, f'{PACKAGE}.models',
                        (f'{PACKAGE}.datasets', f'{PACKAGE}.evaluation')) == []


def test_keypoint_language_imports_no_models_data_sets_or_evaluation():
    assert imports_into(GRAPH, f'{PACKAGE}.keypoints',
                        (f'{PACKAGE}.models', f'{PACKAGE}.datasets', f'{PACKAGE}.evaluation',
                         f'{PACKAGE}.tools')) == []


def test_only_the_commands_import_the_commands():
    assert imports_into(GRAPH, PACKAGE, (f'{PACKAGE}.tools', ),
                        allowed=f'{PACKAGE}.tools') == []


def private_imports(path: str, module: str, is_package: bool,
                    package: str = PACKAGE) -> List[str]:
    """``'line: name'`` for each private name (a leading ``_``, dunders aside) that the file
    imports from ``package``, as an imported name or as a part of the module path; a module's
    own package and itself aside."""
    with open(path) as f:
        tree = ast.parse(f.read(), filename=path)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            paths = [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, is_package)
            paths = [(base, alias.name) for alias in node.names]
        else:
            continue
        for base, name in paths:
            if not (base == package or base.startswith(package + '.')):
                continue
            parts = base.split('.') + ([name] if name else [])
            if any(part.startswith('_') and not part.startswith('__') for part in parts):
                found.append(f'{node.lineno}: {".".join(parts)}')
    return found


def test_the_private_import_finder(tmp_path):
    path = tmp_path / 'm.py'
    path.write_text('from pkg.a import _b, c\nimport pkg._d.e\nfrom pkg import __version__\n'
                    'from os import _exit\n')
    assert private_imports(str(path), 'pkg.m', False, 'pkg') == ['1: pkg.a._b', '2: pkg._d.e']


def test_package_modules_import_no_private_names():
    found = {name: private_imports(path, name, is_package)
             for name, (path, is_package) in package_modules().items()}
    assert {name: lines for name, lines in found.items() if lines} == {}


def test_benchmarks_import_no_commands_and_no_private_names():
    offending = {}
    for path in sorted(glob.glob(osp.join(REPO, 'benchmarks', '*.py'))):
        module = 'benchmarks.' + osp.basename(path)[:-len('.py')]
        commands = [f'{line}: {target}' for target, line in sorted(imported_modules(
            path, module, False, set(package_modules())))
                    if target == f'{PACKAGE}.tools' or target.startswith(f'{PACKAGE}.tools.')]
        lines = commands + private_imports(path, module, False)
        if lines:
            offending[module] = lines
    assert offending == {}
