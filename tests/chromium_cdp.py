"""Open a page in headless Chromium over the DevTools protocol on a pipe (no websocket library needed).

Why: a test must see what a browser sees: console errors, blocked resources,
images that do not decode, the text on the page. `--remote-debugging-pipe`
speaks CDP as NUL-terminated JSON on file descriptors 3 (to Chromium) and 4
(from it).
"""
from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageReport:
    errors: list[str] = field(default_factory=list)     # console errors, exceptions, failed loads, CSP
    images: list[dict] = field(default_factory=list)    # src prefix, complete, naturalWidth
    text: str = ""
    screenshot: bytes = b""


class Chromium:
    def __init__(self, binary: str, stderr=subprocess.DEVNULL):
        self.profile = tempfile.mkdtemp(prefix="nncourse-chromium-")
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()
        # The child needs them as fds 3 and 4: dup them there in a preexec hook (dup2 makes them
        # inheritable; close_fds=False so the hook's fds survive to exec; Python's own fds are not inheritable).
        def _fds():
            import fcntl
            high_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)  # out of the way of 3 and 4 first
            high_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)
        self.proc = subprocess.Popen(
            [binary, "--headless=new", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--mute-audio",
             "--allow-file-access-from-files", f"--user-data-dir={self.profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
            preexec_fn=_fds, close_fds=False)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.next_id, self.buffer, self.events = 0, b"", []

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except Exception:  # noqa: BLE001 - closing anyway
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self.to_chrome, self.from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.from_chrome], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self.from_chrome, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 60) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method: str, session: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        for i, event in enumerate(self.events):
            if event.get("method") == method and event.get("sessionId") == session:
                return self.events.pop(i)
        while True:
            event = self._read_message(deadline)
            if event.get("method") == method and event.get("sessionId") == session:
                return event
            self.events.append(event)

    def open(self, path: Path, screenshot: bool = False) -> PageReport:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable", session=session)
        self.send("Emulation.setDeviceMetricsOverride", {"width": 1100, "height": 900, "deviceScaleFactor": 1,
                                                         "mobile": False}, session=session)
        self.events.clear()
        self.send("Page.navigate", {"url": path.resolve().as_uri()}, session=session)
        self.wait_event("Page.loadEventFired", session)
        report = PageReport()
        check = ("JSON.stringify({images: Array.from(document.images).map(i => ({src: i.src.slice(0, 40), "
                 "complete: i.complete, naturalWidth: i.naturalWidth})), text: document.body.innerText})")
        # images decode asynchronously: ask until all are complete (or 20 s pass)
        deadline = time.monotonic() + 20
        while True:
            value = json.loads(self.send("Runtime.evaluate", {"expression": check, "returnByValue": True},
                                         session=session)["result"]["value"])
            if all(i["complete"] for i in value["images"]) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        report.images, report.text = value["images"], value["text"]
        if screenshot:
            shot = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
                             session=session)
            report.screenshot = base64.b64decode(shot["data"])
        for event in self.events:
            if event.get("sessionId") != session:
                continue
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                report.errors.append("console: " + " ".join(str(a.get("value", a.get("description", "")))
                                                            for a in params.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                report.errors.append("exception: " + params.get("exceptionDetails", {}).get("text", ""))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                report.errors.append("log: " + params["entry"].get("text", ""))
            elif method == "Network.loadingFailed":
                report.errors.append("load failed: " + params.get("errorText", ""))
        self.send("Target.closeTarget", {"targetId": target})
        return report
