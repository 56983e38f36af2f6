variable "queue_names" {
  type = object({
    queue      = string
    dlq        = string
    target_dlq = string
  })
  description = "Final AWS names of the consumer's queues, given by the root (edac derives them once, in edac.core.names): the queue and its redrive DLQ (both ending in .fifo when fifo), and the EventBridge target DLQ (always standard). 1-80 characters of [A-Za-z0-9_-] each, before .fifo."
  nullable    = false

  validation {
    condition = alltrue([
      for name in values(var.queue_names) : can(regex("^[A-Za-z0-9_-]{1,80}$", trimsuffix(name, ".fifo"))) && length(name) <= 80
    ])
    error_message = "Each queue name must be 1-80 characters of letters, digits, '-' and '_' (with .fifo at the end for FIFO queues, within the 80)."
  }

  validation {
    condition     = !endswith(var.queue_names.target_dlq, ".fifo")
    error_message = "The target DLQ must be a standard queue: EventBridge rejects a FIFO dead-letter queue."
  }
}

variable "alarm_names" {
  type = object({
    dlq_not_empty        = string
    oldest_message_age   = string
    target_dlq_not_empty = string
  })
  description = "Final names of the queue's three CloudWatch alarms (unique per account and region), given by the root."
  nullable    = false

  validation {
    condition     = alltrue([for name in values(var.alarm_names) : length(name) >= 1 && length(name) <= 255])
    error_message = "Each alarm name must be 1-255 characters."
  }
}

variable "alarm_descriptions" {
  type = object({
    dlq_not_empty        = string
    oldest_message_age   = string
    target_dlq_not_empty = string
  })
  description = "Descriptions of the three alarms (what the alarm means and what to run), at most 1,024 characters each; null: the module's own, naming the queues."
  default     = null

  validation {
    condition     = var.alarm_descriptions == null ? true : alltrue([for d in values(var.alarm_descriptions) : length(d) <= 1024])
    error_message = "An alarm description has at most 1,024 characters."
  }
}

variable "fifo" {
  type        = bool
  description = "Create FIFO queues (main and redrive DLQ). The target DLQ stays standard: EventBridge rejects a FIFO dead-letter queue."
  default     = false
  nullable    = false
}

variable "content_based_deduplication" {
  type        = bool
  description = "Content-based deduplication for FIFO queues. null means true for FIFO; must not be true for standard queues."
  default     = null
}

variable "visibility_timeout_seconds" {
  type        = number
  description = "Visibility timeout of the main queue, 0-43200 s. For a Lambda consumer use at least 6 x function timeout + batching window."
  default     = 30
  nullable    = false

  validation {
    condition     = var.visibility_timeout_seconds >= 0 && var.visibility_timeout_seconds <= 43200 && floor(var.visibility_timeout_seconds) == var.visibility_timeout_seconds
    error_message = "visibility_timeout_seconds must be a whole number in 0-43200 (12 hours)."
  }
}

variable "message_retention_seconds" {
  type        = number
  description = "Message retention of the main queue, 60-1209600 s (the DLQs' retention must be strictly longer; the compiler checks that)."
  default     = 345600
  nullable    = false

  validation {
    condition     = var.message_retention_seconds >= 60 && var.message_retention_seconds <= 1209600 && floor(var.message_retention_seconds) == var.message_retention_seconds
    error_message = "message_retention_seconds must be a whole number in 60-1209600 (14 days)."
  }
}

variable "dlq_message_retention_seconds" {
  type        = number
  description = "Message retention of the redrive DLQ and the target DLQ, 60-1209600 s (default 14 days)."
  default     = 1209600
  nullable    = false

  validation {
    condition     = var.dlq_message_retention_seconds >= 60 && var.dlq_message_retention_seconds <= 1209600 && floor(var.dlq_message_retention_seconds) == var.dlq_message_retention_seconds
    error_message = "dlq_message_retention_seconds must be a whole number in 60-1209600 (14 days)."
  }
}

