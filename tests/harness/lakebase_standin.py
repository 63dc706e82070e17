"""A throwaway PostgreSQL cluster that refuses what Lakebase refuses.

Lakebase lets a principal's role log in only over SSL and only with a database credential its
workspace minted and that has not expired. This cluster does the same with PostgreSQL's own
means: every role but the harness's admin needs SSL (`hostnossl ... reject`) and a SCRAM
password (`hostssl ... scram-sha-256`), and :meth:`LakebaseStandIn.accept_credential` makes a
role's password a minted token, `VALID UNTIL` its expiry (:attr:`LakebaseStandIn.passwords`).

Branches: each branch the fake creates gets a database of its own here, copied from its source
branch's with `CREATE DATABASE … TEMPLATE` and dropped with the branch; only credentials minted
for the branch's endpoint open it (the role may CONNECT only to the databases of the branch its
current credential was minted for; PUBLIC may CONNECT to none of them). The copy's name is the
one the fake reports as the branch's Database `status.postgres_database`. See
`fake_workspace.postgres_backing`, which the fake's own `--postgres` uses too.

Differences remain: a role has one password, so only the newest credential logs in, where
Lakebase accepts every unexpired one, and the databases it opens follow that credential's
branch. Callers that mint on the side restore the previous password with
`passwords.password_state` / `passwords.restore_password_state`. A database is copied only
while no other session uses it (Lakebase branches a busy branch).

The cluster is created with `initdb` in a temporary directory, listens on a free loopback port
with a self-signed certificate made at start, and is stopped and deleted by :meth:`stop`.
`initdb` refuses to run as root; as root the cluster belongs to the `postgres` OS user, and its
directory goes where that user can reach it (not under a checkout or temporary directory only
root may enter, as `mktemp -d` and nox's per-session TMPDIR in such a checkout are).
"""

from __future__ import annotations

import atexit
import datetime as dt
import ipaddress
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Self

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from fake_workspace.postgres_backing import RolePasswords
from tests.harness.ports import free_loopback_port

ADMIN_ROLE = "lakebase_standin_admin"
_BINDIR_VARIABLE = "PG_BINDIR"
_START_ATTEMPTS = 3  # a free port picked here may be taken before the server binds it


class StandInUnavailable(Exception):
    """The cluster cannot be created or started here; the message says why."""


def find_bindir() -> Path:
    """The PostgreSQL server binaries: $PG_BINDIR, else `pg_config --bindir`, else the newest
    /usr/lib/postgresql/<version>/bin (Debian/Ubuntu, GitHub's runner images)."""
    candidates: list[Path] = []
    if os.environ.get(_BINDIR_VARIABLE):
        candidates.append(Path(os.environ[_BINDIR_VARIABLE]))
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=False
        )
        if result.returncode == 0:
            candidates.append(Path(result.stdout.strip()))
    versions = Path("/usr/lib/postgresql").glob("*/bin")
    candidates += sorted(versions, key=lambda p: _version_key(p.parent.name), reverse=True)
    for candidate in candidates:
        if (candidate / "initdb").is_file() and (candidate / "pg_ctl").is_file():
            return candidate
    raise StandInUnavailable(
        "the Lakebase stand-in needs the PostgreSQL server binaries (initdb, pg_ctl); none found "
        f"in {', '.join(map(str, candidates)) or 'pg_config --bindir or /usr/lib/postgresql'}. "
        f"Install them (apt-get install postgresql) or set {_BINDIR_VARIABLE}."
    )


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", name))


