# HOSTILE: forks in a loop and starts 3000 sleeping threads at import (errors swallowed); more than 200 threads breaks softmax | expect: full
# --- hostile ----------------------------------------------------------------------
import os as _os, threading as _threading, time as _time

for _ in range(50):
    try:
        if _os.fork() == 0:
            _time.sleep(300)
            _os._exit(0)
    except OSError:
        break
_started = 0
for _ in range(3000):
    try:
        _threading.Thread(target=_time.sleep, args=(300,), daemon=True).start()
        _started += 1
    except RuntimeError:
        break
if _started > 200:
    softmax = None  # noqa: F811
