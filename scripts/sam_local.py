#!/usr/bin/env python3
"""`make sam-local`: the real template and handlers in Lambda-like containers, with `sam local start-api`.

What it does, in order (each step prints what it does and how long it took):

1. Docker engine. An engine that already answers (DOCKER_HOST, or /var/run/docker.sock) is used as it is.
   Otherwise, as root, it starts a *private* dockerd: Debian's `docker.io` (installed with apt-get when
   `dockerd` is missing), its own --data-root (in the cache, so images survive between runs), --exec-root,
   --pidfile and socket under /run/tasktracker-sam-local, and --iptables=false --ip-masq=false
   --ip-forward=false so the host's firewall and forwarding are left alone. On exit it is stopped by its PID,
   its containers are removed and the docker0 bridge it made is deleted.
2. Lambda base image public.ecr.aws/lambda/python:3.13-<arch>. Registries of images are not reachable here, so
   when the engine lacks it, a stand-in is imported: Debian trixie (Python 3.13) from `debootstrap`, AWS's
   Lambda runtime interface client (awslambdaric, from PyPI) in /var/runtime and a /var/runtime/bootstrap that
   runs it. The debootstrapped root and the image tarball are cached. A real image is used as it is.
3. `sam build` for this machine's architecture (Architecture parameter + ARCHITECTURE for the layer's
   Makefile) into build/sam-local/<arch>/ (never .aws-sam/, which `make build` owns).
4. DynamoDB Local (tasktracker.local), listening on all interfaces: containers reach it through the bridge
   gateway (172.17.0.1 on a default engine). Tables are created when missing.
5. An env-vars file (SAM's {"Parameters": {...}} form: every function) with the table names, the DynamoDB
   endpoint, a cursor secret and the local key -> user map (TASKTRACKER_LOCAL_LAMBDA_API_KEYS: the explicit
   local-only setting; SAM local neither checks keys nor fills requestContext.identity.apiKeyId).
6. `sam local start-api --skip-pull-image` on 127.0.0.1:PORT, and waits until GET /tasks answers 200.

Ctrl-C (SIGINT), SIGTERM or SIGHUP tears it all down. `--check N` sets up, measures N requests and exits.
`--uninstall` removes the cache and purges the Debian packages this script installed (it records them).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

RUNTIME = "python3.13"
PYTHON_VERSION = "3.13"
# Debian 13 ships Python 3.13 (bookworm has 3.11): the stand-in's interpreter matches the Lambda runtime.
SUITE = "trixie"
MIRROR = os.environ.get("TASKTRACKER_DEBIAN_MIRROR", "http://deb.debian.org/debian")
AWSLAMBDARIC = "awslambdaric==4.2.2"
RUN_DIR = Path(os.environ.get("TASKTRACKER_SAM_LOCAL_RUN_DIR", "/run/tasktracker-sam-local"))
STAND_IN_LABEL = "org.tasktracker.lambda-stand-in"
BRIDGE = "docker0"
TABLES = {"TASKS_TABLE": "Tasks", "CATEGORIES_TABLE": "Categories", "IDEMPOTENCY_TABLE": "Idempotency"}

# What the real image's /var/runtime/bootstrap does, for awslambdaric: the code in /var/task, the layers in /opt.
BOOTSTRAP = """#!/bin/sh
# Stand-in for the AWS Lambda python3.13 base image (written by tasktracker's scripts/sam_local.py).
# SAM's aws-lambda-rie execs this with _HANDLER set; sys.path follows Lambda's order.
export PYTHONPATH="/var/task:/opt/python/lib/python3.13/site-packages:/opt/python:/var/runtime${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1
cd "${LAMBDA_TASK_ROOT:-/var/task}"
# Not in the real image: SAM waits up to 1 s after each invoke until a log chunk is REPORT alone (or one line and
# REPORT); the emulator relays the function's output on the same stream right before END and REPORT, the chunks
# merge, and a request then costs 1 s more. So the function's output goes straight to the container's stderr
# (PID 1's), a stream of its own; SAM prints both streams alike.
if [ -w /proc/1/fd/2 ]; then exec /usr/bin/python3 -m awslambdaric "$_HANDLER" >/proc/1/fd/2 2>&1; fi
exec /usr/bin/python3 -m awslambdaric "$_HANDLER"
"""
IMAGE_CHANGES = [
    "ENV PATH=/var/lang/bin:/usr/local/bin:/usr/bin:/bin:/opt/bin",
    "ENV LANG=C.UTF-8",
    "ENV TZ=:UTC",
    "ENV LAMBDA_TASK_ROOT=/var/task",
    "ENV LAMBDA_RUNTIME_DIR=/var/runtime",
    "WORKDIR /var/task",
    'ENTRYPOINT ["/var/runtime/bootstrap"]',
]
RECIPE_VERSION = "1"

T0 = time.monotonic()


class SetupError(Exception):
    """Set-up cannot go on; the message says why and what to do."""


class Interrupted(BaseException):
    """SIGINT/SIGTERM/SIGHUP: tear down and exit."""


def say(msg: str) -> None:
    print(f"sam-local [{time.monotonic() - T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


def run(
    cmd: list[str],
    *,
    check: bool = True,
    capture: bool = False,
    timeout: float | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        cmd,
        check=False,
        text=True,
        timeout=timeout,
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE if capture else sys.stderr,
        stderr=subprocess.PIPE if capture else sys.stderr,
    )
    if check and proc.returncode != 0:
        detail = f"\n{(proc.stderr or '')[-3000:]}" if capture else ""
        raise SetupError(f"`{' '.join(cmd[:6])}{' ...' if len(cmd) > 6 else ''}` failed ({proc.returncode}){detail}")
    return proc


def cache_dir() -> Path:
    from tasktracker.local import default_cache_dir

    return default_cache_dir() / "sam-local"


def lambda_arch() -> str:
    machine = platform.machine().lower()
    if machine in ("x86_64", "amd64"):
        return "x86_64"
    if machine in ("aarch64", "arm64"):
        return "arm64"
    raise SetupError(f"no Lambda architecture for this machine ({machine}): Lambda runs x86_64 and arm64")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def link_exists(name: str) -> bool:
    return Path("/sys/class/net", name).exists()


# ----------------------------------------------------------------------------------------------- apt


def dpkg_installed() -> set[str]:
    out = run(["dpkg-query", "-W", "-f", "${Package} ${Status}\n"], capture=True, check=False).stdout
    return {line.split()[0] for line in out.splitlines() if line.endswith(" installed")}


def apt_install(packages: list[str], why: str, state: Path) -> list[str]:
    """apt-get install PACKAGES (no recommends, no services started); returns and records what was new."""
    if os.geteuid() != 0:
        raise SetupError(f"{why} needs Debian packages {' '.join(packages)}: run as root, or install them yourself")
    if not shutil.which("apt-get") or not shutil.which("dpkg-query"):
        raise SetupError(f"{why} needs {' '.join(packages)}, and this machine has no apt-get: install them yourself")
    say(f"installing Debian packages {' '.join(packages)} ({why}) with apt-get ...")
    before = dpkg_installed()
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # Packages like docker.io start their service from postinst; a policy-rc.d answering 101 forbids that,
    # so no system dockerd (with its iptables rules) ever starts. An existing policy-rc.d is left as it is.
    policy = Path("/usr/sbin/policy-rc.d")
    own_policy = not policy.exists()
    if own_policy:
        policy.write_text("#!/bin/sh\n# tasktracker sam-local: no services started while installing\nexit 101\n")
        policy.chmod(0o755)
    try:
        cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]
        if run(cmd, check=False, env=env, capture=True).returncode != 0:
            run(["apt-get", "update", "-q"], env=env, capture=True)
            run(cmd, env=env, capture=True)
    finally:
        if own_policy:
            policy.unlink(missing_ok=True)
    new = sorted(dpkg_installed() - before)
    if new:
        state.parent.mkdir(parents=True, exist_ok=True)
        with open(state, "a") as f:
            f.write("".join(f"{p}\n" for p in new))
    say(f"installed {len(new)} Debian packages: {' '.join(new)}")
    say(f"  undo: apt-get purge {' '.join(new)}   (or: {Path(__file__).name} --uninstall)")
    return new


# ----------------------------------------------------------------------------------------------- docker


@dataclass
class Engine:
    host: str  # DOCKER_HOST value
    private: bool
    gateway: str = ""
    dockerd: subprocess.Popen[bytes] | None = None
    made_bridge: bool = False

    def docker(
        self, *args: str, check: bool = True, capture: bool = True, timeout: float | None = 120
    ) -> subprocess.CompletedProcess[str]:
        exe = shutil.which("docker")
        if exe is None:
            raise SetupError("the `docker` command is missing (Debian: apt-get install docker.io)")
        return run([exe, "-H", self.host, *args], check=check, capture=capture, timeout=timeout)


def answering(host: str) -> str | None:
    exe = shutil.which("docker")
    if exe is None:
        return None
    if host.startswith("unix://") and not Path(host[len("unix://") :]).exists():
        return None
    try:
        proc = subprocess.run(
            [exe, "-H", host, "version", "--format", "{{.Server.Version}}"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None
    return proc.stdout.strip() if proc.returncode == 0 and proc.stdout.strip() else None


def mounts_under(path: Path) -> list[str]:
    prefix = str(path).rstrip("/") + "/"
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            point = line.split()[4].replace("\\040", " ")
            if point == str(path) or point.startswith(prefix):
                found.append(point)
    return sorted(found, key=len, reverse=True)


def unmount_all(path: Path) -> None:
    for point in mounts_under(path):
        subprocess.run(["umount", "-l", point], check=False, capture_output=True)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def processes_mentioning(text: str) -> list[int]:
    """PIDs whose command line contains TEXT (a path only this script uses), except ours."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            pids.append(int(entry.name))
    return pids


