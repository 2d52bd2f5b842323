import importlib
import os.path as osp
import subprocess
import sys

import pytest

from clamp_mmpose.tools.cli import SUBCOMMANDS, main


def test_help_lists_every_subcommand(capsys):
    assert main(['--help']) == 0
    text = capsys.readouterr().out
    for name, (_, summary) in SUBCOMMANDS.items():
        assert f'  {name}' in text and summary in text
    assert main([]) == 2


def test_every_subcommand_has_a_main_and_help():
    for module, _ in SUBCOMMANDS.values():
        assert callable(importlib.import_module(module).main)
    script = osp.join(osp.dirname(sys.executable), 'clamp-mmpose')
    out = subprocess.run([script, 'export', '--help'], capture_output=True, text=True)
    assert out.returncode == 0 and 'prompt embeddings' in out.stdout


@pytest.mark.parametrize('name', list(SUBCOMMANDS))
def test_subcommand_help_names_the_command_users_type(name, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([name, '--help'])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith(f'usage: clamp-mmpose {name} ')
    assert '(default: None)' not in text and '(default: False)' not in text
