# Standard queue, Lambda consumer with an explicit role and a customer KMS key.
mock_provider "aws" {
  override_during = plan

  mock_resource "aws_sqs_queue" {
    defaults = {
      arn = "arn:aws:sqs:eu-west-1:111122223333:mocked"
      id  = "https://sqs.eu-west-1.amazonaws.com/111122223333/mocked"
    }
  }
}

variables {
  queue_names = { queue = "mailer", dlq = "mailer-dlq", target_dlq = "mailer-target-dlq" }
  alarm_names = { dlq_not_empty = "mailer-dlq-not-empty", oldest_message_age = "mailer-oldest-message-age", target_dlq_not_empty = "mailer-target-dlq-not-empty" }
  kms_master_key_id = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  role_name         = "mailer-role"
  lambda = {
    function_name                      = "arn:aws:lambda:eu-west-1:111122223333:function:mailer"
    batch_size                         = 100
    maximum_batching_window_in_seconds = 10
    maximum_concurrency                = 50
  }
}

run "kms_and_batching" {
  command = plan

  assert {
    condition     = alltrue([for q in [aws_sqs_queue.this, aws_sqs_queue.dlq, aws_sqs_queue.target_dlq] : q.kms_master_key_id == var.kms_master_key_id && q.sqs_managed_sse_enabled != true])
    error_message = "customer key on every queue, SSE-SQS off (the two are exclusive)"
  }

  assert {
    condition = jsondecode(aws_iam_role_policy.consume[0].policy).Statement[1] == {
      Sid      = "DecryptQueueMessages"
      Effect   = "Allow"
      Action   = "kms:Decrypt"
      Resource = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    }
    error_message = "consumer role must get kms:Decrypt on the customer key"
  }

  assert {
    condition     = aws_iam_role_policy.consume[0].role == "mailer-role"
    error_message = "explicit role_name wins over the function's role"
  }

  assert {
    condition     = aws_lambda_event_source_mapping.this[0].maximum_batching_window_in_seconds == 10 && aws_lambda_event_source_mapping.this[0].batch_size == 100
    error_message = "standard queue keeps its batching window"
  }
}

run "batch_over_10_needs_window" {
  command = plan

  variables {
    lambda = {
      function_name = "mailer"
      batch_size    = 100
    }
  }

  expect_failures = [aws_lambda_event_source_mapping.this]
}

run "no_concurrency_no_scaling_config" {
  command = plan

  variables {
    lambda = {
      function_name = "mailer"
    }
  }

  assert {
    condition     = length(aws_lambda_event_source_mapping.this[0].scaling_config) == 0 && aws_lambda_event_source_mapping.this[0].batch_size == 10
    error_message = "optional lambda fields default to batch 10 and no scaling_config"
  }
}