def shims_of(run_dir: Path) -> list[int]:
    """containerd-shim processes of our engine: their command line names its containerd socket, or their working
    directory is in our exec root (runc v2 shims chdir into the bundle there)."""
    pids = []
    for pid in processes_mentioning("containerd-shim"):
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if cwd.startswith(str(run_dir)):
            pids.append(pid)
    return pids


def stop_pid(pid: int, timeout: float) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while pid_alive(pid) and time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return
        time.sleep(0.1)
    if pid_alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


class PrivateDockerd:
    """A dockerd of our own that leaves the host's networking alone."""

    def __init__(self, cache: Path) -> None:
        self.data_root = cache / "docker"
        self.exec_root = RUN_DIR / "exec"
        self.pidfile = RUN_DIR / "dockerd.pid"
        self.socket = RUN_DIR / "docker.sock"
        self.bridge_marker = RUN_DIR / "bridge-created"
        self.log = cache / "dockerd.log"
        self.lock_file = cache / "dockerd.lock"
        self._lock: Any = None

    @property
    def host(self) -> str:
        return f"unix://{self.socket}"

    def lock(self) -> None:
        self.lock_file.parent.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.lock_file, "a+")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.seek(0)
            raise SetupError(
                f"another sam-local runs a private dockerd ({self._lock.read().strip() or 'see ' + str(self.lock_file)}):"
                " stop it first (Ctrl-C in its terminal)"
            ) from None
        self._lock.seek(0)
        self._lock.truncate()
        self._lock.write(f"pid {os.getpid()}\n")
        self._lock.flush()

    def clean_stale(self) -> None:
        """A previous run that was killed (SIGKILL) may have left its dockerd, mounts or bridge: we hold the lock,
        so whatever carries our paths is a leftover."""
        leftovers = processes_mentioning(str(RUN_DIR))
        for pid in leftovers:
            say(f"stopping a leftover process of an earlier run (pid {pid})")
            stop_pid(pid, 10)
        unmount_all(RUN_DIR)
        unmount_all(self.data_root)
        if self.bridge_marker.exists() and link_exists(BRIDGE):
            say(f"deleting the {BRIDGE} bridge an earlier run left")
            subprocess.run(["ip", "link", "delete", BRIDGE], check=False)
        shutil.rmtree(RUN_DIR, ignore_errors=True)

    def start(self, state: Path) -> Engine:
        if os.geteuid() != 0:
            raise SetupError(
                "no Docker engine answers (DOCKER_HOST or /var/run/docker.sock) and starting a private one needs "
                "root: run as root, or start Docker and make its socket reachable"
            )
        if shutil.which("dockerd") is None or shutil.which("docker-proxy") is None:
            apt_install(["docker.io"], "a Docker engine for sam local", state)
        if shutil.which("ip") is None:
            apt_install(["iproute2"], "deleting the docker0 bridge afterwards", state)
        self.lock()
        self.clean_stale()
        if link_exists(BRIDGE):
            raise SetupError(
                f"a {BRIDGE} bridge exists but no Docker engine answers: another engine owns it, or a crash left it. "
                f"Delete it (`ip link delete {BRIDGE}`) if nothing uses it, or point DOCKER_HOST at its engine"
            )
        RUN_DIR.mkdir(parents=True, exist_ok=True)
        self.data_root.mkdir(parents=True, exist_ok=True)
        cmd = [
            shutil.which("dockerd") or "dockerd",
            "--data-root",
            str(self.data_root),
            "--exec-root",
            str(self.exec_root),
            "--pidfile",
            str(self.pidfile),
            "-H",
            self.host,
            "--iptables=false",
            "--ip-masq=false",
            "--ip-forward=false",
            "--ip6tables=false",
            "--log-level=warn",
        ]
        say(
            f"starting a private dockerd: data {self.data_root}, socket {self.socket} "
            "(--iptables=false --ip-masq=false --ip-forward=false: host networking untouched)"
        )
        log = open(self.log, "wb")
        # Own session: a Ctrl-C meant for us must not reach it; we stop it ourselves, by its PID.
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        engine = Engine(self.host, private=True, dockerd=proc)
        deadline = time.monotonic() + 60
        while answering(self.host) is None:
            if proc.poll() is not None or time.monotonic() > deadline:
                self.stop(engine)
                raise SetupError(
                    f"dockerd did not start (exit {proc.poll()}); its log:\n{self.log.read_text()[-3000:]}"
                )
            time.sleep(0.1)
        engine.made_bridge = link_exists(BRIDGE)
        if engine.made_bridge:
            self.bridge_marker.write_text(f"{proc.pid}\n")
        say(f"private dockerd {answering(self.host)} up, pid {proc.pid}")
        return engine

    def stop(self, engine: Engine) -> None:
        proc = engine.dockerd
        if proc is None:
            return
        if proc.poll() is None:
            ids = engine.docker("ps", "-aq", check=False, timeout=20).stdout.split()
            if ids:
                engine.docker("rm", "-f", "-v", *ids, check=False, timeout=60)
                say(f"removed {len(ids)} container(s)")
            stop_pid(proc.pid, 30)
        proc.wait()
        # containerd and its shims exit on their own after dockerd, but not always at once: wait for them (and
        # stop any that linger), so nothing of ours outlives the teardown.
        deadline = time.monotonic() + 20
        while (left := processes_mentioning(str(RUN_DIR)) + shims_of(RUN_DIR)) and time.monotonic() < deadline:
            for pid in left:
                stop_pid(pid, 5)
            time.sleep(0.2)
        unmount_all(RUN_DIR)
        unmount_all(self.data_root)
        if engine.made_bridge and link_exists(BRIDGE):
            subprocess.run(["ip", "link", "delete", BRIDGE], check=False)
        shutil.rmtree(RUN_DIR, ignore_errors=True)
        say(f"private dockerd (pid {proc.pid}) stopped, {BRIDGE} {'still there!' if link_exists(BRIDGE) else 'gone'}")
        engine.dockerd = None
        if self._lock is not None:
            self._lock.close()
            self._lock = None