variable "max_receive_count" {
  type        = number
  description = "Receives before a message moves to the redrive DLQ, 1-1000."
  default     = 5
  nullable    = false

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000 && floor(var.max_receive_count) == var.max_receive_count
    error_message = "max_receive_count must be a whole number in 1-1000."
  }
}

variable "delay_seconds" {
  type        = number
  description = "Delivery delay of the main queue, 0-900 s."
  default     = 0
  nullable    = false

  validation {
    condition     = var.delay_seconds >= 0 && var.delay_seconds <= 900 && floor(var.delay_seconds) == var.delay_seconds
    error_message = "delay_seconds must be a whole number in 0-900."
  }
}

variable "max_message_size" {
  type        = number
  description = "Maximum message size in bytes for all three queues. AWS allows 1024-1048576, but the AWS provider 5.x validates 1024-262144, so this module does too."
  default     = 262144
  nullable    = false

  validation {
    condition     = var.max_message_size >= 1024 && var.max_message_size <= 262144 && floor(var.max_message_size) == var.max_message_size
    error_message = "max_message_size must be a whole number in 1024-262144 (SQS allows up to 1048576, but the AWS provider 5.x rejects more than 262144)."
  }
}

variable "receive_wait_time_seconds" {
  type        = number
  description = "Long-polling wait for ReceiveMessage, 0-20 s (default 20)."
  default     = 20
  nullable    = false

  validation {
    condition     = var.receive_wait_time_seconds >= 0 && var.receive_wait_time_seconds <= 20 && floor(var.receive_wait_time_seconds) == var.receive_wait_time_seconds
    error_message = "receive_wait_time_seconds must be a whole number in 0-20."
  }
}

variable "kms_master_key_id" {
  type        = string
  description = "Customer KMS key for all three queues (give its key ARN so the consumer role gets kms:Decrypt). null (default) uses SSE-SQS. The key policy must let events.amazonaws.com kms:GenerateDataKey and kms:Decrypt."
  default     = null

  validation {
    condition     = var.kms_master_key_id == null ? true : !can(regex("(^|:)alias/aws/", var.kms_master_key_id))
    error_message = "An AWS managed key (alias/aws/..., such as alias/aws/sqs) cannot be used on a queue EventBridge writes to (its key policy cannot admit events.amazonaws.com): use a customer managed key or SSE-SQS (null)."
  }

  validation {
    condition     = var.kms_master_key_id == null ? true : length(var.kms_master_key_id) >= 1 && length(var.kms_master_key_id) <= 2048
    error_message = "kms_master_key_id must be a non-empty key id, key ARN, alias or alias ARN."
  }
}

variable "kms_data_key_reuse_period_seconds" {
  type        = number
  description = "How long SQS reuses a data key before calling KMS again, 60-86400 s (only used with kms_master_key_id)."
  default     = 300
  nullable    = false

  validation {
    condition     = var.kms_data_key_reuse_period_seconds >= 60 && var.kms_data_key_reuse_period_seconds <= 86400
    error_message = "kms_data_key_reuse_period_seconds must be in 60-86400."
  }
}

variable "allowed_rule_arns" {
  type        = list(string)
  description = "ARNs of every EventBridge rule that targets this consumer. The main queue's and the target DLQ's policies allow events.amazonaws.com sqs:SendMessage from exactly these rules."
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.allowed_rule_arns : can(regex("^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:rule/.+$", arn))])
    error_message = "Each allowed rule ARN must look like arn:<partition>:events:<region>:<account>:rule/[<bus>/]<name>."
  }
}

variable "eventbridge_role_arn" {
  type        = string
  description = "When the bus is in another account: the execution role of the bus's account that its rules send to this queue as (a cross-account target). The main queue's policy lets exactly this role SendMessage, instead of events.amazonaws.com; the target DLQ still takes events.amazonaws.com from allowed_rule_arns (EventBridge's dead-letter delivery)."
  default     = null

  validation {
    condition     = var.eventbridge_role_arn == null ? true : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/", var.eventbridge_role_arn))
    error_message = "eventbridge_role_arn must be an IAM role ARN."
  }
}

