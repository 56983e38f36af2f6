# Standard queue, two rules, a container role and an idempotency table.
mock_provider "aws" {
  override_during = plan

  mock_resource "aws_sqs_queue" {
    defaults = {
      arn = "arn:aws:sqs:eu-west-1:111122223333:mocked"
      id  = "https://sqs.eu-west-1.amazonaws.com/111122223333/mocked"
    }
  }
}

override_resource {
  target          = aws_sqs_queue.this
  override_during = plan
  values = {
    arn = "arn:aws:sqs:eu-west-1:111122223333:billing-orders"
    id  = "https://sqs.eu-west-1.amazonaws.com/111122223333/billing-orders"
  }
}

override_resource {
  target          = aws_sqs_queue.dlq
  override_during = plan
  values = {
    arn = "arn:aws:sqs:eu-west-1:111122223333:billing-orders-dlq"
    id  = "https://sqs.eu-west-1.amazonaws.com/111122223333/billing-orders-dlq"
  }
}

override_resource {
  target          = aws_sqs_queue.target_dlq
  override_during = plan
  values = {
    arn = "arn:aws:sqs:eu-west-1:111122223333:billing-orders-target-dlq"
    id  = "https://sqs.eu-west-1.amazonaws.com/111122223333/billing-orders-target-dlq"
  }
}

variables {
  queue_names = { queue = "billing-orders", dlq = "billing-orders-dlq", target_dlq = "billing-orders-target-dlq" }
  alarm_names = { dlq_not_empty = "billing-orders-dlq-not-empty", oldest_message_age = "billing-orders-oldest-message-age", target_dlq_not_empty = "billing-orders-target-dlq-not-empty" }
  allowed_rule_arns = [
    "arn:aws:events:eu-west-1:111122223333:rule/shop/order-placed",
    "arn:aws:events:eu-west-1:111122223333:rule/shop/order-cancelled",
    "arn:aws:events:eu-west-1:111122223333:rule/shop/order-placed",
  ]
  role_name             = "billing-worker"
  idempotency_table_arn = "arn:aws:dynamodb:eu-west-1:111122223333:table/billing-idempotency"
  alarm_actions         = ["arn:aws:sns:eu-west-1:111122223333:team-billing-alerts"]
  tags                  = { team = "billing", "edac:topology" = "shop" }
}

run "queue_names_and_settings" {
  command = plan

  assert {
    condition     = aws_sqs_queue.this.name == "billing-orders" && aws_sqs_queue.dlq.name == "billing-orders-dlq" && aws_sqs_queue.target_dlq.name == "billing-orders-target-dlq"
    error_message = "unexpected queue names"
  }

  assert {
    condition     = !aws_sqs_queue.this.fifo_queue && !aws_sqs_queue.dlq.fifo_queue && !aws_sqs_queue.target_dlq.fifo_queue
    error_message = "standard consumer must have standard queues"
  }

  assert {
    condition     = aws_sqs_queue.this.sqs_managed_sse_enabled && aws_sqs_queue.dlq.sqs_managed_sse_enabled && aws_sqs_queue.target_dlq.sqs_managed_sse_enabled
    error_message = "SSE-SQS must be on for every queue by default"
  }

  assert {
    condition     = aws_sqs_queue.this.kms_master_key_id == null
    error_message = "no KMS key by default"
  }

  assert {
    condition     = aws_sqs_queue.this.receive_wait_time_seconds == 20
    error_message = "long polling must default to 20 s"
  }

  assert {
    condition     = aws_sqs_queue.this.message_retention_seconds == 345600 && aws_sqs_queue.dlq.message_retention_seconds == 1209600 && aws_sqs_queue.target_dlq.message_retention_seconds == 1209600
    error_message = "retention defaults: 4 days main, 14 days DLQs"
  }

  assert {
    condition     = jsondecode(aws_sqs_queue.this.redrive_policy).maxReceiveCount == 5
    error_message = "default maxReceiveCount must be 5"
  }

  assert {
    condition     = jsondecode(aws_sqs_queue.this.redrive_policy).deadLetterTargetArn == "arn:aws:sqs:eu-west-1:111122223333:billing-orders-dlq"
    error_message = "redrive policy must point at the redrive DLQ"
  }

  assert {
    condition = jsondecode(aws_sqs_queue_redrive_allow_policy.dlq.redrive_allow_policy) == {
      redrivePermission = "byQueue"
      sourceQueueArns   = ["arn:aws:sqs:eu-west-1:111122223333:billing-orders"]
    }
    error_message = "redrive allow policy must be byQueue with the main queue only"
  }

  assert {
    condition     = aws_sqs_queue.this.tags["team"] == "billing" && aws_sqs_queue.target_dlq.tags["edac:topology"] == "shop" && aws_cloudwatch_metric_alarm.dlq_not_empty.tags["team"] == "billing"
    error_message = "tags must reach queues and alarms"
  }
}

