# A consuming role in another account than the one applying: no inline policy here (it would
# land on a same-named role of this account), the queue policy lets the role in, and the
# policy its own account must attach is an output.
mock_provider "aws" {
  override_during = plan

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111122223333"
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

variables {
  queue_names = { queue = "billing-orders", dlq = "billing-orders-dlq", target_dlq = "billing-orders-target-dlq" }
  alarm_names = { dlq_not_empty = "billing-orders-dlq-not-empty", oldest_message_age = "billing-orders-oldest-message-age", target_dlq_not_empty = "billing-orders-target-dlq-not-empty" }
  allowed_rule_arns = ["arn:aws:events:eu-west-1:111122223333:rule/shop/order-placed"]
  role_name         = "billing-worker"
  role_arn          = "arn:aws:iam::444455556666:role/workers/billing-worker"
}

run "other_account_role" {
  command = plan

  assert {
    condition     = length(aws_iam_role_policy.consume) == 0 && output.role_name == null
    error_message = "no inline policy may be put on a role of another account"
  }

  assert {
    condition = jsondecode(aws_sqs_queue_policy.this.policy).Statement[1] == {
      Sid       = "ConsumeFromRoleAccount"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::444455556666:role/workers/billing-worker" }
      Action    = ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage"]
      Resource  = "arn:aws:sqs:eu-west-1:111122223333:billing-orders"
    }
    error_message = "the queue policy must let exactly that role consume the main queue"
  }

  assert {
    condition     = length(jsondecode(aws_sqs_queue_policy.this.policy).Statement) == 3
    error_message = "rules, the role, deny non-TLS"
  }

  assert {
    condition     = jsondecode(output.cross_account_role_policy).Statement[0].Resource == "arn:aws:sqs:eu-west-1:111122223333:billing-orders"
    error_message = "the output names the policy the role's account must attach"
  }
}

run "same_account_role_arn" {
  command = plan

  variables {
    role_arn = "arn:aws:iam::111122223333:role/workers/billing-worker"
  }

  assert {
    condition     = aws_iam_role_policy.consume[0].role == "billing-worker" && output.cross_account_role_policy == null
    error_message = "a role of this account gets the inline policy"
  }

  assert {
    condition     = length(jsondecode(aws_sqs_queue_policy.this.policy).Statement) == 2
    error_message = "no principal added to the queue policy for a role of this account"
  }
}

run "other_account_role_with_idempotency_is_refused" {
  command = plan

  variables {
    idempotency_table_arn = "arn:aws:dynamodb:eu-west-1:111122223333:table/shop-idempotency"
  }

  expect_failures = [aws_sqs_queue_policy.this]
}