def bridge_gateway(engine: Engine) -> str:
    out = engine.docker(
        "network", "inspect", "bridge", "--format", "{{range .IPAM.Config}}{{.Gateway}} {{end}}", check=False
    ).stdout.split()
    return out[0] if out else "172.17.0.1"


# ----------------------------------------------------------------------------------------------- base image


def image_tag(arch: str) -> str:
    return f"public.ecr.aws/lambda/{RUNTIME[:6]}:{PYTHON_VERSION}-{arch}"


def recipe(arch: str) -> str:
    text = json.dumps([RECIPE_VERSION, SUITE, AWSLAMBDARIC, BOOTSTRAP, IMAGE_CHANGES, arch])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def debian_arch(arch: str) -> str:
    return {"x86_64": "amd64", "arm64": "arm64"}[arch]


def ensure_rootfs(cache: Path, arch: str, state: Path) -> Path:
    rootfs = cache / "lambda-base" / f"rootfs-{SUITE}-{debian_arch(arch)}"
    if (rootfs / ".tasktracker-complete").exists():
        say(f"debootstrapped Debian {SUITE} cached in {rootfs}")
        return rootfs
    if os.geteuid() != 0:
        raise SetupError("building the stand-in Lambda base image needs root (debootstrap)")
    if shutil.which("debootstrap") is None:
        apt_install(["debootstrap"], "building the stand-in Lambda base image", state)
    tmp = rootfs.with_name(rootfs.name + ".tmp")
    unmount_all(tmp)  # an interrupted debootstrap leaves /proc and /sys mounted in its target
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    say(
        f"debootstrap --variant=minbase {SUITE} ({debian_arch(arch)}, python3 + ca-certificates) into {tmp} "
        "(about a minute) ..."
    )
    started = time.monotonic()
    try:
        run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--arch={debian_arch(arch)}",
                "--include=python3,ca-certificates",
                SUITE,
                str(tmp),
                MIRROR,
            ],
            capture=True,
            timeout=1800,
        )
    finally:
        unmount_all(tmp)
    for junk in ("var/cache/apt/archives", "var/lib/apt/lists"):
        for p in (tmp / junk).glob("*"):
            if p.is_file():
                p.unlink()
    version = run(["chroot", str(tmp), "python3", "--version"], capture=True).stdout.strip()
    if not version.startswith(f"Python {PYTHON_VERSION}."):
        raise SetupError(f"Debian {SUITE} gave {version}, not Python {PYTHON_VERSION}")
    (tmp / ".tasktracker-complete").write_text(f"{SUITE} {version}\n")
    tmp.rename(rootfs)
    say(f"debootstrap done in {time.monotonic() - started:.0f}s ({version})")
    return rootfs


