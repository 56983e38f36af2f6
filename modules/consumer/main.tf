locals {
  # Final names from the root (edac.core.names): the module derives none.
  queue_name      = var.queue_names.queue
  dlq_name        = var.queue_names.dlq
  target_dlq_name = var.queue_names.target_dlq

  # SSE-SQS unless a customer key is given (the two settings are exclusive).
  sqs_managed_sse_enabled           = var.kms_master_key_id == null ? true : null
  kms_data_key_reuse_period_seconds = var.kms_master_key_id == null ? null : var.kms_data_key_reuse_period_seconds
  # kms:Decrypt can only be granted on a key ARN (not on a key id or an alias).
  kms_key_arn = (
    var.kms_master_key_id != null && can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/", var.kms_master_key_id))
    ? var.kms_master_key_id
    : null
  )

  alarm_descriptions = var.alarm_descriptions != null ? var.alarm_descriptions : {
    dlq_not_empty        = "Messages failed processing ${var.max_receive_count} times and were moved from ${local.queue_name} to its DLQ ${local.dlq_name}."
    oldest_message_age   = "The oldest message in ${local.queue_name} is older than ${var.oldest_message_age_threshold_seconds} s: the consumer is behind or stopped."
    target_dlq_not_empty = "EventBridge could not deliver events to ${local.queue_name} (policy, KMS or retries exhausted); they are in ${local.target_dlq_name}."
  }

  content_based_deduplication = var.fifo ? coalesce(var.content_based_deduplication, true) : null

  rule_arns = sort(distinct(var.allowed_rule_arns))

  # The role that consumes the queue: given, or the Lambda function's execution role.
  lambda_role_arn = one(data.aws_lambda_function.this[*].role)
  role_name       = var.role_name != null ? var.role_name : (local.lambda_role_arn == null ? null : reverse(split("/", local.lambda_role_arn))[0])
  # A role in another account: an inline policy here would land on a same-named role of
  # this account (or fail). Its account grants it; the queue policy lets it in.
  role_account  = var.role_arn == null ? null : split(":", var.role_arn)[4]
  cross_account = local.role_account != null && local.role_account != one(data.aws_caller_identity.current[*].account_id)
  create_iam    = (var.role_name != null || var.lambda != null) && !local.cross_account
  # GetQueueUrl: a worker that looks its queue up by name (boto3's get_queue_url) needs it
  consume_actions = [
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
  ]
  create_esm       = var.lambda != null
  esm_batch_window = var.lambda == null || var.fifo ? null : var.lambda.maximum_batching_window_in_seconds
}

data "aws_caller_identity" "current" {
  count = var.role_arn == null ? 0 : 1
}

data "aws_lambda_function" "this" {
  count = var.lambda != null && var.role_name == null ? 1 : 0

  function_name = var.lambda.function_name
}

################################################################################
# Queues (dependency depth: DLQs -> main queue -> policies)
################################################################################

resource "aws_sqs_queue" "dlq" {
  name                        = local.dlq_name
  fifo_queue                  = var.fifo
  content_based_deduplication = local.content_based_deduplication
  visibility_timeout_seconds  = var.visibility_timeout_seconds
  message_retention_seconds   = var.dlq_message_retention_seconds
  max_message_size            = var.max_message_size
  receive_wait_time_seconds   = var.receive_wait_time_seconds

  sqs_managed_sse_enabled           = local.sqs_managed_sse_enabled
  kms_master_key_id                 = var.kms_master_key_id
  kms_data_key_reuse_period_seconds = local.kms_data_key_reuse_period_seconds

  tags = var.tags
}

resource "aws_sqs_queue" "this" {
  name                        = local.queue_name
  fifo_queue                  = var.fifo
  content_based_deduplication = local.content_based_deduplication
  visibility_timeout_seconds  = var.visibility_timeout_seconds
  message_retention_seconds   = var.message_retention_seconds
  delay_seconds               = var.delay_seconds
  max_message_size            = var.max_message_size
  receive_wait_time_seconds   = var.receive_wait_time_seconds

  sqs_managed_sse_enabled           = local.sqs_managed_sse_enabled
  kms_master_key_id                 = var.kms_master_key_id
  kms_data_key_reuse_period_seconds = local.kms_data_key_reuse_period_seconds

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = var.max_receive_count
  })

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.fifo || var.content_based_deduplication != true
      error_message = "content_based_deduplication only applies to FIFO queues (set fifo = true or leave it null)."
    }
    precondition {
      condition     = endswith(local.queue_name, ".fifo") == var.fifo && endswith(local.dlq_name, ".fifo") == var.fifo
      error_message = "The queue and its redrive DLQ end in .fifo exactly when fifo = true (SQS requires the suffix on FIFO queues)."
    }
  }
}

# Receives EventBridge delivery failures (dead_letter_config of the rule targets).
resource "aws_sqs_queue" "target_dlq" {
  name                       = local.target_dlq_name
  fifo_queue                 = false # EventBridge rejects a FIFO dead-letter queue
  visibility_timeout_seconds = var.visibility_timeout_seconds
  message_retention_seconds  = var.dlq_message_retention_seconds
  max_message_size           = var.max_message_size
  receive_wait_time_seconds  = var.receive_wait_time_seconds

  sqs_managed_sse_enabled           = local.sqs_managed_sse_enabled
  kms_master_key_id                 = var.kms_master_key_id
  kms_data_key_reuse_period_seconds = local.kms_data_key_reuse_period_seconds

  tags = var.tags
}

# Its own resource (not the inline attribute) to avoid the queue <-> DLQ cycle.
resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  queue_url = aws_sqs_queue.dlq.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.this.arn]
  })
}

