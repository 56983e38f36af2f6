"""Small hostile inputs of issue 14 that used to give unusable Terraform or a confusing
failure: HCL keywords as names, outputs edac cannot own, producer names that collide as
statement ids."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from edac.api import compile_paths
from edac.io.write import write_output
from test_environments import run
from tftools import require_terraform, run_terraform

KEYWORDS = """version: 1
name: shop
tags: {for: x, "null": y, in: z}
teams:
  if: {alerts: {email: [a@b.example]}}
producers:
  orders: {source: com.a, team: if}
events:
  E: {producer: orders}
consumers:
  for: {team: if, container: {role: r}}
  "true": {team: if, container: {role: r2}}
routes:
  for: {events: [E], to: [for, "true"]}
"""


def test_hcl_keywords_as_names_give_valid_terraform(tmp_path: Path) -> None:
    """A consumer, route, team or tag key named `for` (or `true`, `null`, `in`, `if`): their
    keys are quoted, and terraform init and validate accept the output."""
    require_terraform()
    (tmp_path / "t.yaml").write_text(KEYWORDS)
    compiled = compile_paths([str(tmp_path / "t.yaml")])
    assert compiled.result.ok, [d.message for d in compiled.result.diagnostics]
    assert '"for" = {' in compiled.files["consumers.tf"]
    assert '"for"  = "x"' in compiled.files["providers.tf"]
    out = tmp_path / "out"
    write_output(out, compiled.files, compiled.manifest)
    run_terraform(["fmt", "-check", "-recursive", "-diff"], out)
    run_terraform(["init", "-backend=false", "-input=false", "-no-color"], out)
    report = json.loads(run_terraform(["validate", "-json", "-no-color"], out).stdout)
    assert report["valid"] is True, report


@pytest.mark.parametrize("output", ["", ".", "..", "HERE", "TOPOLOGY"])
@pytest.mark.parametrize("fmt", ["human", "json"])
def test_an_output_edac_cannot_own_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              output: str, fmt: str) -> None:
    """`-o ""`, the working directory, a parent of it, or the topology's own directory:
    E901 before anything is written (the lock neither)."""
    topology = tmp_path / "project" / "topology"
    topology.mkdir(parents=True)
    (topology / "t.yaml").write_text(KEYWORDS)
    monkeypatch.chdir(tmp_path / "project")
    given = {"HERE": os.getcwd(), "TOPOLOGY": "topology"}.get(output, output)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    status, stdout, stderr = run("compile", "topology", "-o", given, "--format", fmt)
    assert status == 1, stdout + stderr
    text = stdout if fmt == "json" else stderr
    assert "E901" in text and "Traceback" not in text
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_producers_whose_statement_ids_collide(tmp_path: Path) -> None:
    text = KEYWORDS.replace(
        "  orders: {source: com.a, team: if}\n",
        "  orders-api: {source: com.a, team: if, principals: [\"111111111111\"]}\n"
        "  orders_api: {source: com.b, team: if, organization: o-a1b2c3d4e5}\n"
        "  orders: {source: com.c, team: if}\n"
        "  ordersapi: {source: com.d, team: if, principals: [\"222222222222\"]}\n")
    (tmp_path / "t.yaml").write_text(text)
    status, stdout, _ = run("validate", "--format", "json", str(tmp_path / "t.yaml"))
    assert status == 1
    found = [d for d in json.loads(stdout)["diagnostics"] if d["code"] == "E601"]
    # orders-api vs ordersapi (both in the bus policy); orders_api and orders are not in it
    # with principals (an organization has ids of its own; orders has neither)
    assert [d["message"] for d in found] == [
        "producers `orders-api` and `orders_api` would get the same bus policy statement id "
        "`PutEventsordersapi`",
        "producers `orders-api` and `ordersapi` would get the same bus policy statement id "
        "`PutEventsordersapi`"]


def test_terraform_links_the_mirror_without_a_shared_cache(tmp_path: Path) -> None:
    """With a provider mirror, edac's CLI config names no plugin cache: init links the
    provider from the mirror, and concurrent inits (the e2e applies beside the tests' own)
    share nothing they could rewrite under each other."""
    require_terraform()
    from edac.io import terraform

    env = terraform.environment()
    mirror = env.get("EDAC_TF_MIRROR")
    if mirror is None:
        pytest.skip("a terraform CLI config of the user's own is in use")
    config = Path(env["TF_CLI_CONFIG_FILE"]).read_text()
    assert "plugin_cache_dir" not in config and mirror in config
    assert "TF_PLUGIN_CACHE_DIR" not in env
    (tmp_path / "main.tf").write_text(
        'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws", '
        'version = ">= 5.60, < 6.0" }\n  }\n}\n')
    run_terraform(["init", "-backend=false", "-input=false", "-no-color"], tmp_path)
    (link,) = (tmp_path / ".terraform" / "providers").rglob("linux_amd64")
    assert link.is_symlink() and str(link.resolve()).startswith(str(Path(mirror).resolve()))


POISON = """
import sys
from pathlib import Path
import jinja2
cache_dir, sentinel = Path(sys.argv[1]), sys.argv[2]
templates = Path(sys.argv[3])
payload = compile(f"open({sentinel!r}, 'w').write('ran')", "<poison>", "exec")
# every place a Jinja bytecode cache of edac's templates could be looked for
for where in (cache_dir / "templates", cache_dir / "facts" / "templates", cache_dir):
    where.mkdir(parents=True, exist_ok=True)
    bcc = jinja2.FileSystemBytecodeCache(str(where))
    env = jinja2.Environment(loader=jinja2.PackageLoader("edac.core.emit", "templates"),
                             bytecode_cache=bcc)
    for name in env.list_templates():
        source, filename, _ = env.loader.get_source(env, name)
        bucket = bcc.get_bucket(env, name, filename, source)
        bucket.code = payload
        bcc.set_bucket(bucket)
"""


def test_a_poisoned_cache_runs_nothing(tmp_path: Path) -> None:
    """Jinja bytecode planted in the cache directory (a CI cache restored from another
    branch, a shared EDAC_CACHE_DIR) is never loaded: compile runs no code from there."""
    import subprocess
    import sys

    from conftest import ROOT

    cache_dir, sentinel = tmp_path / "cache", tmp_path / "ran"
    subprocess.run([sys.executable, "-c", POISON, str(cache_dir), str(sentinel),
                    str(ROOT / "compiler" / "edac" / "core" / "emit" / "templates")],
                   check=True)
    assert len(list(cache_dir.rglob("*.cache"))) > 10, "the poison is in place"
    for home in (cache_dir, tmp_path / "xdg"):
        env = {**os.environ, "EDAC_CACHE_DIR": str(home), "XDG_CACHE_HOME": str(cache_dir)}
        proc = subprocess.run([sys.executable, "-m", "edac.cli", "compile",
                               str(ROOT / "examples" / "orders"), "-o", str(tmp_path / "out")],
                              capture_output=True, text=True, env=env)
        assert proc.returncode == 0, proc.stderr
        assert not sentinel.exists(), "code from the cache ran"


SCHEMA_TOPOLOGY = """version: 1
name: shop
producers:
  orders: {source: com.shop.orders, team: orders}
events:
  OrderPlaced: {producer: orders, schema: SCHEMA}
consumers:
  billing: {team: finance, lambda: {function: bill-order, timeout: 10s},
            queue: {visibility_timeout: 1m}}
routes:
  placed: {events: [OrderPlaced], to: [billing]}
"""


@pytest.mark.parametrize(("schema", "reason"), [
    ("/proc/self/environ", "outside the topology's directory"),
    ("/dev/zero", "outside the topology's directory"),
    ("../../../../../../../../etc/passwd", "outside the topology's directory"),
    ("fifo.json", "not a regular file"),
    ("zero.json", "outside the topology's directory"),  # a link to /dev/zero
    ("dir.json", "Is a directory"),
    ("environ.json", "outside the topology's directory"),
    ("huge.json", "larger than 1024 KiB"),
])
def test_schema_files_are_confined_regular_and_bounded(tmp_path: Path, schema: str,
                                                       reason: str) -> None:
    """A topology (from a pull request, say) cannot make edac read a file outside its tree,
    a device, a FIFO (which would block) or an endless file; the diagnostic is E301 at the
    `schema:` and shows none of the file's content."""
    import subprocess
    import sys

    topo = tmp_path / "topo"
    topo.mkdir()
    os.mkfifo(topo / "fifo.json")
    (topo / "dir.json").mkdir()
    (topo / "zero.json").symlink_to("/dev/zero")
    (topo / "environ.json").symlink_to("/proc/self/environ")
    (topo / "huge.json").write_text('{"description": "' + "x" * (1 << 20) + '"}')
    (topo / "topology.yaml").write_text(SCHEMA_TOPOLOGY.replace("SCHEMA", schema))
    env = {**os.environ, "EDAC_SECRET_PROBE": "s3cr3t-value"}
    proc = subprocess.run([sys.executable, "-m", "edac.cli", "validate", "--format", "short",
                           str(topo / "topology.yaml")], capture_output=True, text=True,
                          env=env, timeout=60)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout + proc.stderr
    assert "E301" in out and reason in out, out
    assert "topology.yaml:6:" in out
    assert "s3cr3t" not in out and "root:" not in out and "xxxx" not in out


def test_schema_path_names_another_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Schemas kept outside the topology's tree are read from a directory EDAC_SCHEMA_PATH
    names, and only from there."""
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "order.json").write_text('{"type": "object"}')
    topo = tmp_path / "topo"
    topo.mkdir()
    (topo / "topology.yaml").write_text(SCHEMA_TOPOLOGY.replace("SCHEMA", "../shared/order.json"))
    code, _, err = run("validate", "--format", "short", str(topo))
    assert code == 1 and "E301" in err
    monkeypatch.setenv("EDAC_SCHEMA_PATH", str(shared))
    code, out, err = run("validate", "--format", "short", str(topo))
    assert code == 0, out + err


def test_integers_past_what_aws_takes_are_refused(tmp_path: Path) -> None:
    """A 20-digit `archive_days` once passed validation and reached bus.tf (the API takes a
    32-bit integer): now E104 at its line, nothing written."""
    import shutil

    from conftest import ROOT

    topo = tmp_path / "topo"
    shutil.copytree(ROOT / "examples" / "orders", topo)
    text = (topo / "topology.yaml").read_text()
    (topo / "topology.yaml").write_text(text.replace("archive_days: 30",
                                                     "archive_days: 99999999999999999999"))
    code, _, err = run("compile", str(topo), "-o", str(tmp_path / "out"))
    assert code == 1 and "E104" in err and "at most 2147483647" in err
    assert not (tmp_path / "out").exists()