variable "role_name" {
  type        = string
  description = "IAM role (name, not ARN) that consumes the queue. When set, an inline policy on it allows receiving from the main queue (+ the idempotency table, + kms:Decrypt). When null and lambda is set, the Lambda function's execution role is used."
  default     = null

  validation {
    condition     = var.role_name == null ? true : can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.role_name))
    error_message = "role_name must be an IAM role name (1-64 characters of [A-Za-z0-9+=,.@_-]), not an ARN."
  }
}

variable "role_arn" {
  type        = string
  description = "The consuming role's ARN, when known (role_name is its last segment). A role in another account than the one applying gets no inline policy here (its own account must grant it, see the cross_account_role_policy output); the queue policy allows it instead."
  default     = null

  validation {
    condition     = var.role_arn == null ? true : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/", var.role_arn))
    error_message = "role_arn must be an IAM role ARN (arn:<partition>:iam::<account>:role/<path><name>)."
  }
}

variable "idempotency_table_arn" {
  type        = string
  description = "ARN of the idempotency DynamoDB table; when set the consumer role may GetItem, PutItem, UpdateItem and DeleteItem on it."
  default     = null

  validation {
    condition     = var.idempotency_table_arn == null ? true : can(regex("^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]{3,255}$", var.idempotency_table_arn))
    error_message = "idempotency_table_arn must be a DynamoDB table ARN."
  }
}

variable "lambda" {
  type = object({
    function_name                      = string
    batch_size                         = optional(number, 10)
    maximum_batching_window_in_seconds = optional(number, 0)
    maximum_concurrency                = optional(number)
  })
  description = "Lambda consumer: an event source mapping with ReportBatchItemFailures. batch_size 1-10000 (1-10 FIFO), maximum_batching_window_in_seconds 0-300 (ignored for FIFO; >= 1 when batch_size > 10), maximum_concurrency 2-1000 (null: no scaling_config)."
  default     = null

  validation {
    condition     = var.lambda == null ? true : can(regex("^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:)?[A-Za-z0-9_-]{1,140}(:(\\$LATEST|[A-Za-z0-9_-]{1,128}))?$", var.lambda.function_name))
    error_message = "lambda.function_name must be a Lambda function name or ARN (optionally qualified)."
  }

  validation {
    condition     = var.lambda == null ? true : (var.lambda.batch_size >= 1 && var.lambda.batch_size <= 10000 && floor(var.lambda.batch_size) == var.lambda.batch_size)
    error_message = "lambda.batch_size must be a whole number in 1-10000 (1-10 for FIFO queues)."
  }

  validation {
    condition     = var.lambda == null ? true : (var.lambda.maximum_batching_window_in_seconds >= 0 && var.lambda.maximum_batching_window_in_seconds <= 300 && floor(var.lambda.maximum_batching_window_in_seconds) == var.lambda.maximum_batching_window_in_seconds)
    error_message = "lambda.maximum_batching_window_in_seconds must be a whole number in 0-300."
  }

  validation {
    condition     = var.lambda == null ? true : (var.lambda.maximum_concurrency == null ? true : (var.lambda.maximum_concurrency >= 2 && var.lambda.maximum_concurrency <= 1000 && floor(var.lambda.maximum_concurrency) == var.lambda.maximum_concurrency))
    error_message = "lambda.maximum_concurrency must be a whole number in 2-1000."
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

variable "oldest_message_age_threshold_seconds" {
  type        = number
  description = "The main queue's ApproximateAgeOfOldestMessage alarm fires at or above this age (the consumer's latency budget), 60-1209600 s."
  default     = 900
  nullable    = false

  validation {
    condition     = var.oldest_message_age_threshold_seconds >= 60 && var.oldest_message_age_threshold_seconds <= 1209600
    error_message = "oldest_message_age_threshold_seconds must be in 60-1209600."
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