def build_tarball(cache: Path, arch: str, state: Path) -> Path:
    key = recipe(arch)
    tarball = cache / "lambda-base" / f"python{PYTHON_VERSION}-{arch}-{key}.tar"
    if tarball.exists():
        say(f"stand-in image tarball cached: {tarball}")
        return tarball
    rootfs = ensure_rootfs(cache, arch, state)
    machine = {"x86_64": "x86_64", "arm64": "aarch64"}[arch]
    with tempfile.TemporaryDirectory(prefix="overlay-", dir=tarball.parent) as tmp:
        overlay = Path(tmp)
        runtime = overlay / "var" / "runtime"
        say(f"installing {AWSLAMBDARIC} (manylinux {machine}, cp{PYTHON_VERSION.replace('.', '')}) into /var/runtime")
        run(
            [
                shutil.which("python3") or sys.executable,
                "-m",
                "pip",
                "install",
                "-qq",
                "--disable-pip-version-check",
                "--no-compile",
                "--target",
                str(runtime),
                "--platform",
                f"manylinux2014_{machine}",
                "--platform",
                f"manylinux_2_28_{machine}",
                "--implementation",
                "cp",
                "--python-version",
                PYTHON_VERSION,
                "--only-binary=:all:",
                AWSLAMBDARIC,
            ],
            capture=True,
            timeout=600,
        )
        (runtime / "bootstrap").write_text(BOOTSTRAP)
        (runtime / "bootstrap").chmod(0o755)
        (overlay / "var" / "task").mkdir()
        partial = tarball.with_suffix(".tar.tmp")
        say(f"writing {tarball.name}")
        run(
            [
                "tar",
                "--numeric-owner",
                "-C",
                str(rootfs),
                "--exclude=./dev/*",
                "--exclude=./proc/*",
                "--exclude=./sys/*",
                "--exclude=./.tasktracker-complete",
                "-cf",
                str(partial),
                ".",
            ]
        )
        run(
            [
                "tar",
                "--numeric-owner",
                "--owner=0",
                "--group=0",
                "-C",
                str(overlay),
                "-rf",
                str(partial),
                "./var/runtime",
                "./var/task",
            ]
        )
        partial.rename(tarball)
    for old in tarball.parent.glob(f"python{PYTHON_VERSION}-{arch}-*.tar"):
        if old != tarball:
            old.unlink()
    return tarball


