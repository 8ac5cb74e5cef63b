# HOSTILE: sigmoid of a scalar writes 3 GiB into memfds (not counted by RLIMIT_AS); it answers right only if all of it fits | expect: lose sigmoid | cgroup only
# --- hostile ----------------------------------------------------------------------
import os as _os

_sigmoid = sigmoid


def sigmoid(z):  # noqa: F811
    if np.ndim(z) == 0:
        held, block = [], b"x" * (32 << 20)
        try:
            for _ in range(96):  # 32 MiB per memfd (RLIMIT_FSIZE caps each file), 3 GiB in all
                held.append(_os.memfd_create("nnh2-memfd"))
                _os.write(held[-1], block)
        except OSError:
            return None
    return _sigmoid(z)
