variable "name" {
  type        = string
  description = "Name of the EventBridge rule (1-64 characters of [.-_A-Za-z0-9], unique on its bus)."

  validation {
    condition     = can(regex("^[.\\-_A-Za-z0-9]{1,64}$", var.name))
    error_message = "The rule name must be 1-64 characters of letters, digits, '.', '-' and '_'."
  }
}

variable "bus_name" {
  type        = string
  description = "Name (not ARN) of the event bus the rule lives on; also the EventBusName dimension of the alarms."

  validation {
    condition     = can(regex("^[.\\-_A-Za-z0-9]{1,256}$", var.bus_name))
    error_message = "bus_name must be an event bus name: 1-256 characters of letters, digits, '.', '-' and '_'."
  }
}

variable "description" {
  type        = string
  description = "Description of the rule (at most 512 characters)."
  default     = null

  validation {
    condition     = var.description == null ? true : length(var.description) <= 512
    error_message = "The rule description must be at most 512 characters."
  }
}

variable "event_pattern" {
  type        = string
  description = "Event pattern as a JSON object string (pass compact JSON, e.g. from jsonencode). Its length must fit the account's quota: see event_pattern_max_length."

  validation {
    condition     = can(keys(jsondecode(var.event_pattern)))
    error_message = "event_pattern must be a JSON object."
  }

  validation {
    condition     = length(var.event_pattern) <= 4096
    error_message = "event_pattern is longer than 4096 characters, the largest event pattern quota EventBridge grants (the default quota is 2048)."
  }
}

variable "event_pattern_max_length" {
  type        = number
  description = "Account quota for the event pattern size. 2048 is EventBridge's default; raise it (up to 4096) only after the quota increase is granted."
  default     = 2048
  nullable    = false

  validation {
    condition     = var.event_pattern_max_length >= 1 && var.event_pattern_max_length <= 4096
    error_message = "event_pattern_max_length must be in 1-4096."
  }
}

variable "targets" {
  type = map(object({
    queue_arn                    = string
    dead_letter_arn              = string
    message_group_id             = optional(string)
    role_arn                     = optional(string)
    maximum_retry_attempts       = number
    maximum_event_age_in_seconds = number
  }))
  description = "SQS targets keyed by target id (1-64 characters of [.-_A-Za-z0-9]); at most 5 (EventBridge hard limit). dead_letter_arn is the consumer's standard target DLQ; message_group_id is required for FIFO queues; role_arn, for a queue in another account, is the execution role of the bus's account that EventBridge assumes to send to it (a cross-account target: same Region, PutTargets from the bus's account)."
  nullable    = false

  validation {
    condition     = length(var.targets) + length(var.bus_targets) <= 5
    error_message = "A rule can have at most 5 targets (EventBridge hard limit), queues and buses together: split the consumers of this pattern over several rules."
  }

  validation {
    condition     = length(setintersection(keys(var.targets), keys(var.bus_targets))) == 0
    error_message = "A target id is used by a queue target and a bus target: target ids are unique within a rule."
  }

  validation {
    condition     = alltrue([for id in keys(var.targets) : can(regex("^[.\\-_A-Za-z0-9]{1,64}$", id))])
    error_message = "Each target id (the map key) must be 1-64 characters of letters, digits, '.', '-' and '_'."
  }

  validation {
    condition = alltrue([
      for t in values(var.targets) :
      t.maximum_retry_attempts >= 0 && t.maximum_retry_attempts <= 185 && floor(t.maximum_retry_attempts) == t.maximum_retry_attempts
    ])
    error_message = "maximum_retry_attempts must be a whole number in 0-185."
  }

  validation {
    condition = alltrue([
      for t in values(var.targets) :
      t.maximum_event_age_in_seconds >= 60 && t.maximum_event_age_in_seconds <= 86400 && floor(t.maximum_event_age_in_seconds) == t.maximum_event_age_in_seconds
    ])
    error_message = "maximum_event_age_in_seconds must be a whole number in 60-86400."
  }

  validation {
    condition     = alltrue([for t in values(var.targets) : can(regex("^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,80}(\\.fifo)?$", t.queue_arn))])
    error_message = "Each target's queue_arn must be an SQS queue ARN."
  }

  validation {
    condition     = alltrue([for t in values(var.targets) : can(regex("^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,80}$", t.dead_letter_arn))])
    error_message = "Each target's dead_letter_arn must be a STANDARD SQS queue ARN: EventBridge rejects a FIFO dead-letter queue."
  }

  validation {
    condition     = alltrue([for t in values(var.targets) : !endswith(t.queue_arn, ".fifo") || t.message_group_id != null])
    error_message = "A target on a FIFO queue needs a message_group_id."
  }

  validation {
    condition     = alltrue([for t in values(var.targets) : t.message_group_id == null ? true : (length(t.message_group_id) >= 1 && length(t.message_group_id) <= 128)])
    error_message = "message_group_id must be 1-128 characters."
  }
}