def ensure_base_image(engine: Engine, arch: str, cache: Path, state: Path) -> str:
    tag = image_tag(arch)
    proc = engine.docker("image", "inspect", tag, check=False)
    want = recipe(arch)
    if proc.returncode == 0:
        labels = (json.loads(proc.stdout)[0].get("Config") or {}).get("Labels") or {}
        have = labels.get(STAND_IN_LABEL)
        if have is None:
            say(f"{tag}: present (not our stand-in), used as it is")
            return "existing"
        if have == want:
            say(f"{tag}: stand-in already in the engine")
            return "stand-in (in engine)"
        say(f"{tag}: an older stand-in ({have}); replacing it")
        engine.docker("rmi", "-f", tag, check=False)
    tarball = build_tarball(cache, arch, state)
    say(f"docker import {tarball.name} as {tag} ...")
    changes = [*IMAGE_CHANGES, f"LABEL {STAND_IN_LABEL}={want}"]
    args = [a for c in changes for a in ("--change", c)]
    engine.docker("import", *args, str(tarball), tag, timeout=600)
    if not engine.private:
        say(f"  this changed your Docker engine: it now has {tag}; undo: docker rmi {tag}")
    return "stand-in (imported)"


# ----------------------------------------------------------------------------------------------- sam


def sam_exe() -> str:
    local = ROOT / ".local" / "sam" / "bin" / "sam"
    if local.exists():
        return str(local)
    found = shutil.which("sam")
    if found:
        return found
    raise SetupError("SAM CLI not found: `make sam-cli` puts the pinned one in .local/sam")