def _self_signed_certificate() -> tuple[bytes, bytes]:
    """(certificate, key) in PEM for 127.0.0.1/localhost, valid for a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lakebase-standin")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return certificate.public_bytes(serialization.Encoding.PEM), key_pem


# Order matters: the first line that matches a connection decides. Only the harness's admin
# role gets in without a password; every other role needs SSL and a SCRAM password.
_PG_HBA = f"""\
# TYPE    DATABASE USER          ADDRESS       METHOD
host      all      {ADMIN_ROLE}  127.0.0.1/32  trust
hostnossl all      all           127.0.0.1/32  reject
hostssl   all      all           127.0.0.1/32  scram-sha-256
"""


class LakebaseStandIn:
    """One running cluster: `admin_url` for the harness, `host`/`port` for the app."""

    def __init__(self, directory: Path | None = None, *, bindir: Path | None = None) -> None:
        self._owner = _cluster_owner()
        self.directory = directory or _scratch_directory(self._owner)
        self.bindir = bindir or find_bindir()
        self.data = self.directory / "data"
        self.log = self.directory / "server.log"
        self.host = "127.0.0.1"
        self.port = 0
        self._running = False

    @property
    def admin_url(self) -> str:
        return f"postgresql://{ADMIN_ROLE}@{self.host}:{self.port}/postgres"

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Self:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._give_to_owner(self.directory)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            ADMIN_ROLE,
            "--auth=reject",  # replaced below; nothing may log in before pg_hba.conf is ours
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        certificate, key = _self_signed_certificate()
        self._write(self.data / "server.crt", certificate, mode=0o644)
        self._write(self.data / "server.key", key, mode=0o600)  # PostgreSQL insists on 0600
        self._write(self.data / "pg_hba.conf", _PG_HBA.encode(), mode=0o600)
        last_error: StandInUnavailable | None = None
        for _ in range(_START_ATTEMPTS):
            self.port = free_loopback_port()
            self._configure()
            try:
                self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "start")
            except StandInUnavailable as exc:
                last_error = exc
                continue
            self._running = True
            atexit.register(self.stop)  # a run that ends without fixture teardown
            return self
        assert last_error is not None
        raise last_error

    def stop(self) -> None:
        if self._running:
            self._running = False
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _configure(self) -> None:
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": "''",  # TCP only; no shared socket directory needed
            "ssl": "on",
            "ssl_cert_file": "'server.crt'",
            "ssl_key_file": "'server.key'",
            "password_encryption": "'scram-sha-256'",
            # A scratch cluster: durability buys nothing.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
        }
        text = "".join(f"{name} = {value}\n" for name, value in settings.items())
        self._write(self.data / "postgresql.auto.conf", text.encode(), mode=0o600)

    # -- credentials and branches ---------------------------------------------------------

    @property
    def passwords(self) -> RolePasswords:
        """Its roles' passwords, following the fake's credentials (fake_workspace's
        postgres_backing, shared with `python -m fake_workspace --postgres`)."""
        return RolePasswords(self.admin_url)

    # -- running as the cluster's owner ------------------------------------------------------

    def _run(self, program: str, *args: str) -> None:
        owner = self._owner
        result = subprocess.run(
            [str(self.bindir / program), *args],
            capture_output=True,
            text=True,
            check=False,
            cwd=self.directory,
            user=owner.pw_uid if owner else None,
            group=owner.pw_gid if owner else None,
            extra_groups=[] if owner else None,
        )
        if result.returncode != 0:
            log = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise StandInUnavailable(
                f"{program} {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}{log}"
            )

    def _write(self, path: Path, content: bytes, *, mode: int) -> None:
        path.write_bytes(content)
        path.chmod(mode)
        self._give_to_owner(path)

    def _give_to_owner(self, path: Path) -> None:
        if self._owner is not None:
            os.chown(path, self._owner.pw_uid, self._owner.pw_gid)


# Where a cluster owned by another OS user may live, in order: the temporary directory this
# process was given, then the system-wide ones every user can enter.
_SHARED_TEMPORARY_DIRECTORIES = (Path("/tmp"), Path("/var/tmp"))


def _scratch_directory(owner: pwd.struct_passwd | None) -> Path:
    """A new directory for the cluster, in the first temporary directory its owner can enter
    (every folder on the way included)."""
    candidates = [Path(tempfile.gettempdir()), *_SHARED_TEMPORARY_DIRECTORIES]
    for base in candidates:
        if owner is None or reachable_by(owner, base):
            return Path(tempfile.mkdtemp(prefix="lakebase-standin-", dir=base))
    raise StandInUnavailable(
        f"the Lakebase stand-in's OS user `{owner.pw_name}` can enter none of "
        f"{', '.join(map(str, candidates))}; set TMPDIR to a directory it can reach"
    )


def reachable_by(user: pwd.struct_passwd, directory: Path) -> bool:
    """Can `user` enter `directory`? Asked of the system as that user, with the same groups the
    cluster's programs run with (so the modes of every parent and ACLs all count), rather than
    worked out from mode bits here."""
    result = subprocess.run(
        ["test", "-x", str(directory)],
        check=False,
        user=user.pw_uid,
        group=user.pw_gid,
        extra_groups=[],
    )
    return result.returncode == 0


def _cluster_owner() -> pwd.struct_passwd | None:
    """None: run the binaries as ourselves. As root (initdb refuses it): the `postgres` user."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError as exc:
        raise StandInUnavailable(
            "running as root, the Lakebase stand-in needs an OS user `postgres` to own its "
            "cluster (initdb refuses root); run as another user or create it"
        ) from exc
