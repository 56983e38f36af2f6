"""The AWS side of the operations commands: one boto3 session (region and credentials from
the usual AWS configuration, `--region`, `--profile`, or a sandbox's local endpoint), and
every error botocore can raise turned into a coded diagnostic (E921, E922) instead of a
traceback."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from edac.core.diagnostics import Failure, failure

# the emulator's fixed identity (edac.sandbox.emulator): any key works there
SANDBOX_REGION = "us-east-1"


@dataclass(frozen=True)
class Target:
    """Where the commands act: the account and region of the usual AWS configuration (or
    `region`/`profile`), or a local endpoint (`endpoint_url`, the sandbox's)."""

    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    sandbox: bool = False  # the endpoint is `edac sandbox`'s emulator (any credentials work)

    def describe(self) -> str:
        if self.sandbox:
            return f"the sandbox at {self.endpoint_url}"
        return f"the endpoint {self.endpoint_url}" if self.endpoint_url else "AWS"


class NotFound(Exception):
    """A resource the topology names does not exist where the command looked."""


@dataclass
class Aws:
    """Clients for one target, created on first use."""

    target: Target
    _session: Any = field(default=None, repr=False)
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)
    _account: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        try:
            import boto3  # type: ignore[import-untyped]
            import botocore.exceptions  # type: ignore[import-untyped]
        except ImportError:
            raise failure("E907", "the operations commands need boto3, which is not installed",
                          help="pip install 'edac[aws]' (from a clone of edac: "
                          "pip install '.[aws]')", exit_code=2) from None
        try:
            if self.target.sandbox:
                self._session = boto3.session.Session(
                    aws_access_key_id="testing", aws_secret_access_key="testing",
                    region_name=SANDBOX_REGION)
            else:
                self._session = boto3.session.Session(profile_name=self.target.profile,
                                                      region_name=self.region_setting())
        except botocore.exceptions.ProfileNotFound:
            raise failure("E922", f"there is no AWS profile `{self.target.profile}`",
                          help="name a profile of ~/.aws/config, or leave out --profile") from None
        if not self._session.region_name:
            raise failure("E922", "no AWS region is configured",
                          help="give --region, or set AWS_REGION (or a region in the profile)")

    def region_setting(self) -> str | None:
        """--region, else AWS_REGION, else what boto3 finds (AWS_DEFAULT_REGION, the
        profile's `region`): the order of the AWS SDKs and CLI v2, where AWS_REGION wins over
        AWS_DEFAULT_REGION (https://docs.aws.amazon.com/sdkref/latest/guide/feature-region.html);
        boto3 alone never reads AWS_REGION."""
        return self.target.region or os.environ.get("AWS_REGION") or None

    @property
    def region(self) -> str:
        return str(self._session.region_name)

    @property
    def partition(self) -> str:
        return str(self._session.get_partition_for_region(self.region))

    def client(self, service: str) -> Any:
        from botocore.config import Config  # type: ignore[import-untyped]

        with self._lock:
            if service not in self._clients:
                config = Config(retries={"mode": "standard", "max_attempts": 3},
                                connect_timeout=5, read_timeout=30)
                self._clients[service] = self._session.client(
                    service, endpoint_url=self.target.endpoint_url, config=config)
            return self._clients[service]

    @property
    def account(self) -> str:
        """The account the credentials belong to (STS GetCallerIdentity): also how a command
        finds out, before anything else, that there are no usable credentials."""
        if self._account is None:
            with self.calls("find the account of the credentials"):
                self._account = str(self.client("sts").get_caller_identity()["Account"])
        return self._account

    def where(self) -> str:
        """`account A, region R` (or the sandbox)."""
        if self.target.sandbox:
            return self.target.describe()
        where = f"account {self.account}, region {self.region}"
        return f"{where} at {self.target.endpoint_url}" if self.target.endpoint_url else where

    def arn(self, service: str, resource: str) -> str:
        return f"arn:{self.partition}:{service}:{self.region}:{self.account}:{resource}"

    @contextlib.contextmanager
    def calls(self, doing: str) -> Iterator[None]:
        """Turn what botocore raises while `doing` into a diagnostic: no credentials, access
        denied, an endpoint out of reach (E922); a resource that does not exist is NotFound,
        for the caller to say which (E921)."""
        import botocore.exceptions

        try:
            yield
        except (botocore.exceptions.NoCredentialsError,
                botocore.exceptions.PartialCredentialsError) as exc:
            raise failure("E922", f"no AWS credentials to {doing}: {exc}",
                          help="configure credentials (aws configure, AWS_PROFILE, SSO login), "
                          "or give --profile") from None
        except botocore.exceptions.TokenRetrievalError as exc:
            raise failure("E922", f"the AWS credentials expired: {exc}",
                          help="log in again (aws sso login)") from None
        except botocore.exceptions.EndpointConnectionError as exc:
            raise failure("E922", f"cannot reach {self.target.describe()} to {doing}: {exc}",
                          help="check the network, --region, or that the sandbox is up") from None
        except botocore.exceptions.ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            message = str(error.get("Message", "")) or code
            if code in _NOT_FOUND:
                raise NotFound(message) from None
            if "AccessDenied" in code or code in ("UnauthorizedOperation",
                                                  "InvalidClientTokenId",
                                                  "UnrecognizedClientException",
                                                  "ExpiredToken", "ExpiredTokenException"):
                raise failure("E922", f"AWS refused to {doing}: {code}: {message}",
                              help="use credentials allowed to operate the topology's queues, "
                              "bus and archive (or another --profile)") from None
            raise failure("E922", f"AWS failed to {doing}: {code}: {message}") from None
        except botocore.exceptions.BotoCoreError as exc:
            raise failure("E922", f"cannot {doing}: {exc}") from None


_NOT_FOUND = {
    "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist",
    "ResourceNotFoundException", "ResourceNotFound",
}


def not_deployed(what: str, aws: Aws) -> Failure:
    """E921: the topology names a resource that is not where the command looked."""
    return failure("E921", f"{what} does not exist in {aws.where()}",
                   help="is the topology deployed there? Give the --region and --profile of "
                   "the deployment (or --sandbox for `edac sandbox`)")
