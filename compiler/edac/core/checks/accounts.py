"""Producers and consumers in accounts of their own (`accounts:` and `account: NAME`).

- E744: a named account whose id is not 12 digits;
- E746: an `account:` that names no declared account (with did-you-mean);
- E747: an ARN of the element (its role, its function, its principals) in another account
  than the one it lives in;
- E607: a consumer of another account whose queue key is given by alias (the delivery role
  is granted it by ARN);
- E748: an element in another account than the bus's while the bus's account or region is
  not known (EventBridge delivers to another account's queue only in the bus's Region, through
  a role of the bus's account: both go into the ARNs the accounts' roots are wired by).
"""

from __future__ import annotations

from collections.abc import Iterator

from edac.core.checks._util import diag
from edac.core.checks.environments import ACCOUNT, ARN_ACCOUNT
from edac.core.diagnostics import Diagnostic
from edac.core.ir import Consumer, Origin, Producer, Topology
from edac.core.load import did_you_mean
from edac.core.policies import KEY_ARN


def account_ids(topo: Topology) -> Iterator[Diagnostic]:
    for name, (account, origin) in topo.accounts.items():
        if not ACCOUNT.fullmatch(account):
            yield diag(topo, "E744", f"account `{name}`: `{account}` is not an AWS account id",
                       Origin(origin.file, origin.path[:-1]), origin.path[-1],
                       label="not 12 digits", help="an account id is 12 digits, quoted so "
                       "that YAML keeps leading zeros: `payments: \"012345678901\"`")


def _elements(topo: Topology) -> Iterator[tuple[str, Producer | Consumer]]:
    yield from (("producer", p) for p in topo.producers.values())
    yield from (("consumer", c) for c in topo.consumers.values())


def named_accounts(topo: Topology) -> Iterator[Diagnostic]:
    """E746 and E748."""
    for kind, element in _elements(topo):
        if element.account is None:
            continue
        if element.account not in topo.accounts:
            guess = did_you_mean(element.account, set(topo.accounts))
            yield diag(topo, "E746", f"{kind} `{element.name}` lives in account "
                       f"`{element.account}`, which is not declared", element.origin,
                       "account", label="no such account",
                       help=f"did you mean `{guess}`?" if guess else
                       "declare it under `accounts:` (name: 12-digit id), or leave `account:` "
                       "out (the bus's account)")
            continue
        account = topo.account_id(element.account)
        if account == topo.account or (topo.account is not None and topo.region is not None):
            continue
        missing = " and ".join(w for w, v in (("account", topo.account),
                                              ("region", topo.region)) if v is None)
        where = (f"environment `{topo.environment}`" if topo.environment in topo.environments
                 else "the topology")
        yield diag(topo, "E748", f"{kind} `{element.name}` lives in account "
                   f"`{element.account}` ({account}), but {where} gives no bus {missing}",
                   element.origin, "account", label="another account than the bus's",
                   help="declare the environment with its `account:` and `region:` (the "
                   "bus's): the bus delivers to other accounts through a role of its "
                   "account, in its Region only")


def _arns(kind: str, element: Producer | Consumer) -> Iterator[tuple[str, tuple[str | int, ...],
                                                                    str]]:
    """(ARN, path below the element, what it is) of the element's own ARNs."""
    if isinstance(element, Producer):
        for i, principal in enumerate(element.principals):
            yield principal, ("principals", i), "principal"
        return
    if element.container is not None:
        yield element.container.role, ("container", "role"), "role"
    if element.lambda_ is not None:
        yield element.lambda_.function, ("lambda", "function"), "function"
        if element.lambda_.role:
            yield element.lambda_.role, ("lambda", "role"), "role"


def arns_in_their_account(topo: Topology) -> Iterator[Diagnostic]:
    """E747: an element's role, function or principal ARN in another account than the one
    the element lives in."""
    for kind, element in _elements(topo):
        if element.account is None or element.account not in topo.accounts:
            continue
        account = topo.account_id(element.account)
        for value, sub, what in _arns(kind, element):
            found = ARN_ACCOUNT.match(value)
            if found is None or found.group(1) == account:
                continue
            yield diag(topo, "E747", f"{kind} `{element.name}` lives in account "
                       f"`{element.account}` ({account}), but its {what} is in account "
                       f"{found.group(1)}", element.origin, *sub,
                       label=f"not in account {account}",
                       help=(f"give a principal of account `{element.account}`"
                             if what == "principal" else
                             f"give the {what} of account `{element.account}` (a name is "
                             "looked up in that account)") + f", or move the {kind} with "
                       "`account:`")


def remote_keys(topo: Topology) -> Iterator[Diagnostic]:
    """E607: a consumer of another account whose queues use a key given by alias: the bus's
    delivery role is granted the key by its ARN (an alias names no key in IAM)."""
    for c in topo.consumers.values():
        key = c.queue.kms_key
        if topo.remote(c) is None or key is None or key == "create" or KEY_ARN.match(key):
            continue
        yield diag(topo, "E607", f"consumer `{c.name}` lives in account `{c.account}`: its "
                   f"queue key `{key}` must be given as a key ARN", c.queue.origins.get(
                       "kms_key", c.origin), *(() if "kms_key" in c.queue.origins
                                               else ("queue", "kms_key")),
                   label="not a key ARN", help="the bus's delivery role sends to the queue "
                   "of another account and needs kms:GenerateDataKey on the key, which IAM "
                   "grants by key ARN: give `arn:aws:kms:REGION:ACCOUNT:key/ID` (or "
                   "`kms_key: create`)")


CHECKS = (account_ids, named_accounts, arns_in_their_account, remote_keys)
