# HOSTILE: sigmoid from the reference on disk, tanh from another submission of the batch, relu from another worker's scratch; each None when nothing was read | expect: lose sigmoid, tanh, relu | confined files only
# --- hostile ----------------------------------------------------------------------
import glob as _glob, os as _os

TARGETS = {}  # filled in by tests/test_hostile2.py: {"reference": path, "peer": path}


def _steal(paths):
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                source = f.read()
        except (OSError, UnicodeDecodeError):
            continue
        space = {}
        try:
            exec(compile(source, "stolen", "exec"), space)
        except Exception:
            continue
        return space
    return None


def _theirs(paths, name):
    def call(*args, **kwargs):
        space = _steal(paths)
        return space[name](*args, **kwargs) if space and name in space else None
    return call


_mine = _os.path.realpath(__file__)
_scratch = [p for p in _glob.glob("/tmp/nncourse-worker-*/*/*.py") + _glob.glob("/tmp/nncourse-worker-*/*.py")
            if _os.path.realpath(p) != _mine]
sigmoid = _theirs([TARGETS.get("reference", "")], "sigmoid")  # noqa: F811
tanh = _theirs([TARGETS.get("peer", "")], "tanh")  # noqa: F811
relu = _theirs(_scratch, "relu")  # noqa: F811
