"""What a file holds, read without unpickling it (to name what is refused, and to check sizes)."""
import _compat_pickle
import io
import pickletools
import zipfile
from typing import List

_STRING_OPS = {'SHORT_BINUNICODE', 'BINUNICODE', 'BINUNICODE8', 'UNICODE', 'STRING',
               'BINSTRING', 'SHORT_BINSTRING'}
_MEMO_OPS = {'MEMOIZE', 'PUT', 'BINPUT', 'LONG_BINPUT', 'FRAME', 'PROTO'}


def py3_name(module: str, name: str) -> str:
    # Protocol-2 pickles (torch.save's default) name builtins the Python 2 way ('__builtin__').
    if (module, name) in _compat_pickle.NAME_MAPPING:
        module, name = _compat_pickle.NAME_MAPPING[(module, name)]
    elif module in _compat_pickle.IMPORT_MAPPING:
        module = _compat_pickle.IMPORT_MAPPING[module]
    return f'{module}.{name}'


def globals_in_pickles(data: bytes) -> List[str]:
    """The globals (GLOBAL, INST and STACK_GLOBAL opcodes) of the pickles in ``data``, in order.

    A static read, used to name everything that a refused file refers to at once; what refuses
    is the unpickler, which sees every global it is asked for.
    """
    found, stream = [], io.BytesIO(data)
    for _ in range(8):  # a torch < 1.6 file is several pickles in a row, then raw bytes
        memo, pushed = {}, []
        try:
            for op, arg, _ in pickletools.genops(stream):
                if op.name in ('GLOBAL', 'INST'):
                    found.append(py3_name(*arg.split(' ', 1)))
                elif op.name == 'STACK_GLOBAL':
                    module, name = ([None, None] + pushed)[-2:]
                    if isinstance(module, str) and isinstance(name, str):
                        found.append(py3_name(module, name))  # else: the unpickler will see
                if op.name in _STRING_OPS:
                    pushed.append(arg)
                elif op.name in ('GET', 'BINGET', 'LONG_BINGET'):
                    pushed.append(memo.get(arg))
                elif op.name == 'MEMOIZE':
                    memo[len(memo)] = pushed[-1] if pushed else None
                elif op.name in ('PUT', 'BINPUT', 'LONG_BINPUT'):
                    memo[arg] = pushed[-1] if pushed else None
                elif op.name not in _MEMO_OPS:
                    pushed.append(None)
        except Exception:  # noqa: BLE001 - raw tensor bytes after the pickles, or a bad file
            break
        if stream.tell() >= len(data):
            break
    return found


def inspect_pickles(filename: str):
    """(record sizes of a torch zip archive or None, the globals of its pickle, whether it is a
    TorchScript archive). Record names lose their archive folder, as torch's reader sees them."""
    try:
        with zipfile.ZipFile(filename) as archive:
            infos = archive.infolist()
            records = {info.filename.split('/', 1)[-1]: info.file_size for info in infos}
            pickles = [info for info in infos if info.filename.split('/', 1)[-1] == 'data.pkl']
            data = archive.read(pickles[0]) if pickles else b''
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        with open(filename, 'rb') as f:  # torch < 1.6's format, or not a checkpoint at all
            head = f.read(1 << 20)
        if head[:4] == b'PK\x03\x04':
            # torch.load takes any file with the zip magic as an archive and reads it with its
            # own reader: one that cannot be scanned never reaches it.
            raise ValueError(
                f'{filename} starts as a zip archive (torch\'s checkpoint format) but cannot be '
                f'read as one: it is truncated or damaged. Download or copy it again.')
        return None, globals_in_pickles(head), False
    torchscript = any(name.endswith('constants.pkl') for name in records)
    return records, globals_in_pickles(data), torchscript
