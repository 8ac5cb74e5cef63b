"""Build the intake corpus in a folder: hostile submissions that are data (links, special files, zips, names)
and modules that forge the reply channel or print terminal escapes, for exercise2 (activations.py).

Why generated, not committed: links, FIFOs, device nodes, root-owned files,
non-UTF-8 names and 1 MB zips cannot live in git (or should not).
Each case is (name, path, expectation); `expect` is "full", "zero" or
"error: <words in the message>".
"""
from __future__ import annotations

import os
import re
import socket
import stat
import struct
import zipfile
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EX, MODULE = "exercise2", "activations.py"
REFERENCE = REPO / "solutions" / EX / MODULE
SECRET = "NNINTAKE-SECRET-0600"


def api_names() -> list[str]:
    return re.findall(r"^def ([a-z][a-z_]*)\(", REFERENCE.read_text(), flags=re.MULTILINE)


# -- zips built by hand: any field can lie --------------------------------------------------------------------
def zip_entry(name: str, data: bytes, *, method: int = 8, flags: int = 0, crc: int | None = None,
              size: int | None = None, mode: int | None = 0o100644, compressed: bytes | None = None) -> dict:
    if compressed is None:
        if method == 8:
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            compressed = c.compress(data) + c.flush()
        else:
            compressed = data
    return {"name": name.encode(), "data": compressed, "method": method, "flags": flags,
            "crc": zlib.crc32(data) if crc is None else crc, "size": len(data) if size is None else size,
            "attr": (mode << 16) if mode else 0}


def zip_bytes(entries: list[dict]) -> bytes:
    local, central = b"", b""
    for e in entries:
        offset = len(local)
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, e["flags"], e["method"], 0, 0, e["crc"],
                             len(e["data"]), e["size"], len(e["name"]), 0) + e["name"] + e["data"]
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x0314, 20, e["flags"], e["method"], 0, 0,
                               e["crc"], len(e["data"]), e["size"], len(e["name"]), 0, 0, 0, 0, e["attr"],
                               offset) + e["name"]
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(local), 0)
    return local + central + end


def deflated_zeros(gib: int = 1) -> tuple[bytes, int, int]:
    """(raw deflate stream, crc32, size) of `gib` GiB of zeros, in about 1 MB and a second."""
    mib = b"\0" * (1 << 20)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)  # after a full flush, every MiB encodes alike
    blocks = 1024 * gib
    stream = first + again * (blocks - 2) + c.compress(mib) + c.flush()
    crc = 0
    for _ in range(blocks):
        crc = zlib.crc32(mib, crc)
    return stream, crc, blocks << 20


def zip_bomb(path: Path, *, honest: bool) -> Path:
    """A ~1 MB zip whose activations.py inflates to 1 GiB; the dishonest one claims 1000 bytes."""
    stream, crc, size = deflated_zeros()
    path.write_bytes(zip_bytes([zip_entry(MODULE, b"", compressed=stream, crc=crc,
                                          size=size if honest else 1000)]))
    return path


# -- modules that forge the reply channel --------------------------------------------------------------------
FORGER = '''"""Intake corpus: {what}."""
import json, os, struct, sys, threading

_REPLY = int(sys.argv[2])


def _request_id():
    frame = sys._getframe()
    while frame is not None:
        if "request_id" in frame.f_locals:
            return frame.f_locals["request_id"]
        frame = frame.f_back
    return 1


def _frame(header, buffers=()):
    body = struct.pack("<Q", len(header)) + header + struct.pack("<Q", len(buffers))
    for b in buffers:
        body += struct.pack("<Q", len(b)) + b
    return struct.pack("<Q", len(body)) + body


def _reply(rid):
    return _frame(json.dumps({{"__dict__": [["value", "NNFORGED"], ["warnings", []], ["id", rid]]}}).encode())


def _forge(*args, **kwargs):
{body}

'''
FORGERS = {
    "forge_wrong_id": ("a reply with another request's id, then a normal return",
                       "    os.write(_REPLY, _reply(_request_id() + 1000))\n    return 0.5"),
    "forge_reply_ahead": ("a thread writes the next request's reply ahead of time, then a normal return",
                          "    rid = _request_id()\n"
                          "    threading.Thread(target=os.write, args=(_REPLY, _reply(rid + 1))).start()\n"
                          "    return None"),
    "forge_huge_header": ("a reply whose JSON header claims and holds 32 MiB",
                          "    head = b'\"' + b'A' * (32 * 2**20 - 2) + b'\"'\n"
                          "    os.write(_REPLY, _frame(head))\n    return 0.5"),
    "forge_deep_nesting": ("a 60 kB reply header nested 30000 levels deep",
                           "    os.write(_REPLY, _frame(b'[' * 30000 + b']' * 30000))\n    return 0.5"),
}


def forger_source(case: str) -> str:
    what, body = FORGERS[case]
    defs = "".join(f"def {name}(*args, **kwargs):\n    return _forge(*args, **kwargs)\n\n\n" for name in api_names())
    return FORGER.format(what=what, body=body) + defs


ESCAPES = "\x1b[2K\r   180/180 graded     0 lost  (all tests passed)\x07\x9b"


def escapes_source() -> str:
    """Raises, at import, an exception whose text rewrites a terminal row; every function too."""
    defs = "".join(f"def {name}(*args, **kwargs):\n    raise ValueError(TEXT)\n\n\n" for name in api_names())
    return f"TEXT = {ESCAPES!r}\n\n\n{defs}raise ValueError(TEXT)\n"