run "queue_policies" {
  command = plan

  # Main queue: allow exactly the (deduplicated) rules, deny non-TLS.
  assert {
    condition = [for s in jsondecode(aws_sqs_queue_policy.this.policy).Statement : s if s.Effect == "Allow"][0] == {
      Sid       = "AllowEventBridgeRules"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = "arn:aws:sqs:eu-west-1:111122223333:billing-orders"
      Condition = { ArnEquals = { "aws:SourceArn" = [
        "arn:aws:events:eu-west-1:111122223333:rule/shop/order-cancelled",
        "arn:aws:events:eu-west-1:111122223333:rule/shop/order-placed",
      ] } }
    }
    error_message = "main queue policy must allow events.amazonaws.com SendMessage from exactly the rule ARNs"
  }

  assert {
    condition = [for s in jsondecode(aws_sqs_queue_policy.this.policy).Statement : s if s.Effect == "Deny"][0] == {
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "sqs:*"
      Resource  = "arn:aws:sqs:eu-west-1:111122223333:billing-orders"
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }
    error_message = "main queue policy must deny non-TLS access"
  }

  assert {
    condition     = aws_sqs_queue_policy.this.queue_url == "https://sqs.eu-west-1.amazonaws.com/111122223333/billing-orders"
    error_message = "main queue policy on the wrong queue"
  }

  # Target DLQ: the same rules may send their failed events.
  assert {
    condition     = strcontains(aws_sqs_queue_policy.target_dlq.policy, "arn:aws:events:eu-west-1:111122223333:rule/shop/order-placed") && strcontains(aws_sqs_queue_policy.target_dlq.policy, "arn:aws:events:eu-west-1:111122223333:rule/shop/order-cancelled")
    error_message = "target DLQ policy must name the rule ARNs"
  }

  assert {
    condition     = length(jsondecode(aws_sqs_queue_policy.target_dlq.policy).Statement) == 2 && strcontains(aws_sqs_queue_policy.target_dlq.policy, "\"aws:SecureTransport\":\"false\"")
    error_message = "target DLQ policy must allow the rules and deny non-TLS"
  }

  assert {
    condition     = alltrue([for s in jsondecode(aws_sqs_queue_policy.target_dlq.policy).Statement : s.Resource == "arn:aws:sqs:eu-west-1:111122223333:billing-orders-target-dlq"])
    error_message = "target DLQ policy must be scoped to the target DLQ"
  }

  # Redrive DLQ: only the TLS deny.
  assert {
    condition     = length(jsondecode(aws_sqs_queue_policy.dlq.policy).Statement) == 1 && jsondecode(aws_sqs_queue_policy.dlq.policy).Statement[0].Effect == "Deny"
    error_message = "redrive DLQ policy must only deny non-TLS access"
  }
}

run "consumer_role_policy" {
  command = plan

  assert {
    condition     = aws_iam_role_policy.consume[0].role == "billing-worker" && output.role_name == "billing-worker"
    error_message = "consume policy must go to the given role"
  }

  assert {
    condition = jsondecode(aws_iam_role_policy.consume[0].policy).Statement[0] == {
      Sid      = "ConsumeQueue"
      Effect   = "Allow"
      Action   = ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage"]
      Resource = "arn:aws:sqs:eu-west-1:111122223333:billing-orders"
    }
    error_message = "consume statement must be least privilege on the main queue only"
  }

  assert {
    condition = jsondecode(aws_iam_role_policy.consume[0].policy).Statement[1] == {
      Sid      = "IdempotencyTable"
      Effect   = "Allow"
      Action   = ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
      Resource = "arn:aws:dynamodb:eu-west-1:111122223333:table/billing-idempotency"
    }
    error_message = "idempotency table statement missing or wrong"
  }

  assert {
    condition     = length(jsondecode(aws_iam_role_policy.consume[0].policy).Statement) == 2
    error_message = "no kms statement without a customer key"
  }

  assert {
    condition     = length(aws_lambda_event_source_mapping.this) == 0
    error_message = "no event source mapping without lambda"
  }
}

