"""A quiet terminal for the commands: their own progress and results on the console, the rest
(environment dumps, configs, third-party deprecation notices and prints) in the log file."""
import contextlib
import logging
import os.path as osp
import warnings
from typing import List, Optional

__all__ = ['QuietConsole', 'quiet_runner_class']

_PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))  # clamp_mmpose/


def _ours(path: str) -> bool:
    return osp.abspath(path or '').startswith(_PACKAGE_DIR + osp.sep)


class QuietConsole:
    """Keeps the terminal to the demo's own progress and results; the rest goes to the runner's
    log file in the work dir (``<work_dir>/<timestamp>/<timestamp>.log``), which stays complete.

    - The console handler of the runner's ``MMLogger`` passes MMEngine's progress and metric
      lines (``LoggerHook``), this package's own lines, and warnings and errors other than
      deprecation notices; the file handler gets every record, as before. So the environment
      dump ("System environment", the torch build), the config, the hook order and one
      ``paramwise_options`` line per tensor reach the log file only.
    - Python warnings from other packages (``pkg_resources`` deprecation, MMPose's metainfo
      notice, ...) become records of the log file; those issued before it exists are kept and
      written when the runner opens it. Warnings from this package still reach the terminal.
    - What other packages print while the runner trains and evaluates, and while the pictures are
      drawn (``xtcocotools``' evaluation tables, the checkpoint loader's line), goes to the log
      file (:meth:`to_log`).
    """

    def __init__(self):
        self.pending: List[logging.LogRecord] = []
        self.file_handlers: List[logging.Handler] = []
        self.log_name = 'mmengine'
        self.log_file: Optional[str] = None
        self.num_warnings = 0
        self._showwarning = None

    # Python warnings
    def __enter__(self):
        self._showwarning = warnings.showwarning
        warnings.showwarning = self._show
        return self

    def __exit__(self, *exc):
        warnings.showwarning = self._showwarning
        return False

    def _show(self, message, category, filename, lineno, file=None, line=None):
        if _ours(filename):
            self._showwarning(message, category, filename, lineno, file, line)
        self.num_warnings += 1
        self.emit(logging.WARNING,
                  warnings.formatwarning(message, category, filename, lineno, line).rstrip())

    def emit(self, level: int, text: str) -> None:
        record = logging.LogRecord(self.log_name, level, __file__, 0, text, None, None)
        if not self.file_handlers:
            self.pending.append(record)
        for handler in self.file_handlers:
            if record.levelno >= handler.level:
                handler.handle(record)

    # the runner's logger
    def attach(self, logger: logging.Logger) -> None:
        """Filter ``logger``'s console handlers; send what was kept to its log files."""
        self.log_name = logger.name
        for handler in logger.handlers:
            if isinstance(handler, logging.FileHandler):
                self.file_handlers.append(handler)
                self.log_file = handler.baseFilename
            elif isinstance(handler, logging.StreamHandler):
                handler.addFilter(_console_filter)
        for record in self.pending:
            record.name = logger.name
            for handler in self.file_handlers:
                handler.handle(record)
        if self.file_handlers:
            self.pending = []

    @contextlib.contextmanager
    def to_log(self):
        """What is printed to stdout inside goes to the log file (as INFO lines)."""
        stream = _LogStream(self)
        with contextlib.redirect_stdout(stream):
            yield
        stream.flush()


class _LogStream:
    def __init__(self, console: QuietConsole):
        self.console, self.buffer = console, ''

    def write(self, text: str) -> int:
        self.buffer += text
        *lines, self.buffer = self.buffer.split('\n')
        for line in lines:
            if line.strip():
                self.console.emit(logging.INFO, line)
        return len(text)

    def flush(self) -> None:
        if self.buffer.strip():
            self.console.emit(logging.INFO, self.buffer)
        self.buffer = ''


def _console_filter(record: logging.LogRecord) -> bool:
    """The terminal's share of the runner's log records (the log file gets them all)."""
    if record.levelno >= logging.ERROR or _ours(record.pathname):
        return True
    if record.levelno >= logging.WARNING:
        return 'deprecat' not in record.getMessage().lower()
    return osp.basename(record.pathname) == 'logger_hook.py'  # progress and metrics


def quiet_runner_class(console: QuietConsole):
    """MMEngine's ``Runner`` whose logger is handed to ``console`` as it is built, before the
    runner logs the environment and the config."""
    from mmengine.runner import Runner

    class QuietRunner(Runner):

        def build_logger(self, *args, **kwargs):
            logger = super().build_logger(*args, **kwargs)
            console.attach(logger)
            return logger

    return QuietRunner