################################################################################
# Queue policies: ONE per queue (the resource replaces the whole policy)
################################################################################

resource "aws_sqs_queue_policy" "this" {
  queue_url = aws_sqs_queue.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      length(local.rule_arns) == 0 || var.eventbridge_role_arn != null ? [] : [{
        Sid       = "AllowEventBridgeRules"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = "sqs:SendMessage"
        Resource  = aws_sqs_queue.this.arn
        Condition = { ArnEquals = { "aws:SourceArn" = local.rule_arns } }
      }],
      # the bus is in another account: its rules send as its execution role
      var.eventbridge_role_arn == null ? [] : [{
        Sid       = "AllowTheBusAccountsEventBridgeRole"
        Effect    = "Allow"
        Principal = { AWS = var.eventbridge_role_arn }
        Action    = "sqs:SendMessage"
        Resource  = aws_sqs_queue.this.arn
      }],
      local.cross_account ? [{
        Sid       = "ConsumeFromRoleAccount"
        Effect    = "Allow"
        Principal = { AWS = var.role_arn }
        Action    = local.consume_actions
        Resource  = aws_sqs_queue.this.arn
      }] : [],
      [{
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sqs:*"
        Resource  = aws_sqs_queue.this.arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      }],
    )
  })

  lifecycle {
    precondition {
      condition     = !(local.cross_account && var.idempotency_table_arn != null)
      error_message = "The role ${coalesce(var.role_arn, "-")} is in account ${coalesce(local.role_account, "-")}, not the account applying this configuration: the idempotency table cannot be granted to it from here. Turn idempotency off for this consumer (its account keeps its own table) or consume with a role of this account."
    }
  }
}

resource "aws_sqs_queue_policy" "target_dlq" {
  queue_url = aws_sqs_queue.target_dlq.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      length(local.rule_arns) == 0 ? [] : [{
        Sid       = "AllowEventBridgeRules"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = "sqs:SendMessage"
        Resource  = aws_sqs_queue.target_dlq.arn
        Condition = { ArnEquals = { "aws:SourceArn" = local.rule_arns } }
      }],
      [{
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sqs:*"
        Resource  = aws_sqs_queue.target_dlq.arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      }],
    )
  })
}

resource "aws_sqs_queue_policy" "dlq" {
  queue_url = aws_sqs_queue.dlq.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "sqs:*"
      Resource  = aws_sqs_queue.dlq.arn
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
}

################################################################################
# Consumer permissions (inline, non-exclusive: never aws_iam_policy_attachment)
################################################################################

locals {
  # What the consuming role may do: put inline on a role of this account, or given as the
  # cross_account_role_policy output to a role of another (which has no idempotency table:
  # refused by the queue policy's precondition).
  consume_policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [{
        Sid      = "ConsumeQueue"
        Effect   = "Allow"
        Action   = local.consume_actions
        Resource = aws_sqs_queue.this.arn
      }],
      var.idempotency_table_arn == null ? [] : [{
        Sid    = "IdempotencyTable"
        Effect = "Allow"
        Action = [
          "dynamodb:DeleteItem",
          "dynamodb:GetItem",
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
        ]
        Resource = var.idempotency_table_arn
      }],
      local.kms_key_arn == null ? [] : [{
        Sid      = "DecryptQueueMessages"
        Effect   = "Allow"
        Action   = "kms:Decrypt"
        Resource = local.kms_key_arn
      }],
    )
  })
}

resource "aws_iam_role_policy" "consume" {
  count = local.create_iam ? 1 : 0

  name   = "edac-consume-${local.queue_name}"
  role   = local.role_name
  policy = local.consume_policy
}

################################################################################
# Lambda consumer
################################################################################

resource "aws_lambda_event_source_mapping" "this" {
  count = local.create_esm ? 1 : 0

  event_source_arn                   = aws_sqs_queue.this.arn
  function_name                      = var.lambda.function_name
  batch_size                         = var.lambda.batch_size
  maximum_batching_window_in_seconds = local.esm_batch_window
  function_response_types            = ["ReportBatchItemFailures"]

  dynamic "scaling_config" {
    for_each = var.lambda.maximum_concurrency == null ? [] : [var.lambda.maximum_concurrency]
    content {
      maximum_concurrency = scaling_config.value
    }
  }

  # No tags: ESM tagging needs AWS provider >= 5.70 (this module supports >= 5.60)
  # and fails in some regions/emulators when listing tags.

  # Lambda checks at create time that the execution role can receive from the queue.
  depends_on = [aws_iam_role_policy.consume]

  lifecycle {
    precondition {
      condition     = !var.fifo || var.lambda.batch_size <= 10
      error_message = "A Lambda mapping on a FIFO queue accepts a batch size of at most 10."
    }
    precondition {
      condition     = var.fifo || var.lambda.batch_size <= 10 || var.lambda.maximum_batching_window_in_seconds >= 1
      error_message = "A batch size above 10 needs maximum_batching_window_in_seconds >= 1."
    }
  }
}

################################################################################
# Alarms
################################################################################

resource "aws_cloudwatch_metric_alarm" "dlq_not_empty" {
  alarm_name          = var.alarm_names.dlq_not_empty
  alarm_description   = local.alarm_descriptions.dlq_not_empty
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dlq.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "oldest_message_age" {
  alarm_name          = var.alarm_names.oldest_message_age
  alarm_description   = local.alarm_descriptions.oldest_message_age
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = aws_sqs_queue.this.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  threshold           = var.oldest_message_age_threshold_seconds
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "target_dlq_not_empty" {
  alarm_name          = var.alarm_names.target_dlq_not_empty
  alarm_description   = local.alarm_descriptions.target_dlq_not_empty
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.target_dlq.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  tags                = var.tags
}