run "alarms" {
  command = plan

  assert {
    condition     = aws_cloudwatch_metric_alarm.dlq_not_empty.metric_name == "ApproximateNumberOfMessagesVisible" && aws_cloudwatch_metric_alarm.dlq_not_empty.dimensions == tomap({ QueueName = "billing-orders-dlq" }) && aws_cloudwatch_metric_alarm.dlq_not_empty.threshold == 1 && aws_cloudwatch_metric_alarm.dlq_not_empty.comparison_operator == "GreaterThanOrEqualToThreshold"
    error_message = "redrive DLQ alarm wrong"
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.target_dlq_not_empty.dimensions == tomap({ QueueName = "billing-orders-target-dlq" }) && aws_cloudwatch_metric_alarm.target_dlq_not_empty.metric_name == "ApproximateNumberOfMessagesVisible"
    error_message = "target DLQ alarm wrong"
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.oldest_message_age.metric_name == "ApproximateAgeOfOldestMessage" && aws_cloudwatch_metric_alarm.oldest_message_age.dimensions == tomap({ QueueName = "billing-orders" }) && aws_cloudwatch_metric_alarm.oldest_message_age.threshold == 900
    error_message = "oldest message age alarm wrong"
  }

  assert {
    condition = alltrue([for a in [aws_cloudwatch_metric_alarm.dlq_not_empty, aws_cloudwatch_metric_alarm.target_dlq_not_empty, aws_cloudwatch_metric_alarm.oldest_message_age] :
    a.treat_missing_data == "notBreaching" && a.namespace == "AWS/SQS" && a.alarm_actions == toset(["arn:aws:sns:eu-west-1:111122223333:team-billing-alerts"])])
    error_message = "every alarm must treat missing data as not breaching and notify the team topic"
  }
}

run "alarm_descriptions_default_name_the_queues" {
  command = plan

  assert {
    condition     = strcontains(aws_cloudwatch_metric_alarm.dlq_not_empty.alarm_description, "billing-orders-dlq") && strcontains(aws_cloudwatch_metric_alarm.target_dlq_not_empty.alarm_description, "billing-orders-target-dlq")
    error_message = "without descriptions from the root, the module's own name the queues"
  }
}

run "alarm_descriptions_from_the_root" {
  command = plan

  variables {
    alarm_descriptions = {
      dlq_not_empty        = "look: edac dlq show billing"
      oldest_message_age   = "see: edac status"
      target_dlq_not_empty = "after the fix: edac redrive billing --from target-dlq"
    }
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.dlq_not_empty.alarm_description == "look: edac dlq show billing" && aws_cloudwatch_metric_alarm.oldest_message_age.alarm_description == "see: edac status" && aws_cloudwatch_metric_alarm.target_dlq_not_empty.alarm_description == "after the fix: edac redrive billing --from target-dlq"
    error_message = "each alarm carries the root's description"
  }
}

run "alarm_description_over_1024_rejected" {
  command = plan

  variables {
    alarm_descriptions = {
      dlq_not_empty        = format("%01025d", 0)
      oldest_message_age   = "ok"
      target_dlq_not_empty = "ok"
    }
  }

  expect_failures = [var.alarm_descriptions]
}

run "no_rules_only_tls_deny" {
  command = plan

  variables {
    allowed_rule_arns = []
    role_name         = null
  }

  assert {
    condition     = length(jsondecode(aws_sqs_queue_policy.this.policy).Statement) == 1 && jsondecode(aws_sqs_queue_policy.this.policy).Statement[0].Sid == "DenyInsecureTransport"
    error_message = "without rules the policy holds only the TLS deny"
  }

  assert {
    condition     = length(aws_iam_role_policy.consume) == 0 && output.role_name == null
    error_message = "no role, no lambda: no consume policy"
  }
}
