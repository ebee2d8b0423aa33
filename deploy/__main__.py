"""`make stack` and `make stack-stop`: the loopback stack (deploy/stack.py) in the background.

python -m deploy start   # runs the stack detached, waits until it answers, says where
python -m deploy stop    # stops it and waits until everything it made is removed
python -m deploy run     # runs it in the foreground until Ctrl-C
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import time

from deploy.stack import PROJECT_ROOT, STARTUP_SECONDS, running_stack

# Where `start` finds the stack it started, for `stop` (instance/ is never committed).
STATE_FILE = PROJECT_ROOT / "instance" / "stack.json"
STACK_LOG = PROJECT_ROOT / "instance" / "stack.log"


def _stop_when_asked(_signal: int, _frame: object) -> None:
    raise SystemExit(0)


def run_in_foreground() -> None:
    """Run the stack until SIGTERM or Ctrl-C, or until one of its processes stops by itself."""
    signal.signal(signal.SIGTERM, _stop_when_asked)
    signal.signal(signal.SIGHUP, _stop_when_asked)
    try:
        with running_stack() as stack:
            settings_file = stack.folder / "stack.env"
            settings_file.touch(mode=0o600)
            settings_file.write_text(
                "".join(f"{k}={shlex.quote(v)}\n" for k, v in stack.settings.items())
            )
            STATE_FILE.write_text(
                json.dumps({"pid": os.getpid(), "url": stack.url, "settings": str(settings_file)})
            )
            print(
                f"Support Space is running at {stack.url}/ (hosts: "
                f"{', '.join(host.url for host in stack.hosts)}); logs in {stack.folder}",
                flush=True,
            )
            while all(process.poll() is None for process in stack.processes):
                time.sleep(1)
            print("nginx or a host stopped by itself: stopping the stack.", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        STATE_FILE.unlink(missing_ok=True)
        print("Stopped: processes ended, databases dropped, files removed.", flush=True)


def start_in_background() -> int:
    """`make stack`: run the stack detached, wait until it answers, say where it is."""
    if STATE_FILE.exists():
        print(
            f"A stack is already running: {json.loads(STATE_FILE.read_text())['url']}/ "
            "(make stack-stop ends it)"
        )
        return 1
    STATE_FILE.parent.mkdir(exist_ok=True)
    with STACK_LOG.open("wb") as log:
        runner = subprocess.Popen(
            [sys.executable, "-m", "deploy", "run"],
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 2 * STARTUP_SECONDS
    while time.monotonic() < deadline and runner.poll() is None and not STATE_FILE.exists():
        time.sleep(0.3)
    if not STATE_FILE.exists():
        if runner.poll() is None:
            runner.terminate()
        print(f"The stack did not start:\n{STACK_LOG.read_text()[-3000:]}", file=sys.stderr)
        return 1
    state = json.loads(STATE_FILE.read_text())
    print(
        f"Support Space is running at {state['url']}/ (a throwaway certificate: your browser "
        "will warn). Its settings, to run flask commands against it: set -a; . "
        f"{state['settings']}; set +a. Stop it with: make stack-stop"
    )
    return 0


def stop_background() -> int:
    """`make stack-stop`: ask the running stack to stop, and wait until it has cleaned up."""
    if not STATE_FILE.exists():
        print("No stack is running.")
        return 0
    pid = int(json.loads(STATE_FILE.read_text())["pid"])
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        STATE_FILE.unlink(missing_ok=True)
        print("The stack had already stopped.")
        return 0
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and STATE_FILE.exists():
        time.sleep(0.3)
    if STATE_FILE.exists():
        print(f"The stack has not stopped within 90 seconds: see {STACK_LOG}", file=sys.stderr)
        return 1
    print(STACK_LOG.read_text().strip().splitlines()[-1] if STACK_LOG.exists() else "Stopped.")
    STACK_LOG.unlink(missing_ok=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy", description=__doc__)
    parser.add_argument("command", choices=["start", "stop", "run"])
    command = parser.parse_args().command
    if command == "run":
        run_in_foreground()
        return 0
    return start_in_background() if command == "start" else stop_background()


if __name__ == "__main__":
    sys.exit(main())
