"""Landlock: file-system (and TCP, and signal) rules for a worker without namespaces (the weak mode).

Why: where bubblewrap cannot run (Docker-based graders, many CI runners), the
worker used to read every file its uid could: the reference, the other
submissions, other workers' scratch. Landlock is unprivileged and needs no
namespace: once restricted, the worker reads only the Python tree and the
packages it needs, its own copy of the submission, and writes only its
scratch. From ABI 4 it also refuses TCP bind/connect, from ABI 6 signals to
processes outside its domain. Applied right before exec; inherited and irrevocable.
"""
from __future__ import annotations

import ctypes
import os
import stat
import struct

CREATE_RULESET, ADD_RULE, RESTRICT_SELF = 444, 445, 446  # the same on every architecture
_VERSION_FLAG, _RULE_PATH_BENEATH = 1, 1

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_MAKE_ALL = sum(1 << b for b in range(4, 13))  # remove dir/file, make char/dir/reg/sock/fifo/block/sym
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
NET_BIND_TCP, NET_CONNECT_TCP = 1, 2
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1, 2

READ = READ_FILE | READ_DIR
WRITE = WRITE_FILE | _MAKE_ALL | TRUNCATE | REFER


_LIBC = None


def _libc():
    global _LIBC
    if _LIBC is None:
        _LIBC = ctypes.CDLL(None, use_errno=True)
        _LIBC.syscall.restype = ctypes.c_long
    return _LIBC


def abi_version() -> int:
    """The kernel's Landlock ABI (0 where it has none or it is switched off)."""
    version = _libc().syscall(CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_VERSION_FLAG))
    return max(0, int(version))


def handled_fs(abi: int) -> int:
    """Every file-system right this ABI knows: all of them are denied unless a rule grants them."""
    rights = EXECUTE | WRITE_FILE | READ_FILE | READ_DIR | _MAKE_ALL
    if abi >= 2:
        rights |= REFER
    if abi >= 3:
        rights |= TRUNCATE
    if abi >= 5:
        rights |= IOCTL_DEV
    return rights


_FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV


def prepare(rules: list[tuple[str, int]], abi: int) -> list[tuple[str, int]]:
    """The rules as restrict() adds them: paths that exist, a file's rule with file rights only.

    Why: the warmed template does this once for the rules every child shares (229 paths of
    the Python tree); a child then only opens each path and adds its rule (~1 ms less each).
    """
    fs, out = handled_fs(abi), []
    for path, rights in rules:
        try:
            st = os.stat(path)  # follows a link as restrict's open() does
        except OSError:
            continue
        out.append((path, (rights if stat.S_ISDIR(st.st_mode) else rights & _FILE_RIGHTS) & fs))
    return out


def open_prepared(prepared: list[tuple[str, int]]) -> list[tuple[int, int]] | None:
    """The prepared rules' paths opened (O_PATH): a forked child adds each rule without a path walk.
    None when they cannot all be opened (too many files open): use the paths then."""
    opened: list[tuple[int, int]] = []
    try:
        for path, rights in prepared:
            opened.append((os.open(path, os.O_PATH | os.O_CLOEXEC), rights))
    except OSError:
        for fd, _rights in opened:
            os.close(fd)
        return None
    return opened


def restrict(rules: list[tuple[str, int]], abi: int | None = None, prepared: list[tuple[str, int]] = (),
             opened: list[tuple[int, int]] = ()) -> int:
    """Allow only `opened` and `prepared` (see open_prepared, prepare) and `rules` ((path, rights) pairs)
    from now on; returns the ABI used (0: nothing done).

    Paths that do not exist are skipped. Sets no_new_privs (Landlock requires it).
    Meant for the child between fork and exec: raises OSError if the kernel refuses
    (a prepared rule whose path changed kind is refused too: fail closed).
    """
    abi = abi_version() if abi is None else abi
    if abi < 1:
        return 0
    libc = _libc()
    fs = handled_fs(abi)
    net = NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0
    scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0
    attr = struct.pack("QQQ", fs, net, scoped)
    size = 8 if abi < 4 else (16 if abi < 6 else 24)
    buf = ctypes.create_string_buffer(attr, len(attr))
    ruleset = libc.syscall(CREATE_RULESET, buf, ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    beneath = ctypes.create_string_buffer(12)
    c_ruleset, c_kind, c_flags = ctypes.c_int(ruleset), ctypes.c_int(_RULE_PATH_BENEATH), ctypes.c_uint32(0)
    try:
        for fd, rights in opened:
            struct.pack_into("=Qi", beneath, 0, rights & fs, fd)
            if libc.syscall(ADD_RULE, c_ruleset, c_kind, beneath, c_flags) < 0:
                raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for fd {fd}")
        for path, rights in [*prepared, *prepare(rules, abi)]:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                struct.pack_into("=Qi", beneath, 0, rights & fs, fd)
                if libc.syscall(ADD_RULE, c_ruleset, c_kind, beneath, c_flags) < 0:
                    raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
            finally:
                os.close(fd)
        if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
            raise OSError(ctypes.get_errno(), "no_new_privs failed")
        if libc.syscall(RESTRICT_SELF, c_ruleset, ctypes.c_uint32(0)) < 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)
    return abi
