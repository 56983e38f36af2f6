# The bus is in another account (a cross-account target): the main queue lets exactly the bus
# account's delivery role send, not events.amazonaws.com; the target DLQ still takes
# EventBridge's dead letters from the rules of that account.
mock_provider "aws" {
  override_during = plan
}

override_resource {
  target          = aws_sqs_queue.this
  override_during = plan
  values = {
    arn = "arn:aws:sqs:eu-west-1:222222222222:pay-ledger"
    id  = "https://sqs.eu-west-1.amazonaws.com/222222222222/pay-ledger"
  }
}

override_resource {
  target          = aws_sqs_queue.target_dlq
  override_during = plan
  values = {
    arn = "arn:aws:sqs:eu-west-1:222222222222:pay-ledger-target-dlq"
    id  = "https://sqs.eu-west-1.amazonaws.com/222222222222/pay-ledger-target-dlq"
  }
}

variables {
  queue_names          = { queue = "pay-ledger", dlq = "pay-ledger-dlq", target_dlq = "pay-ledger-target-dlq" }
  alarm_names          = { dlq_not_empty = "pay-ledger-dlq-not-empty", oldest_message_age = "pay-ledger-oldest-message-age", target_dlq_not_empty = "pay-ledger-target-dlq-not-empty" }
  allowed_rule_arns    = ["arn:aws:events:eu-west-1:111111111111:rule/pay-events/pay-money"]
  eventbridge_role_arn = "arn:aws:iam::111111111111:role/pay-cross-account-delivery"
}

run "bus_in_another_account" {
  command = plan

  assert {
    condition = jsondecode(aws_sqs_queue_policy.this.policy).Statement == [
      {
        Sid       = "AllowTheBusAccountsEventBridgeRole"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::111111111111:role/pay-cross-account-delivery" }
        Action    = "sqs:SendMessage"
        Resource  = "arn:aws:sqs:eu-west-1:222222222222:pay-ledger"
      },
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sqs:*"
        Resource  = "arn:aws:sqs:eu-west-1:222222222222:pay-ledger"
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
    error_message = "the main queue lets exactly the delivery role send"
  }

  assert {
    condition     = jsondecode(aws_sqs_queue_policy.target_dlq.policy).Statement[0].Condition.ArnEquals["aws:SourceArn"] == ["arn:aws:events:eu-west-1:111111111111:rule/pay-events/pay-money"]
    error_message = "the target DLQ takes dead letters from the bus account's rules"
  }
}

run "not_a_role" {
  command = plan

  variables {
    eventbridge_role_arn = "arn:aws:iam::111111111111:user/someone"
  }

  expect_failures = [var.eventbridge_role_arn]
}