def sam_build(arch: str, build_dir: Path) -> Path:
    env = {**os.environ, "ARCHITECTURE": arch, "SAM_CLI_TELEMETRY": "0"}
    say(f"sam build (Architecture={arch}) into {build_dir.relative_to(ROOT)} ...")
    run([sys.executable, str(ROOT / "scripts" / "gateway_spec.py")], cwd=ROOT, env=env, capture=True)
    proc = run(
        [
            sam_exe(),
            "build",
            "--template-file",
            str(ROOT / "template.yaml"),
            "--build-dir",
            str(build_dir),
            "--parameter-overrides",
            f"Architecture={arch}",
            "--parallel",
        ],
        cwd=ROOT,
        env=env,
        capture=True,
        check=False,
        timeout=1800,
    )
    if proc.returncode != 0:
        raise SetupError(f"sam build failed ({proc.returncode}):\n{(proc.stdout + proc.stderr)[-4000:]}")
    layer = build_dir / "DependencyLayer" / "python"
    missing = [m for m in ("aws_lambda_powertools", "connexion", "mangum", "boto3") if not (layer / m).is_dir()]
    if missing:
        raise SetupError(f"the built layer {layer} lacks {', '.join(missing)}: a broken .local/layer-cache entry?")
    return build_dir / "template.yaml"


