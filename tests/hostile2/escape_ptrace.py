# HOSTILE: ptraces PID 1 and its parent, reads PID 1's memory, signals its parent, and checks it holds no privilege on the host; any success breaks softmax | expect: full | no capability kept
# --- hostile ----------------------------------------------------------------------
import ctypes as _ct, os as _os, signal as _signal

_libc = _ct.CDLL(None, use_errno=True)
_libc.syscall.restype = _ct.c_long
_won = []


def _try(name, call):
    try:
        if call() >= 0:
            _won.append(name)
    except OSError:
        pass


for _pid in {1, _os.getppid()} - {0}:
    _try(f"ptrace attach {_pid}", lambda: _libc.ptrace(16, _pid, None, None))          # PTRACE_ATTACH
    _try(f"ptrace seize {_pid}", lambda: _libc.ptrace(0x4206, _pid, None, None))       # PTRACE_SEIZE
    _buf = _ct.create_string_buffer(64)
    _local = (_ct.c_void_p * 2)(_ct.addressof(_buf), 64)
    _remote = (_ct.c_void_p * 2)(0x400000, 64)
    _try(f"process_vm_readv {_pid}", lambda: _libc.syscall(310, _pid, _local, 1, _remote, 1, 0))
    _try(f"pidfd_open {_pid}", lambda: _libc.syscall(434, _pid, 0))
if _os.getppid() > 1:
    _try("signal the parent", lambda: (_os.kill(_os.getppid(), _signal.SIGCONT), 0)[1])
# Root on the host: uid 0 in the initial user namespace, or any effective capability.
with open("/proc/self/uid_map") as _f:
    _map = _f.read().split()
if _os.getuid() == 0 and _map[:3] == ["0", "0", "4294967295"]:
    _won.append("host root")
with open("/proc/self/status") as _f:
    if any(l.startswith("CapEff:") and int(l.split()[1], 16) for l in _f):
        _won.append("capabilities")
if _won:
    softmax = None  # noqa: F811 - the grader sees that something got through
