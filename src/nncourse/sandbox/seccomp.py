"""The seccomp filter of every process in the sandbox: no new processes, no way out of the namespaces.

Why: a sandbox process that can ptrace another, create namespaces or start
processes can escape its limits (issue: bwrap's own init used to run
unfiltered and was ptraced into running code). The filter is compiled here, on
the trusted side, as a classic BPF program and given to bubblewrap with
`--seccomp FD` (bubblewrap installs it on its init, PID 1, and on the worker),
or installed right before exec in the weak mode. Threads stay allowed: NumPy
needs them. Filters are irrevocable and inherited across fork and execve.
"""
from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct

# clone flags that create a namespace (CLONE_NEWTIME, NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET)
NAMESPACE_FLAGS = 0x80 | 0x20000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000
CLONE_THREAD = 0x00010000

# Syscalls refused outright (EPERM), by name; numbers per machine below. The new-style
# ones (>= 424) share their numbers on every architecture.
DENIED = ("ptrace", "process_vm_readv", "process_vm_writev", "unshare", "setns", "keyctl", "add_key",
          "request_key", "bpf", "perf_event_open", "userfaultfd", "mount", "umount2", "pivot_root", "chroot",
          "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr", "kcmp",
          "open_by_handle_at", "name_to_handle_at", "pidfd_open", "pidfd_getfd", "pidfd_send_signal",
          "io_uring_setup", "io_uring_enter", "io_uring_register", "personality", "acct", "quotactl",
          "init_module", "finit_module", "syslog", "vhangup", "move_pages", "migrate_pages")
_UNIFIED = {"pidfd_send_signal": 424, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
            "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
            "pidfd_open": 434, "clone3": 435, "pidfd_getfd": 438, "mount_setattr": 442}
_X86_64 = {"clone": 56, "fork": 57, "vfork": 58, "kill": 62, "ptrace": 101, "syslog": 103, "personality": 135,
           "vhangup": 153, "pivot_root": 155, "chroot": 161, "acct": 163, "mount": 165, "umount2": 166,
           "init_module": 175, "quotactl": 179, "tkill": 200, "tgkill": 234, "add_key": 248, "request_key": 249,
           "keyctl": 250, "migrate_pages": 256, "unshare": 272, "move_pages": 279, "perf_event_open": 298,
           "name_to_handle_at": 303, "open_by_handle_at": 304, "setns": 308, "process_vm_readv": 310,
           "process_vm_writev": 311, "kcmp": 312, "finit_module": 313, "bpf": 321, "userfaultfd": 323,
           "rt_sigqueueinfo": 129, "rt_tgsigqueueinfo": 297}
_AARCH64 = {"clone": 220, "kill": 129, "ptrace": 117, "syslog": 116, "personality": 92, "vhangup": 58,
            "pivot_root": 41, "chroot": 51, "acct": 89, "mount": 40, "umount2": 39, "init_module": 105,
            "quotactl": 60, "tkill": 130, "tgkill": 131, "add_key": 217, "request_key": 218, "keyctl": 219,
            "migrate_pages": 238, "unshare": 97, "move_pages": 239, "perf_event_open": 241,
            "name_to_handle_at": 264, "open_by_handle_at": 265, "setns": 268, "process_vm_readv": 270,
            "process_vm_writev": 271, "kcmp": 272, "finit_module": 273, "bpf": 280, "userfaultfd": 282,
            "rt_sigqueueinfo": 138, "rt_tgsigqueueinfo": 240}
# machine -> (AUDIT_ARCH value, syscall numbers)
ARCHES = {"x86_64": (0xC000003E, {**_X86_64, **_UNIFIED}), "aarch64": (0xC00000B7, {**_AARCH64, **_UNIFIED})}

_ALLOW, _ERRNO = 0x7FFF0000, 0x00050000
_LD_W_ABS, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_NR, _ARCH, _ARG0 = 0, 4, 16  # offsets in struct seccomp_data (args[0] low 32 bits on little endian)