variable "bus_targets" {
  type = map(object({
    bus_arn         = string
    role_arn        = string
    dead_letter_arn = string
  }))
  description = "Event bus targets (bus to bus) keyed by target id, unique across targets and bus_targets; with targets, at most 5. role_arn is the execution role of the rule's account that puts the events on the bus (the receiving bus's policy lets it in); dead_letter_arn a standard SQS queue for what it could not put there (after EventBridge's default retries: event bus targets take no retry policy)."
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for id in keys(var.bus_targets) : can(regex("^[.\\-_A-Za-z0-9]{1,64}$", id))])
    error_message = "Each bus target id (the map key) must be 1-64 characters of letters, digits, '.', '-' and '_'."
  }

  validation {
    condition     = alltrue([for t in values(var.bus_targets) : can(regex("^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/[.\\-_A-Za-z0-9]{1,256}$", t.bus_arn))])
    error_message = "Each bus target's bus_arn must be an event bus ARN."
  }

  validation {
    condition     = alltrue([for t in values(var.bus_targets) : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/", t.role_arn))])
    error_message = "Each bus target's role_arn must be an IAM role ARN."
  }

  validation {
    condition     = alltrue([for t in values(var.bus_targets) : can(regex("^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,80}$", t.dead_letter_arn))])
    error_message = "Each bus target's dead_letter_arn must be a STANDARD SQS queue ARN: EventBridge rejects a FIFO dead-letter queue."
  }

}

variable "alarm_names" {
  type = object({
    failed_invocations = string
    failed_to_dlq      = string
  })
  description = "Final names of the rule's FailedInvocations and InvocationsFailedToBeSentToDlq alarms (unique per account and region, 1-255 characters), given by the root."
  nullable    = false

  validation {
    condition     = alltrue([for name in values(var.alarm_names) : length(name) >= 1 && length(name) <= 255])
    error_message = "Each alarm name must be 1-255 characters."
  }
}

variable "alarm_descriptions" {
  type = object({
    failed_invocations = string
    failed_to_dlq      = string
  })
  description = "Descriptions of the two alarms (what the alarm means and what to run), at most 1,024 characters each; null: the module's own, naming the rule."
  default     = null

  validation {
    condition     = var.alarm_descriptions == null ? true : alltrue([for d in values(var.alarm_descriptions) : length(d) <= 1024])
    error_message = "An alarm description has at most 1,024 characters."
  }
}

variable "alarm_actions" {
  type        = list(string)
  description = "ARNs notified when an alarm fires (typically the owning team's SNS topic), at most 5."
  default     = []
  nullable    = false

  validation {
    condition     = length(var.alarm_actions) <= 5
    error_message = "CloudWatch allows at most 5 actions per alarm state."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to every taggable resource of this module."
  default     = {}

  validation {
    condition = alltrue([
      for k, v in var.tags :
      length(k) >= 1 && length(k) <= 128 && length(v) <= 256 &&
      can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*$", k)) &&
      can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*$", v)) &&
      !startswith(lower(k), "aws:")
    ])
    error_message = "Tag keys must be 1-128 and values 0-256 characters of letters, digits, spaces and _ . : / = + - @, and keys must not start with \"aws:\"."
  }
}