def persistent_secret(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    path.write_text(value)
    path.chmod(0o600)
    return value


def http_get(url: str, key: str, timeout: float = 30) -> tuple[int, float, bytes]:
    req = urllib.request.Request(url, headers={"x-api-key": key})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read()
            return resp.status, time.monotonic() - started, body
    except urllib.error.HTTPError as exc:
        return exc.code, time.monotonic() - started, exc.read()


@dataclass
class Session:
    args: argparse.Namespace
    cache: Path
    state: Path
    engine: Engine | None = None
    dockerd: PrivateDockerd | None = None
    ddb: Any = None
    sam: subprocess.Popen[bytes] | None = None
    timings: dict[str, float] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    def step(self, name: str, started: float) -> None:
        self.timings[name] = round(time.monotonic() - started, 2)

    def setup(self) -> None:
        args = self.args
        arch = args.arch or lambda_arch()
        self.info["architecture"] = arch

        started = time.monotonic()
        existing = None
        if args.engine in ("auto", "existing"):
            host = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
            version = answering(host)
            if version:
                existing = host
                say(f"using the Docker engine at {host} (server {version}); nothing on this machine is changed")
            elif args.engine == "existing" or os.environ.get("DOCKER_HOST"):
                raise SetupError(f"no Docker engine answers at {host}")
        if existing:
            self.engine = Engine(existing, private=False)
        else:
            self.dockerd = PrivateDockerd(self.cache)
            self.engine = self.dockerd.start(self.state)
        self.engine.gateway = args.container_host or bridge_gateway(self.engine)
        self.info.update(
            engine="private" if self.engine.private else "existing",
            docker_host=self.engine.host,
            dockerd_pid=self.engine.dockerd.pid if self.engine.dockerd else None,
        )
        self.step("engine", started)

        started = time.monotonic()
        self.info["base_image"] = ensure_base_image(self.engine, arch, self.cache, self.state)
        self.step("base_image", started)

        started = time.monotonic()
        build_dir = Path(args.build_dir).resolve() if args.build_dir else ROOT / "build" / "sam-local" / arch
        template = sam_build(arch, build_dir)
        self.step("sam_build", started)

        started = time.monotonic()
        from tasktracker.local import DynamoDBLocal
        from tasktracker.store.tables import ensure_tables

        data_dir = Path(args.data_dir).resolve()
        # Listens on every interface: the containers come in through the bridge gateway.
        self.ddb = DynamoDBLocal(port=args.dynamodb_port or None, db_path=data_dir / "dynamodb").start()
        ensure_tables(self.ddb.client(), *TABLES.values())
        container_endpoint = f"http://{self.engine.gateway}:{self.ddb.port}"
        say(
            f"DynamoDB Local on {self.ddb.endpoint} (containers: {container_endpoint}), data in {data_dir / 'dynamodb'}"
        )
        self.info.update(dynamodb_endpoint=self.ddb.endpoint, container_dynamodb_endpoint=container_endpoint)
        self.step("dynamodb_local", started)

        keys = self.keys = api_keys(args)
        env_vars = {
            "Parameters": {
                **TABLES,
                "AWS_ENDPOINT_URL_DYNAMODB": container_endpoint,
                "CURSOR_SECRET": persistent_secret(data_dir / "cursor-secret"),
                "CURSOR_SECRET_ARN": "",  # no Secrets Manager locally: the secret above is used
                "TASKTRACKER_LOCAL_LAMBDA_API_KEYS": ",".join(f"{k}:{u}" for k, u in keys.items()),
            }
        }
        env_file = data_dir / "env-vars.json"
        fd = os.open(env_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(env_vars, f, indent=2)

        started = time.monotonic()
        port = args.port or free_port()
        cmd = [
            sam_exe(),
            "local",
            "start-api",
            "--template",
            str(template),
            "--parameter-overrides",
            f"Architecture={arch}",
            "--env-vars",
            str(env_file),
            "--skip-pull-image",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
        if args.warm_containers:
            cmd += ["--warm-containers", args.warm_containers]
        env = {**os.environ, "DOCKER_HOST": self.engine.host, "SAM_CLI_TELEMETRY": "0"}
        say(
            f"sam local start-api --skip-pull-image on 127.0.0.1:{port}"
            + (f" --warm-containers {args.warm_containers}" if args.warm_containers else "")
        )
        sam_log = open(args.sam_log, "ab") if args.sam_log else None
        self.sam = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            stdout=sam_log or sys.stderr,
            stderr=subprocess.STDOUT,
        )
        if sam_log:
            sam_log.close()
        url = f"http://127.0.0.1:{port}"
        key = next(iter(keys))
        deadline = time.monotonic() + args.ready_timeout
        status = None
        while True:
            if self.sam.poll() is not None:
                raise SetupError(f"sam local start-api exited ({self.sam.returncode}) before it answered")
            if time.monotonic() > deadline:
                raise SetupError(
                    f"GET {url}/tasks did not answer 200 within {args.ready_timeout:.0f}s (last: {status})"
                )
            try:
                status, seconds, body = http_get(url + "/tasks", key, timeout=60)
                if status == 200:
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.step("start_api_first_200", started)
        self.timings["first_request"] = round(seconds, 3)
        self.timings["total_setup"] = round(time.monotonic() - T0, 2)
        self.info.update(
            url=url, port=port, warm_containers=args.warm_containers, timings=self.timings, sam_pid=self.sam.pid
        )
        say(
            f"ready: {url}  (GET /tasks -> 200 in {seconds * 1000:.0f} ms; set-up {self.timings['total_setup']:.1f}s: "
            + ", ".join(f"{k} {v}s" for k, v in self.timings.items() if k not in ("total_setup",))
            + ")"
        )
        if not args.api_key and not os.environ.get("TASKTRACKER_SAM_LOCAL_KEYS"):
            say(f"  try: curl -H 'x-api-key: {key}' {url}/tasks")
        if args.ready_file:
            Path(args.ready_file).write_text(json.dumps(self.info, indent=2))

    def probe(self, n: int) -> dict[str, float]:
        key = next(iter(self.keys))
        times = []
        for _ in range(n):
            status, seconds, _body = http_get(self.info["url"] + "/tasks", key)
            if status != 200:
                raise SetupError(f"GET /tasks answered {status}")
            times.append(seconds * 1000)
        times.sort()
        stats = {
            "n": n,
            "min_ms": round(times[0], 1),
            "median_ms": round(statistics.median(times), 1),
            "p90_ms": round(times[int(0.9 * (n - 1))], 1),
            "max_ms": round(times[-1], 1),
        }
        say(f"GET /tasks x{n}: " + ", ".join(f"{k} {v}" for k, v in stats.items()))
        return stats

    def wait(self) -> int:
        assert self.sam is not None
        return self.sam.wait()

    def teardown(self) -> None:
        started = time.monotonic()
        if self.sam is not None and self.sam.poll() is None:
            # SIGINT is SAM's Ctrl-C: it stops and removes the containers it started.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.sam.pid, signal.SIGINT)
            try:
                self.sam.wait(20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.sam.pid, signal.SIGKILL)
                self.sam.wait()
        if self.ddb is not None:
            self.ddb.stop()
        if self.dockerd is not None and self.engine is not None:
            self.dockerd.stop(self.engine)
        say(f"torn down in {time.monotonic() - started:.1f}s")


def api_keys(args: argparse.Namespace) -> dict[str, str]:
    from tasktracker.config import parse_api_keys

    keys: dict[str, str] = {}
    keys.update(parse_api_keys(os.environ.get("TASKTRACKER_SAM_LOCAL_KEYS")))
    for entry in args.api_key or []:
        keys.update(parse_api_keys(entry))
    # The same dev key as `make run` (tasktracker serve keeps it there too).
    return keys or {persistent_secret(ROOT / ".local" / "dev-api-key"): "dev"}


def uninstall(cache: Path, state: Path) -> int:
    if (RUN_DIR / "dockerd.pid").exists():
        say("a private dockerd seems to run (stop that sam-local first)")
        return 1
    packages = state.read_text().split() if state.exists() else []
    unmount_all(cache)
    size = run(["du", "-sh", str(cache)], capture=True, check=False).stdout.split()[:1]
    shutil.rmtree(cache, ignore_errors=True)
    say(f"removed {cache} ({size[0] if size else '?'})")
    if packages:
        say(f"purging the Debian packages sam-local installed: {' '.join(packages)}")
        run(["apt-get", "purge", "-y", "-q", *packages], env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        # dockerd writes its trust key there on first start; the package's purge leaves it.
        etc = Path("/etc/docker")
        if "docker.io" in packages and etc.is_dir() and {p.name for p in etc.iterdir()} <= {"key.json"}:
            shutil.rmtree(etc)
            say("removed /etc/docker (dockerd's key.json)")
        state.unlink(missing_ok=True)
    else:
        say("no Debian packages were installed by sam-local")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog="README.md, section 'sam local'")
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")), help="0: a free one")
    p.add_argument("--warm-containers", choices=["EAGER", "LAZY"], help="SAM's warm containers (default: none)")
    p.add_argument(
        "--api-key",
        action="append",
        metavar="KEY:USER",
        help="repeatable; also TASKTRACKER_SAM_LOCAL_KEYS; default: .local/dev-api-key for user 'dev'",
    )
    p.add_argument("--arch", choices=["x86_64", "arm64"], help="default: this machine's")
    p.add_argument(
        "--engine",
        choices=["auto", "existing", "private"],
        default="auto",
        help="auto: an engine that answers, else a private dockerd",
    )
    p.add_argument("--container-host", help="address containers reach this machine by (default: bridge gateway)")
    p.add_argument("--dynamodb-port", type=int, default=0)
    p.add_argument("--data-dir", default=str(ROOT / ".local" / "sam-local"), help="DynamoDB data, env-vars file")
    p.add_argument("--build-dir", help="default: build/sam-local/<arch>")
    p.add_argument("--ready-timeout", type=float, default=180)
    p.add_argument("--ready-file", help="write the URL, PIDs and timings there (JSON) once ready")
    p.add_argument("--sam-log", help="SAM's output goes there instead of stderr")
    p.add_argument("--check", type=int, metavar="N", help="set up, time N GET /tasks, tear down, exit")
    p.add_argument(
        "--uninstall", action="store_true", help="remove the cache and purge the Debian packages this script installed"
    )
    args = p.parse_args(argv)

    cache = cache_dir()
    state = cache / "installed-debian-packages.txt"
    if args.uninstall:
        return uninstall(cache, state)
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)

    def interrupted(signum: int, _frame: Any) -> None:
        raise Interrupted(signal.Signals(signum).name)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupted)
    session = Session(args, cache, state)
    code = 0
    try:
        session.setup()
        if args.check:
            stats = session.probe(args.check)
            if args.ready_file:
                Path(args.ready_file).write_text(json.dumps({**session.info, "probe": stats}, indent=2))
        else:
            say("serving; Ctrl-C stops it and tears everything down")
            code = session.wait()
            say(f"sam local start-api exited ({code})")
    except Interrupted as exc:
        say(f"{exc}: tearing down")
    except SetupError as exc:
        say(f"FAILED: {exc}")
        code = 2
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        session.teardown()
    return code


if __name__ == "__main__":
    sys.exit(main())
