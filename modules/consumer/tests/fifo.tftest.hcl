# FIFO consumer with a Lambda function whose execution role is looked up.
mock_provider "aws" {
  override_during = plan

  mock_resource "aws_sqs_queue" {
    defaults = {
      arn = "arn:aws:sqs:eu-west-1:111122223333:mocked.fifo"
      id  = "https://sqs.eu-west-1.amazonaws.com/111122223333/mocked.fifo"
    }
  }

  mock_data "aws_lambda_function" {
    defaults = {
      role    = "arn:aws:iam::111122223333:role/service-role/ledger-fn-role"
      timeout = 30
    }
  }
}

variables {
  queue_names = { queue = "ledger.fifo", dlq = "ledger-dlq.fifo", target_dlq = "ledger-target-dlq" }
  alarm_names = { dlq_not_empty = "ledger-dlq.fifo-not-empty", oldest_message_age = "ledger.fifo-oldest-message-age", target_dlq_not_empty = "ledger-target-dlq-not-empty" }
  fifo              = true
  allowed_rule_arns = ["arn:aws:events:eu-west-1:111122223333:rule/shop/payment-captured"]
  lambda = {
    function_name                      = "ledger-writer"
    batch_size                         = 10
    maximum_batching_window_in_seconds = 5
    maximum_concurrency                = 4
  }
}

run "fifo_naming" {
  command = plan

  assert {
    condition     = aws_sqs_queue.this.name == "ledger.fifo" && aws_sqs_queue.dlq.name == "ledger-dlq.fifo"
    error_message = "FIFO queues must end in .fifo"
  }

  assert {
    condition     = aws_sqs_queue.this.fifo_queue && aws_sqs_queue.dlq.fifo_queue
    error_message = "main queue and redrive DLQ must be FIFO"
  }

  assert {
    condition     = aws_sqs_queue.target_dlq.name == "ledger-target-dlq" && !aws_sqs_queue.target_dlq.fifo_queue
    error_message = "the target DLQ must be a STANDARD queue (EventBridge rejects FIFO DLQs)"
  }

  assert {
    condition     = aws_sqs_queue.this.content_based_deduplication == true
    error_message = "FIFO queue needs content-based deduplication by default"
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.dlq_not_empty.alarm_name == "ledger-dlq.fifo-not-empty" && aws_cloudwatch_metric_alarm.dlq_not_empty.dimensions["QueueName"] == "ledger-dlq.fifo"
    error_message = "alarm names and dimensions derive from the FIFO queue names"
  }
}

run "lambda_mapping_and_role_lookup" {
  command = plan

  assert {
    condition     = aws_lambda_event_source_mapping.this[0].function_response_types == toset(["ReportBatchItemFailures"])
    error_message = "ESM must report batch item failures"
  }

  assert {
    condition     = aws_lambda_event_source_mapping.this[0].batch_size == 10 && aws_lambda_event_source_mapping.this[0].function_name == "ledger-writer"
    error_message = "ESM batch size / function wrong"
  }

  assert {
    condition     = aws_lambda_event_source_mapping.this[0].scaling_config[0].maximum_concurrency == 4
    error_message = "ESM must carry maximum concurrency"
  }

  assert {
    condition     = aws_lambda_event_source_mapping.this[0].maximum_batching_window_in_seconds != 5
    error_message = "no batching window on a FIFO queue"
  }

  assert {
    condition     = aws_lambda_event_source_mapping.this[0].event_source_arn == "arn:aws:sqs:eu-west-1:111122223333:mocked.fifo"
    error_message = "ESM must read the main queue"
  }

  assert {
    condition     = aws_iam_role_policy.consume[0].role == "ledger-fn-role" && output.role_name == "ledger-fn-role"
    error_message = "consume policy must go to the function's execution role (last path segment of its ARN)"
  }

  assert {
    condition     = aws_iam_role_policy.consume[0].name == "edac-consume-ledger.fifo"
    error_message = "inline policy name derives from the queue name"
  }
}

run "fifo_batch_over_10_rejected" {
  command = plan

  variables {
    lambda = {
      function_name = "ledger-writer"
      batch_size    = 11
    }
  }

  expect_failures = [aws_lambda_event_source_mapping.this]
}

run "content_dedup_on_standard_rejected" {
  command = plan

  variables {
    fifo                        = false
    content_based_deduplication = true
    lambda                      = null
  }

  expect_failures = [aws_sqs_queue.this]
}
