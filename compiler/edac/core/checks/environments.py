"""The compiled environment: its name, account and region are usable, and nothing shared by
every environment points into the account of another one."""

from __future__ import annotations

import re
from collections.abc import Iterator

from edac.core.checks._util import diag
from edac.core.checks.aws_names import NAME
from edac.core.diagnostics import Diagnostic
from edac.core.ir import Origin, Topology

# an AWS account id is 12 digits
# (https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-identifiers.html)
ACCOUNT = re.compile(r"^\d{12}$")
# a region code: `us-east-1`, `eu-central-2`, `us-gov-west-1`, `ap-southeast-5`
# (https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html)
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
# the account field of an ARN: arn:partition:service:region:account:resource
ARN_ACCOUNT = re.compile(r"^arn:[a-z-]+:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):")


def compiled_environment(topo: Topology) -> Iterator[Diagnostic]:
    if topo.environment is None or topo.environment not in topo.environments:
        return
    _, origin = topo.environments[topo.environment]
    if not NAME.fullmatch(topo.environment):
        yield diag(topo, "E601", f"environment `{topo.environment}` is not usable in AWS "
                   "names", origin, key=True, label="invalid name",
                   help="use letters, digits, `-` and `_` only (it is part of every name)")
    if topo.account is not None and not ACCOUNT.fullmatch(topo.account):
        yield diag(topo, "E744", f"environment `{topo.environment}`: `{topo.account}` is not an "
                   "AWS account id", origin, "account", label="not 12 digits",
                   help="an account id is 12 digits, quoted so that YAML keeps leading "
                   "zeros: `account: \"012345678901\"`")
    if topo.region is not None and not REGION.fullmatch(topo.region):
        yield diag(topo, "E744", f"environment `{topo.environment}`: `{topo.region}` is not an "
                   "AWS region", origin, "region", label="not a region code",
                   help="a region code such as `us-east-1` or `eu-central-1`")


# an AWS Organizations id: o- and 10-32 lowercase letters or digits
# (https://docs.aws.amazon.com/organizations/latest/APIReference/API_Organization.html)
ORGANIZATION = re.compile(r"^o-[a-z0-9]{10,32}$")


def organizations(topo: Topology) -> Iterator[Diagnostic]:
    for p in topo.producers.values():
        if p.organization is not None and not ORGANIZATION.fullmatch(p.organization):
            yield diag(topo, "E744", f"producer `{p.name}`: `{p.organization}` is not an AWS "
                       "Organizations id", p.origin, "organization", label="not o-...",
                       help="the id `o-` and 10-32 lowercase letters or digits, as "
                       "`aws organizations describe-organization` prints it")


def _shared_arns(topo: Topology) -> Iterator[tuple[str, Origin, tuple[str | int, ...]]]:
    """(value, origin, path below it) of every ARN or account id the topology gives."""
    for p in topo.producers.values():
        for i, principal in enumerate(p.principals):
            yield principal, p.origin, ("principals", i)
    for c in topo.consumers.values():
        if c.container is not None:
            yield c.container.role, c.origin, ("container", "role")
        if c.lambda_ is not None:
            yield c.lambda_.function, c.origin, ("lambda", "function")
            if c.lambda_.role:
                yield c.lambda_.role, c.origin, ("lambda", "role")
        # these two may come from `defaults:`: where their value was written
        if c.alarms.notify:
            yield c.alarms.notify, c.alarms.origins.get("notify", c.origin), ()
        if c.queue.kms_key and c.queue.kms_key != "create":
            yield c.queue.kms_key, c.queue.origins.get("kms_key", c.origin), ()
    for team in topo.declared_teams.values():
        if team.topic:
            yield team.topic, team.origin, ("alerts", "topic")


def other_accounts(topo: Topology) -> Iterator[Diagnostic]:
    """W745: compiling environment E (account A), a value every environment shares names
    the account of another environment: E's resources would use the other's."""
    if topo.account is None or topo.environment is None:
        return
    owners = {account: name for name, (account, _) in topo.environments.items()
              if account is not None and account != topo.account}
    if not owners:
        return
    seen: set[tuple[str, Origin, tuple[str | int, ...]]] = set()
    for value, origin, sub in _shared_arns(topo):
        found = ARN_ACCOUNT.match(value)
        account = found.group(1) if found else value if ACCOUNT.fullmatch(value) else None
        if account not in owners or topo.overridden(origin, *sub) or \
                (value, origin, sub) in seen:
            continue
        seen.add((value, origin, sub))
        other = owners[account]
        yield diag(topo, "W745", f"in environment `{topo.environment}` (account "
                   f"{topo.account}) this points into account {account}, that of "
                   f"environment `{other}`", origin, *sub,
                   label=f"the `{other}` account's",
                   help=f"give it per environment under `environments.{topo.environment}` "
                   "(or, for a role or function of each account, by name instead of ARN)")


CHECKS = (compiled_environment, other_accounts, organizations)
