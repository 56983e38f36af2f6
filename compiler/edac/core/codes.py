"""The catalogue of diagnostic codes: a stable id (its letter is the severity), a title, and the
long explanation shown by `edac explain CODE`. The README's list is generated from here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: str
    title: str
    explanation: str


_CATALOGUE = [
    # -- reading files (E0xx)
    Code("E001", "invalid YAML", "The file is not valid YAML. The message gives the parser's "
         "reason and the position where it stopped; the most common causes are tabs used for "
         "indentation and unquoted values containing `: ` or starting with `@` or a backtick."),
    Code("E002", "duplicate key", "A mapping has the same key twice. YAML would silently keep "
         "only one of them, so edac refuses the file and shows both places."),
    Code("E003", "empty file or several documents", "A topology file holds exactly one YAML "
         "document, a mapping that starts with `version: 1`."),
    Code("E004", "cannot read the input", "A path given on the command line does not exist, a "
         "directory holds no `*.yaml`/`*.yml` files, or a file is not UTF-8 text."),
    Code("E005", "unsupported YAML", "Keys must be plain scalars, merge keys (`<<`) must name "
         "mappings, and a file may not expand to more than 200,000 values (recursive or "
         "exploding aliases)."),
    # -- shape of a file (E1xx)
    Code("E101", "unknown key", "The key is not part of the topology format at this place. It is "
         "usually a typo: the help line suggests the nearest known key. Every key is listed in "
         "the README's format reference and in schemas/topology.v1.schema.json."),
    Code("E102", "missing required field", "A required field is absent, e.g. `source` of a "
         "producer, `producer` of an event type, `to` (or `forward`) of a route, or `version` "
         "of a file."),
    Code("E103", "wrong type", "The value has the wrong type: a text where a number is expected, "
         "a mapping where a list is expected, and so on. Numbers that must be text (tag "
         "values, say) need quotes: `\"1234\"`."),
    Code("E104", "value out of range", "The value is outside the range AWS accepts for it (for "
         "example a visibility timeout of at most 12 h, a retention between 1 minute and 14 "
         "days, a maxReceiveCount between 1 and 1,000, retry attempts at most 185)."),
    Code("E105", "invalid value", "The value is not one of the accepted forms, e.g. a duration "
         "that is neither seconds nor a number followed by `s`, `m`, `h` or `d`."),
    Code("E106", "unsupported version", "Every topology file starts with `version: 1`, the only "
         "version of the format so far."),
    Code("E107", "consumer kind", "A consumer is either a Lambda function (`lambda:`) or a "
         "container/worker with an IAM role (`container:`): exactly one of the two."),
    Code("E108", "route needs events or a pattern", "A route selects its events either with "
         "`events:` (event types, optionally narrowed by `filter:`) or with a raw EventBridge "
         "`pattern:`, exactly one of the two. `filter` only goes with `events`."),
    # -- names and references (E2xx)
    Code("E201", "unknown consumer", "A route's `to:` names a consumer that is not declared under "
         "`consumers:` in any file of the topology."),
    Code("E202", "unknown event type", "A route's `events:` names an event type (detail-type) "
         "that is not declared under `events:`."),
    Code("E203", "unknown producer", "An event type's `producer:` names a producer that is not "
         "declared under `producers:`."),
    Code("E204", "name defined twice", "Producer, event, consumer and route names are global "
         "across all files of a topology; each may be defined once."),
    Code("E205", "system setting given twice", "`environment`, `tags`, `bus` and `defaults` "
         "describe the whole system and are given once, in any one file."),
    Code("E206", "files disagree on the system name", "Files may repeat `name` to say which "
         "system they belong to, but all of them must give the same name."),
    Code("E207", "system name missing", "One file must give the system `name`: it prefixes "
         "every AWS resource name."),
    Code("E208", "previous name clashes", "A name listed under `previously:` is in use by "
         "another element of the same kind, or is listed twice."),
    Code("E209", "unknown bus", "A route's `forward:` names a bus that is not declared under "
         "`buses:` (the buses of other domains that routes forward events to)."),
    # -- event schemas (E3xx)
    Code("E301", "schema file missing", "An event type's `schema:` names a file that cannot be "
         "read. The path is relative to the topology file that declares the event. edac reads "
         "schema files only from inside the topology's directory or its git work tree (links "
         "followed) and from the directories `EDAC_SCHEMA_PATH` lists, and only regular files "
         "of at most 1 MiB: a topology cannot make edac read `/etc/passwd`, a device or a "
         "FIFO."),
    Code("E302", "invalid JSON Schema", "The event schema is not valid JSON, or not a valid JSON "
         "Schema (checked against the draft it declares, 2020-12 by default)."),
    # -- patterns (E4xx)
    Code("E401", "invalid filter", "A route's `filter` is an EventBridge pattern fragment "
         "matched against the event's `detail`: a mapping whose leaves are non-empty lists of "
         "values or operators (`prefix`, `suffix`, `anything-but`, `numeric`, `exists`, "
         "`equals-ignore-case`, `cidr`, `wildcard`, `$or`)."),
    Code("E402", "invalid event pattern", "The final event pattern of a route would be rejected "
         "by EventBridge. The message gives AWS's reason."),
    Code("E403", "event pattern too large", "EventBridge accepts patterns of at most 2,048 "
         "characters by default. Split the route or simplify its filter."),
    Code("E404", "filter field not in the event schemas", "A route's filter names a field of "
         "`detail` that none of the JSON Schemas of the route's events has. EventBridge would "
         "silently drop every event. The help line suggests the nearest field name."),
    Code("E405", "filter value the schemas rule out", "A value in a route's filter can never "
         "match: it is outside the field's `enum`, or of a type the schema does not allow (a "
         "`numeric` operator on a text field, text on a boolean field)."),
    Code("E406", "dead route", "Each condition of the route's filter can match some event the "
         "route takes, but no single event can satisfy all of them at once, so the route "
         "never delivers anything."),
    Code("E407", "pattern field no event has", "A route's raw `pattern` names a top-level "
         "field that no event on the bus has: events have only the envelope's fields "
         "(`version`, `id`, `detail-type`, `source`, `account`, `time`, `region`, `resources`, "
         "`detail`). `detailType` for `detail-type` is the usual slip; fields of the event's "
         "content go under `detail`."),
    Code("E408", "pattern source or detail-type no producer has", "A route's raw `pattern` "
         "matches a `source` that no producer of the topology has, or a `detail-type` that no "
         "event type of those producers has. Only the producers' events reach the topology's "
         "bus, so the route never matches."),
    Code("E409", "event type the filter rules out", "A route takes several event types, and "
         "its filter can never match one of them: a field it filters on is not in that event "
         "type's schema, or a value is outside it. The route looks alive (other event types "
         "match) but never delivers that one. Remove the event type from `events`, or fix "
         "the filter or the schema."),
    Code("E410", "`$or` branch that can never match", "One branch of a filter's `$or` can "
         "never match any event the route takes (a field or value the schemas rule out, "
         "alone or together with the conditions outside the `$or`). EventBridge accepts it, "
         "and it silently matches nothing."),
    # -- queues and consumers (E5xx / W5xx)
    Code("E501", "FIFO settings", "FIFO queues need FIFO-compatible settings: Lambda batch size "
         "at most 10 and no batching window; `message_group` only on FIFO queues."),
    Code("E502", "Lambda timeout above visibility timeout", "Lambda refuses an event source "
         "mapping whose function timeout exceeds the queue's visibility timeout; messages "
         "would also be delivered twice while still being processed."),
    Code("W503", "visibility timeout below 6x the function timeout", "AWS recommends a visibility "
         "timeout of at least six times the function timeout plus the batching window, so "
         "that retries after throttling do not make messages visible again too early."),
    Code("W504", "DLQ retention not longer than the queue's", "A message moved to a standard "
         "dead-letter queue keeps its original enqueue time; when the DLQ's retention is not "
         "longer than the queue's, the message can be deleted as soon as it arrives there."),
    Code("W506", "idempotency records expire before the retries end", "EventBridge retries a "
         "delivery for up to the route's `retry.max_age` (1 h by default), and each retry "
         "that reaches the queue is a new message with the same event id. An idempotency "
         "record kept for less time than that lets such a duplicate be processed again. Keep "
         "records at least as long as the longest `max_age` of the routes to the consumer."),
    Code("E505", "Lambda batching", "A Lambda batch size above 10 needs a batching window of at "
         "least 1 second."),
    # -- AWS names and limits (E6xx / W6xx)
    Code("E601", "invalid name", "Producer, consumer and route names, the system name, the "
         "environment and team names become parts of AWS resource names: letters, digits, "
         "`-` and `_` only (routes may also use `.`)."),
    Code("E602", "AWS name too long", "A final AWS resource name (system name, environment and "
         "suffixes included) exceeds its AWS limit: 80 characters for SQS queues, 64 for "
         "EventBridge rules, 256 for buses and SNS topics, 255 for DynamoDB tables."),
    Code("E603", "invalid tag", "Tag keys are 1-128 and values 0-256 characters of letters, "
         "digits, spaces and `_ . : / = + - @`; keys may not start with `aws:`."),
    Code("E604", "invalid bus", "A custom bus name is 1-256 characters of letters, digits, "
         "`.`, `-` and `_`, and may not be `default`."),
    Code("E605", "invalid detail-type", "Event type names are EventBridge detail-types: 1-128 "
         "printable characters."),
    Code("E606", "invalid source", "A producer's `source` is 1-256 printable characters; "
         "sources starting with `aws.` are reserved for AWS services, whose events only arrive "
         "on the default bus."),
    Code("E607", "invalid ARN", "The value must be an ARN of the expected service (an SNS topic "
         "for `alarms.notify`, an IAM principal or a 12-digit account id for `principals`)."),
    Code("E609", "AWS managed key on a queue", "The AWS managed key `alias/aws/sqs` (like "
         "every `alias/aws/...` key) has a key policy nobody can change, and it does not let "
         "events.amazonaws.com generate data keys, so EventBridge cannot put a single event on "
         "the queue: every delivery fails. Use `kms_key: create` (edac makes a key whose policy "
         "admits EventBridge for exactly the rules that feed the queue), your own customer key, "
         "or no `kms_key` for SSE-SQS."),
    Code("E610", "text Terraform would change", "Terraform normalizes every string to Unicode "
         "NFC, so text in another form (decomposed accents, compatibility ideographs) would "
         "reach AWS changed, and a filter or detail-type would match other events than "
         "written. Write the text in NFC; the message shows it."),
    Code("W608", "many rules on the bus", "A bus holds 300 rules by default (100 in some "
         "regions); the topology compiles to more. Ask AWS for a quota increase first."),
    # -- changes across compiles (E8xx)
    Code("E801", "the compile would destroy queues", "The lock (or, before there is one, "
         "the output directory's manifest) records a consumer whose queues this compile would "
         "destroy, and every message in them: the consumer left the topology, or its queue "
         "names change (a FIFO switch, a new system name or environment). If the consumer was "
         "renamed, list its old name under `previously:`. Otherwise choose per consumer: "
         "`--forget NAME` keeps the queues in AWS and stops managing them (Terraform `removed` "
         "blocks with `destroy = false`), `--allow-destroy NAME` deletes them. The choice is "
         "recorded in the lock: the next compile, on any machine, needs no flag."),
    Code("E803", "the compile would destroy the archive", "The bus's archive holds every "
         "event for replay; removing `archive_days` (or renaming the system, which renames "
         "the archive) deletes it. Keep `archive_days`, or choose `--allow-destroy bus.archive`"
         " (the choice is recorded in the lock). Terraform cannot leave the archive behind "
         "while the bus module declares it, so it cannot be forgotten."),
    Code("E804", "the compile would destroy the idempotency table", "The idempotency table "
         "holds the ids of the events consumers have processed; deleting it (no consumer asks "
         "for `idempotency` any more, or the system was renamed) lets duplicates through "
         "again. Choose `--forget idempotency.table` (kept in AWS, no longer managed) or "
         "`--allow-destroy idempotency.table`."),
    Code("E805", "the compile would delete a customer key", "A consumer that no longer asks "
         "for `kms_key: create` loses the key edac made for its queues: after the key's "
         "waiting period, the messages still encrypted with it cannot be read. Keep `kms_key: "
         "create`, or choose `--forget NAME` (the key stays in AWS) or `--allow-destroy NAME`."),
    Code("E806", "the lock would change", "With `--locked` (and in `edac lock --check`) the "
         "compile must leave the lock as committed: it would record other resources, rule "
         "splits, renames or decisions. Run `edac compile` without `--locked`, review the "
         "lock's change and commit it with the topology."),
    Code("W807", "the output's manifest and the lock disagree", "The output directory was "
         "compiled from another lock (or by an edac before locks): its manifest records "
         "queues the lock does not. The lock wins; the warning names what differs."),
    Code("E811", "the lock file is unreadable", "`edac.lock` is not JSON (truncated, or "
         "edited by hand), or cannot be read. Restore it from version control, or delete it "
         "to start a new lock from the topology (then nothing the old lock recorded is "
         "guarded)."),
    Code("E812", "the lock file is malformed", "A value of `edac.lock` is not what edac "
         "writes there. Restore it from version control: the lock is written by `edac "
         "compile`."),
    Code("E813", "the lock file is from a newer edac", "The lock has a format this edac does "
         "not read: upgrade edac, as whoever wrote it did."),
    Code("E802", "nothing to destroy or forget", "`--allow-destroy` or `--forget` named a "
         "consumer whose queues this compile would not destroy."),
    # -- the consumer kit (E83x)
    Code("E831", "a schema the kit cannot type", "`edac generate` types every event's `detail` "
         "from its JSON Schema: objects, arrays, scalars, `enum`, `const`, local `$ref`s to "
         "`$defs`, `anyOf`/`oneOf`. A keyword outside that (`patternProperties`, `not`, "
         "`if`/`then`, tuple `items`, ...) would type the detail looser than the schema says, "
         "so it is refused at the schema path the message gives; so are two properties that "
         "are the same name in Python."),
    Code("E832", "names that clash in the generated code", "Two event types, consumers or "
         "producers become the same Python name (`order-sync` and `order_sync` are both "
         "`order_sync`): rename one."),
    Code("E833", "a name that makes no Python name", "An event type (its detail-type) becomes "
         "a class name and the system name the package name: they must start with a letter "
         "once their other characters are dropped (`2024 Placed` does not)."),
    # -- what stops a command (E9xx): the command line, the files around the topology, tools
    Code("E901", "cannot write the output", "`edac compile` writes its output directory all at "
         "once, and never over a file it did not write: the output path is a file, or the "
         "directory holds a file of the same name as one edac generates that edac did not "
         "write (move it away or choose another directory), or the filesystem refused (no "
         "space, no permission). Nothing was written."),
    Code("E902", "cannot read the base of the diff", "`edac diff --base` takes the path of the "
         "base topology or a git ref (branch, tag, commit) whose tree holds the same paths. "
         "The value is neither, git could not be run, or a path lies outside the repository."),
    Code("E903", "the base of the diff has errors", "The base topology does not load, so the "
         "change cannot be compared with it; its own diagnostics follow. Fix the base (or "
         "compare with another one)."),
    Code("E904", "unknown name on the command line", "A team, consumer or event type given to "
         "`--team`, `--consumer` or `--event`, or a code given to `edac explain`, is not in "
         "the topology (or the catalogue). The message lists the known ones."),
    Code("E905", "diagram too large for Mermaid", "Mermaid draws at most 500 edges and 50,000 "
         "characters. Draw a part of the topology with `--team`, `--consumer` or `--event` "
         "(repeatable; together they add up)."),
    Code("E906", "not a usable event", "The event file cannot be read, is not JSON, or is "
         "not an event: give an event as EventBridge delivers it (`source`, `detail-type`, "
         "`detail`) or a PutEvents entry (`Source`, `DetailType`, `Detail` as JSON text)."),
    Code("E907", "a tool is missing", "The command needs a tool that is not installed: "
         "terraform on the PATH, or the local AWS emulator (`pip install '.[sandbox]'` from a "
         "clone of edac: boto3 and moto's server). The message says which."),
    Code("E908", "no sandbox here", "`edac sandbox send` and friends act on a sandbox started "
         "with `edac sandbox up TOPOLOGY` in the same state directory (`--dir`); none is up "
         "there, or its emulator stopped. Start one (again) with `edac sandbox up`."),
    Code("E909", "terraform failed", "A terraform command that the sandbox ran failed; its "
         "output follows in the message. The compiled output and the state are left in the "
         "sandbox's directory for a look."),
    Code("E910", "the local AWS emulator failed", "The emulator did not start (its log "
         "follows), or refused a request (PutEvents rejected an event)."),
    Code("E911", "which environment?", "The topology declares several environments and "
         "no `environment:` to compile by default: give --environment NAME."),
    Code("E912", "the export needs an owner", "`edac export backstage` gives the System "
         "entity, the bus and what has no team an owner: a group of the Backstage catalog. "
         "Give `--owner GROUP`, or tag the topology with `owner` (`tags: {owner: GROUP}`)."),
    Code("E913", "the sandbox's accounts do not fit", "`edac sandbox up` runs a topology of "
         "one account on an emulator of one account, and one with Terraform roots for other "
         "accounts on an emulator of several (each root applied in its account): the running "
         "emulator was started for the other kind (`edac sandbox down`, then up again). On a "
         "sandbox of several accounts, `--sandbox` cannot say which account an operations "
         "command acts in: give `--endpoint-url` and credentials of a role assumed in that "
         "account."),
    # -- operating a deployed topology (E92x): status, dlq show, redrive, replay
    Code("E921", "not deployed there", "The topology names a queue, rule or archive that does "
         "not exist in the account and region the command looked in (the usual AWS "
         "configuration, `--region`, `--profile`), or in the sandbox (`--sandbox`). Deploy "
         "it (`terraform apply` of the compiled output), or point the command at the "
         "deployment."),
    Code("E922", "AWS cannot be used", "No AWS credentials or region are configured, the "
         "profile does not exist, the credentials expired, AWS refused the call (access "
         "denied), or the endpoint cannot be reached. The message gives AWS's own reason. "
         "Also: credentials of an account the environment is not deployed to, or of another "
         "account than the one a command's queues are in (a consumer's, or the bus's for "
         "`replay`)."),
    Code("E923", "refused: it would move the wrong things", "An option asks for something that "
         "moves nothing or would do harm: `--max 0`, a rate outside 1-500 per second, a "
         "replay window the wrong way round or ending in the future, or a redrive into a "
         "FIFO queue that still holds messages (the redriven messages would come after newer "
         "ones of the same groups; `--allow-reorder` accepts that), or a redrive of a forward DLQ "
         "(`forward.BUS`: its events go back on the other domain's bus only as the forwarding "
         "role, by `edac replay`; `edac dlq show forward.BUS` gives the window). Nothing was "
         "moved."),
    Code("E924", "nothing to replay from", "The bus has no archive (`bus.archive_days`), or the "
         "window starts before the oldest event the archive keeps. Nothing was replayed."),
    # -- the graph (W7xx)
    Code("W701", "unused producer", "No event type names this producer, so it emits nothing "
         "edac knows about. Declare its events under `events:`, or remove it."),
    Code("W702", "unconsumed event type", "No route takes this event type. Mark it "
         "`unconsumed: true` when that is intended."),
    Code("W703", "unused consumer", "No route sends events to this consumer: its queue would "
         "stay empty."),
    # -- alarms and who receives them (E71x / W71x)
    Code("W711", "alarms nobody receives", "The consumers of this team have alarms (a message "
         "in a DLQ, a queue falling behind, EventBridge failing to deliver), and they go to "
         "the SNS topic edac makes for the team, but nobody is subscribed to it: the alarms "
         "would fire into a topic nobody reads. Say where they go under `teams:`, e.g. "
         "`teams: {payments: {alerts: {email: [oncall@example.com], https: [URL]}}}` (each "
         "email address confirms the subscription from the mail AWS sends), or name an "
         "existing topic (`alerts: {topic: ARN}`, or `alarms.notify` of a consumer). Consumers "
         "without `team:` belong to team `default`."),
    Code("E712", "alerts to an existing topic and to subscriptions", "A team's alerts either go "
         "to an existing SNS topic (`topic:`), which edac uses as it is, or to the email and "
         "https endpoints edac subscribes to the topic it makes for the team; not both."),
    Code("E713", "invalid alert endpoint", "An `email:` entry is not an email address, an "
         "`https:` entry is not an https URL with a host (plain http is refused: SNS would "
         "deliver the alarms unencrypted), or an endpoint is listed twice."),
    Code("W714", "unused team", "The team is declared under `teams:`, but no producer or "
         "consumer names it in its `team:`, so none of its alerts would be sent. Usually a "
         "typo on one side."),
    Code("W715", "unused bus", "A bus is declared under `buses:`, but no route forwards to "
         "it (`forward: [NAME]`), so nothing is made for it: no forwarding, no forward DLQ. "
         "Usually a route that lost its `forward:`, or a bus left behind."),
    # -- environments (E74x / W74x)
    Code("W716", "retries of a route that only forwards", "The route has `retry:` but no "
         "consumers: its targets are event buses, which take no retry policy (AWS's CDK says "
         "it is not supported for them), so EventBridge's default holds: 24 hours and 185 "
         "attempts, then the forward DLQ. Remove `retry:`."),
    Code("E741", "an environment sets an unknown name", "An environment under `environments:` "
         "sets the settings of a consumer, producer, route or team the topology does not "
         "have. Usually a typo, or an element renamed without its environments."),
    Code("E742", "a setting that cannot differ between environments", "An environment changes "
         "what every environment shares: whether a consumer's queue is FIFO and its message "
         "group (they make the queue's name and type, and SQS cannot change them in place), "
         "or a consumer's kind (`lambda` or `container`). Set it on the consumer itself."),
    Code("E743", "the default environment is not declared", "`environment:` names the "
         "environment compiled when no --environment is given; with `environments:` it must "
         "be one of them."),
    Code("E744", "invalid account, region or organization", "An environment's `account` is "
         "an AWS account id (12 digits, quoted in YAML), its `region` a region code such as "
         "`eu-west-1`, and a producer's `organization` an AWS Organizations id (`o-` and 10-32 "
         "lowercase letters or digits)."),
    Code("W745", "an environment uses another environment's account", "A value every "
         "environment shares (a principal, a role, a function, a topic, a key) is an ARN in "
         "the account of another declared environment: compiled for this one, it would use "
         "that account's resource (staging writing to prod's topic). Give it per environment, "
         "or by name."),
    # -- AWS quotas of the policies edac emits (E75x / W75x)
    Code("E746", "an unknown account", "A producer's or consumer's `account:` names an "
         "account that `accounts:` does not declare. Declare it (`accounts: {payments: "
         "\"222222222222\"}`, and per environment under `environments.NAME.accounts`), or "
         "leave `account:` out: the element then lives in the bus's account."),
    Code("E747", "an ARN in another account than its element's", "A consumer that lives in "
         "account A (its `account:`) reads its queue with a role, or runs a Lambda function, "
         "of account A; a producer of account A puts events with principals of account A. "
         "This ARN names another account: give the role or function of the element's account "
         "(a name is looked up in that account), or move the element."),
    Code("E748", "another account, and no bus account or region", "A producer or consumer "
         "lives in another account than the bus's, so the compiled environment must say "
         "which account and Region the bus is in (`environments.NAME.account` and "
         "`region`): EventBridge delivers to a queue of another account only in its own "
         "Region, through an execution role of the bus's account, and the accounts' "
         "Terraform roots are wired by the ARNs these make. The same holds for a route that "
         "forwards to the bus of another domain: that bus's policy lets this bus's "
         "forwarding role in by its ARN."),
    Code("E749", "a route forwards to its own bus", "A bus under `buses:` has the account, "
         "region and name of the topology's own bus: a route forwarding to it would put "
         "every event it matches on the bus again, where the route matches it again. "
         "Forward to another domain's bus, or route the events to consumers with `to:`."),
    Code("E750", "a bus that cannot be forwarded to", "A route forwards to a bus in another "
         "AWS partition (the China or GovCloud Regions are partitions of their own, and no role "
         "of one partition acts in another), or two keys under `buses:` name the same bus "
         "(account, region and name): a rule forwarding to both would put every event on it "
         "twice. Forward to one key per bus, within the bus's partition."),
    Code("E751", "a policy over its AWS quota", "A policy edac emits, measured on the JSON "
         "terraform sends, is larger than AWS accepts: a queue policy (8,192 bytes; it lists "
         "every rule that feeds the consumer), the bus policy (10,240 characters by default; a "
         "statement per producer with its principals), a role's inline policies together "
         "(10,240 characters without whitespace; one per consumer or producer using the role) "
         "or a key policy (32 KB). Apply would fail; the message says what makes it grow."),
    Code("W752", "a policy near its AWS quota", "A policy edac emits is above 80 % of the "
         "size AWS accepts: a few more rules, principals or consumers on the same role and "
         "apply fails (E751)."),
]

CODES: dict[str, Code] = {c.code: c for c in _CATALOGUE}


def explain(code: str) -> Code | None:
    return CODES.get(code.strip().upper())
