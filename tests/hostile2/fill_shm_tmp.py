# HOSTILE: writes 16 MiB files into /dev/shm and /tmp until they refuse (errors swallowed); more than 448 MiB written breaks softmax | expect: full | confined files only
# --- hostile ----------------------------------------------------------------------
import os as _os

_written = 0
for _folder in ("/dev/shm", "/tmp"):
    for _i in range(64):
        try:
            with open(_os.path.join(_folder, f"nnh2-fill-{_i}"), "wb") as _f:
                _f.write(b"x" * (16 << 20))
            _written += 16 << 20
        except OSError:
            break
if _written > 448 << 20:
    softmax = None  # noqa: F811
