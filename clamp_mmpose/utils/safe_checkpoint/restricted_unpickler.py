"""The restricted unpickler (torch < 2.10): resolves only allowed names, calls only allowed
callables, sets state only on allowed types, fills only real containers, checks storage sizes."""
import pickle
import types
from collections import Counter, OrderedDict
from typing import Dict, Optional

import torch

from .allowlist import allowed_globals, allowed_ids_and_build_types
from .errors import Refused
from .scan import py3_name


def _stack_below_mark(unpickler):
    if not unpickler.metastack or not unpickler.metastack[-1]:
        raise Refused('a malformed pickle', 'an opcode without its target')
    return unpickler.metastack[-1][-1]


def _require_container(target, kinds, opcode):
    if type(target) not in kinds:
        raise Refused(f'{opcode} on a {type(target).__name__}',
                      f'{opcode} may only fill a {" or ".join(k.__name__ for k in kinds)}, '
                      f'not a {type(target).__name__}')


class _Dispatch(dict):
    # The Python unpickler lets a KeyError out for an unknown opcode; say what it is.
    def __missing__(self, key):
        raise pickle.UnpicklingError(f'invalid load key, {bytes([key])!r}')


_DICTS, _LISTS, _SETS = (dict, OrderedDict, Counter), (list, ), (set, )


class _RestrictedUnpickler(pickle._Unpickler):
    """Python's own unpickler, allowed to reach only :func:`allowed_globals`.

    ``find_class`` returns the allowlisted object itself (nothing is imported); REDUCE, NEWOBJ
    and OBJ call only allowlisted callables, BUILD sets state only on instances of allowlisted
    types, SETITEM(S) / APPEND(S) / ADDITEMS fill only real dicts, lists and sets, and every
    tensor storage must fit in its archive record (torch's reader trusted the pickle's size).
    The pure-Python unpickler is used because its opcodes can be checked one by one; a
    checkpoint's pickle is small (the tensors' bytes are separate records).
    """
    record_sizes: Optional[Dict[str, int]] = None
    dispatch = _Dispatch(pickle._Unpickler.dispatch)

    def find_class(self, module, name):
        full = py3_name(module, name)
        try:
            return allowed_globals()[full]
        except KeyError:
            raise Refused(full) from None

    def _require_allowed(self, obj, opcode):
        if id(obj) not in allowed_ids_and_build_types()[0]:
            raise Refused(f'{opcode} of {obj!r:.80}')

    def _load_reduce(self):
        self._require_allowed(self.stack[-2], 'REDUCE')
        pickle._Unpickler.load_reduce(self)

    def _load_newobj(self):
        self._require_allowed(self.stack[-2], 'NEWOBJ')
        pickle._Unpickler.load_newobj(self)

    def _load_newobj_ex(self):
        self._require_allowed(self.stack[-3], 'NEWOBJ_EX')
        pickle._Unpickler.load_newobj_ex(self)

    def _load_obj(self):
        if not self.stack:
            raise Refused('a malformed pickle', 'OBJ without a class')
        self._require_allowed(self.stack[0], 'OBJ')
        pickle._Unpickler.load_obj(self)

    def _load_build(self):
        inst = self.stack[-2]
        if type(inst) is torch.Tensor:
            # As torch's weights_only unpickler: a plain tensor's state only re-points its
            # storage (legacy files); Tensor.__setstate__ would also set its backward hooks.
            state = self.stack.pop()
            inst.set_(*state)
            return
        if type(inst) not in allowed_ids_and_build_types()[1]:
            raise Refused(f'BUILD of a {type(inst).__name__}',
                          f'setting the state of a {type(inst).__name__} is not allowed')
        pickle._Unpickler.load_build(self)

    def _load_setitem(self):
        _require_container(self.stack[-3], _DICTS, 'SETITEM')
        pickle._Unpickler.load_setitem(self)

    def _load_setitems(self):
        _require_container(_stack_below_mark(self), _DICTS, 'SETITEMS')
        pickle._Unpickler.load_setitems(self)

    def _load_append(self):
        _require_container(self.stack[-2], _LISTS, 'APPEND')
        pickle._Unpickler.load_append(self)

    def _load_appends(self):
        _require_container(_stack_below_mark(self), _LISTS, 'APPENDS')
        pickle._Unpickler.load_appends(self)

    def _load_additems(self):
        _require_container(_stack_below_mark(self), _SETS, 'ADDITEMS')
        pickle._Unpickler.load_additems(self)

    for _opcode, _handler in ((pickle.REDUCE, _load_reduce), (pickle.NEWOBJ, _load_newobj),
                              (pickle.NEWOBJ_EX, _load_newobj_ex), (pickle.OBJ, _load_obj),
                              (pickle.BUILD, _load_build), (pickle.SETITEM, _load_setitem),
                              (pickle.SETITEMS, _load_setitems), (pickle.APPEND, _load_append),
                              (pickle.APPENDS, _load_appends), (pickle.ADDITEMS, _load_additems)):
        dispatch[_opcode[0]] = _handler
    del _opcode, _handler

    # torch sets ``unpickler.persistent_load`` to its storage reader; this wraps it.
    @property
    def persistent_load(self):
        return self._checked_persistent_load

    @persistent_load.setter
    def persistent_load(self, function):
        self._torch_persistent_load = function

    def _checked_persistent_load(self, pid):
        if self.record_sizes is not None and isinstance(pid, tuple) and len(pid) == 5:
            storage_type, key, numel = pid[1], pid[2], pid[4]
            dtype = torch.uint8 if storage_type is torch.UntypedStorage else \
                getattr(storage_type, 'dtype', None)
            have = self.record_sizes.get(f'data/{key}')
            if isinstance(dtype, torch.dtype) and isinstance(numel, int) and have is not None:
                need = numel * torch._utils._element_size(dtype)
                if numel < 0 or need > have:
                    raise Refused(f'a tensor larger than its data (storage {key})',
                                  f'storage {key} claims {need} bytes, the archive holds {have}')
        return self._torch_persistent_load(pid)


def restricted_pickle_module(record_sizes: Optional[Dict[str, int]]) -> types.ModuleType:
    """The ``pickle_module`` for ``torch.load``: torch subclasses its ``Unpickler`` (torch < 1.6
    files also go through its ``load``)."""
    unpickler = type('Unpickler', (_RestrictedUnpickler, ), {'record_sizes': record_sizes})
    module = types.ModuleType('clamp_mmpose_restricted_pickle')
    module.Unpickler = unpickler
    module.load = lambda file, **kwargs: unpickler(file, **kwargs).load()
    module.UnpicklingError = pickle.UnpicklingError
    return module