def _op(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def _ret(action: int) -> bytes:
    return _op(_RET, action)


def _deny(err: int = errno.EPERM) -> bytes:
    return _ret(_ERRNO | err)


def _rule(nr: int, body: list[bytes]) -> list[bytes]:
    """`if syscall == nr: body` (body always returns); the number is reloaded first."""
    return [_op(_LD_W_ABS, _NR), _op(_JEQ, nr, 0, len(body)), *body]


def supported() -> bool:
    return platform.machine() in ARCHES


def build(self_pid: int | None = None, machine: str | None = None, allow_fork: bool = False) -> bytes:
    """The filter as raw `struct sock_filter` bytes (what bwrap's --seccomp reads).

    self_pid: where no PID namespace hides other processes (the weak mode), or
    where the sandbox holds others (a template's children), kill/tgkill and
    rt_(tg)sigqueueinfo may only target this pid (or the own process group, 0)
    and tkill is refused. allow_fork: the warmed template's sandbox only (its
    server forks one child per submission; every child stacks the strict filter).
    """
    arch, nrs = ARCHES[machine or platform.machine()]
    prog = [_op(_LD_W_ABS, _ARCH), _op(_JEQ, arch, 1, 0), _deny()]  # another ABI (i386, x32): nothing
    if arch == ARCHES["x86_64"][0]:
        prog += [_op(_LD_W_ABS, _NR), _op(_JGE, 0x40000000, 0, 1), _deny()]
    prog += _rule(nrs["clone3"], [_deny(errno.ENOSYS)])  # glibc falls back to clone, whose flags we can see
    for name in ("fork", "vfork"):
        if name in nrs and not allow_fork:
            prog += _rule(nrs[name], [_deny()])
    for name in DENIED:
        prog += _rule(nrs[name], [_deny()])
    if self_pid is not None:
        only_self = [_op(_LD_W_ABS, _ARG0), _op(_JEQ, self_pid, 2, 0), _op(_JEQ, 0, 1, 0), _deny(), _ret(_ALLOW)]
        for name in ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"):
            prog += _rule(nrs[name], only_self)
        prog += _rule(nrs["tkill"], [_deny()])
    # clone: a thread (CLONE_THREAD) without namespace flags, nothing else (a process too with allow_fork)
    prog += _rule(nrs["clone"], [_op(_LD_W_ABS, _ARG0), _op(_JSET, NAMESPACE_FLAGS, 0, 1), _deny(),
                                 _op(_JSET, CLONE_THREAD, 0, 1), _ret(_ALLOW),
                                 _ret(_ALLOW) if allow_fork else _deny()])
    prog.append(_ret(_ALLOW))
    return b"".join(prog)


def install(program: bytes) -> bool:
    """Install `program` on the calling thread (no_new_privs first; the filter cannot be removed).

    Used right before exec where no bubblewrap is in between (the weak mode).
    """
    code = ctypes.create_string_buffer(program, len(program))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
    fprog = SockFprog(len(program) // 8, ctypes.addressof(code))
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_no_new_privs, pr_set_seccomp, seccomp_mode_filter = 38, 22, 2
    return (libc.prctl(pr_set_no_new_privs, 1, 0, 0, 0) == 0
            and libc.prctl(pr_set_seccomp, seccomp_mode_filter, ctypes.byref(fprog), 0, 0) == 0)


def program_fd(program: bytes) -> int:
    """A readable fd holding `program`, positioned at its start (for `bwrap --seccomp FD`)."""
    fd = os.memfd_create("nncourse-seccomp", 0)
    os.write(fd, program)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def filtered(pid: int | str = "self") -> bool:
    """Does process `pid` run under a seccomp filter (mode 2 in /proc/PID/status)?"""
    try:
        with open(f"/proc/{pid}/status") as status:
            return any(line.split() == ["Seccomp:", "2"] for line in status)
    except OSError:
        return False
