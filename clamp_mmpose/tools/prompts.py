"""What CLAMP's text encoder reads for each keypoint of a config or a data set's metainfo.

``clamp-mmpose prompts CONFIG_OR_METAINFO`` prints, per keypoint, its data set name, the words
the text encoder sees and their token count, against the room the prompt has; for a config that
merges data sets by keypoint words, the merge too. Exits 1 (naming the keypoints) where words do
not fit.
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional, Sequence

from mmengine.config import Config

from ..keypoints import (CLIP_CONTEXT_LENGTH, check_words_fit, resolve_keypoint_words, union_of,
                         words_room)


def read_keypoint_spec(path: str):
    """``(keypoint spec, num_context_tokens, context_length)`` of a CLAMP config, or of a
    metainfo file (``configs/_base_/datasets/*.py``) read with the head's defaults."""
    if not path.endswith('.py'):
        raise ValueError(f'{path}: expected a config or metainfo .py file')
    if not osp.isfile(path):  # MMPose's own metainfo files, as its datasets find them
        import mmpose
        in_mmpose = osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs', '_base_',
                             'datasets', osp.basename(path))
        if not osp.isfile(in_mmpose):
            raise FileNotFoundError(f'{path}: no such config, nor a metainfo file of that name '
                                    f'in MMPose ({osp.dirname(in_mmpose)})')
        path = in_mmpose
    cfg = Config.fromfile(path)
    if 'dataset_info' in cfg:
        return dict(from_file=path), 8, None
    head = cfg.get('model', {}).get('head', {})
    if head.get('type') != 'CLAMPHead' or head.get('keypoint_names') is None:
        raise ValueError(f'{path} is neither a CLAMP config (model.head of type CLAMPHead with '
                         f'keypoint_names) nor an MMPose metainfo file (dataset_info = ...)')
    return (head['keypoint_names'], head.get('num_context_tokens', 8),
            head.get('context_length'))


def prompt_table(names: Sequence[str], words: Sequence[str], counts: Sequence[int],
                 room: int) -> str:
    """One markdown row per keypoint: index, data set name, words, tokens."""
    rows = [f'| k | name | words | tokens (room {room}) |', '|---|---|---|---|']
    for k, (name, w, count) in enumerate(zip(names, words, counts)):
        flag = '' if count <= room else ' **too long**'
        rows.append(f'| {k} | {name} | {w} | {count}{flag} |')
    return '\n'.join(rows)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog='clamp-mmpose prompts', description=__doc__.split('\n\n')[0])
    parser.add_argument('path', help='a CLAMP config, or an MMPose metainfo file '
                        '(configs/_base_/datasets/<name>.py, found in MMPose if not here)')
    args = parser.parse_args(argv)
    import clamp_mmpose  # noqa: F401  (registers the components)
    from open_clip.tokenizer import SimpleTokenizer
    try:
        spec, num_context, context_length = read_keypoint_spec(args.path)
        if isinstance(spec, dict) and 'union' in spec:
            union, _ = union_of(spec)
            words = list(union.words)
            names = [' / '.join(union.source_names(u)) for u in range(len(words))]
            print(f'Keypoints of {", ".join(union.dataset_names)} merged by their words:\n')
        else:
            names, words = resolve_keypoint_words(spec)
    except (FileNotFoundError, ValueError) as error:
        print(f'clamp-mmpose prompts: {error}', file=sys.stderr)
        return 2
    tokenizer = SimpleTokenizer()
    counts = [len(tokenizer.encode(w)) for w in words]
    length = context_length or CLIP_CONTEXT_LENGTH
    room = words_room(length, num_context)
    print(prompt_table(names, words, counts, room))
    print(f'\n{len(words)} keypoints; a prompt is SOT + {num_context} context tokens + words + '
          f'EOT, at most {length} tokens.')
    try:
        check_words_fit(names, words, counts, length, num_context)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