def paths_source() -> str:
    """Every function raises an exception naming where it runs: the feedback must not."""
    defs = "".join(f"def {name}(*args, **kwargs):\n    return _where()\n\n\n" for name in api_names())
    return ("import os\n\n\ndef _where():\n"
            "    raise RuntimeError(f'cwd={os.getcwd()} file={__file__} tmp=' + os.environ.get('TMPDIR', ''))\n\n\n"
            + defs)


# -- the corpus ----------------------------------------------------------------------------------------------
def _module_dir(root: Path, case: str) -> Path:
    folder = root / case
    folder.mkdir(parents=True)
    return folder


def build(root: Path, *, bombs: bool = True) -> list[tuple[str, str, str]]:
    """Make every case under `root`; returns [(case, path, expect)] in batch order."""
    root.mkdir(parents=True, exist_ok=True)
    cases: list[tuple[str, str, str]] = []
    ref = REFERENCE.read_bytes()

    def add(case, path, expect):
        cases.append((case, os.fspath(path), expect))

    add("reference", REFERENCE, "full")
    d = _module_dir(root, "reference_zip")
    with zipfile.ZipFile(d / "sub.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"alice/{MODULE}", ref)
    add("reference_zip", d / "sub.zip", "full")
    weird = root / os.fsdecode(b"caf\xe9-\xff\xfe")  # latin-1 bytes: not UTF-8
    weird.mkdir()
    (weird / MODULE).write_bytes(ref)
    add("non_utf8_folder", weird, "full")

    # links: to the reference (absolute, relative, through /proc/self/cwd), a linked folder, a secret
    d = _module_dir(root, "link_absolute")
    os.symlink(REFERENCE, d / MODULE)
    add("link_absolute", d, "error: symbolic link")
    d = _module_dir(root, "link_relative")
    os.symlink(os.path.relpath(REFERENCE, d), d / MODULE)
    add("link_relative", d, "error: symbolic link")
    d = _module_dir(root, "link_proc_cwd")
    os.symlink(f"/proc/self/cwd/solutions/{EX}/{MODULE}", d / MODULE)
    add("link_proc_cwd", d, "error: symbolic link")
    d = _module_dir(root, "linked_folder")
    os.symlink(REFERENCE.parent, d / "mine")
    add("linked_folder", d, "error: symbolic link")
    d = _module_dir(root, "link_file_given")
    os.symlink(REFERENCE, d / MODULE)
    add("link_file_given", d / MODULE, "error: symbolic link")
    secret = root / "root-only.txt"
    secret.write_text(f"{SECRET}\n")
    os.chmod(secret, 0o600)  # owned by root when the tests run as root
    d = _module_dir(root, "link_root_only")
    os.symlink(secret, d / MODULE)
    add("link_root_only", d, "error: symbolic link")

    # special files
    d = _module_dir(root, "fifo")
    os.mkfifo(d / MODULE)
    add("fifo", d, "error: named pipe")
    d = _module_dir(root, "dev_zero_link")
    os.symlink("/dev/zero", d / MODULE)
    add("dev_zero_link", d, "error: symbolic link")
    if os.geteuid() == 0:
        d = _module_dir(root, "device")
        os.mknod(d / MODULE, 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # a /dev/zero of its own
        add("device", d, "error: device file")
    d = _module_dir(root, "socket")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(d / MODULE))
    add("socket", d, "error: a socket")
    d = _module_dir(root, "too_big")
    (d / MODULE).write_bytes(b"#" * (2 << 20))
    add("too_big", d, "error: larger than")

    # zips
    if bombs:
        add("zip_bomb", zip_bomb(root / "bomb.zip", honest=True), "error: unpack")
        add("zip_bomb_lying", zip_bomb(root / "bomb-lying.zip", honest=False), "error: not a readable zip")
    broken = {
        "zip_encrypted": ([zip_entry(MODULE, ref, flags=0x1)], "encrypted"),
        "zip_bad_crc": ([zip_entry(MODULE, ref, crc=zlib.crc32(ref) ^ 1)], "not a readable zip"),
        "zip_unsupported_method": ([zip_entry(MODULE, ref, method=14, compressed=ref)], "compression method"),
        "zip_symlink_entry": ([zip_entry(MODULE, b"/proc/self/cwd/solutions/exercise2/activations.py",
                                         method=0, mode=0o120777)], "symbolic link"),
        "zip_absolute_path": ([zip_entry(f"/tmp/{MODULE}", ref)], "absolute path"),
        "zip_dotdot_path": ([zip_entry(f"../{MODULE}", ref)], "'..'"),
    }
    for case, (entries, words) in broken.items():
        path = root / f"{case}.zip"
        path.write_bytes(zip_bytes(entries))
        add(case, path, f"error: {words}")
    whole = zip_bytes([zip_entry(MODULE, ref)])
    (root / "zip_truncated.zip").write_bytes(whole[: len(whole) // 2])
    add("zip_truncated", root / "zip_truncated.zip", "error: not a readable zip")

    # modules that forge replies or print escapes: graded, and gain nothing
    for case in FORGERS:
        d = _module_dir(root, case)
        (d / MODULE).write_text(forger_source(case))
        add(case, d, "zero")
    d = _module_dir(root, "terminal_escapes")
    (d / MODULE).write_text(escapes_source())
    add("terminal_escapes", d, "zero")
    d = _module_dir(root, "host_paths")
    (d / MODULE).write_text(paths_source())
    add("host_paths", d, "zero")
    return cases
