mock_provider "aws" {}

variables {
  queue_names = { queue = "orders", dlq = "orders-dlq", target_dlq = "orders-target-dlq" }
  alarm_names = { dlq_not_empty = "orders-dlq-not-empty", oldest_message_age = "orders-oldest-message-age", target_dlq_not_empty = "orders-target-dlq-not-empty" }
}

run "name_too_long" {
  command = plan
  variables {
    queue_names = { queue = "orders", dlq = "orders-dlq", target_dlq = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }
  }
  expect_failures = [var.queue_names]
}

run "name_longest_allowed" {
  command = plan
  variables {
    queue_names = { queue = "orders", dlq = "orders-dlq", target_dlq = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-target-dlq" }
  }
  assert {
    condition     = length(aws_sqs_queue.target_dlq.name) == 80 && aws_sqs_queue.target_dlq.name == "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-target-dlq"
    error_message = "an 80-character queue name is taken as given"
  }
}

run "name_bad_charset" {
  command = plan
  variables {
    queue_names = { queue = "orders/x", dlq = "orders-dlq", target_dlq = "orders-target-dlq" }
  }
  expect_failures = [var.queue_names]
}

run "fifo_target_dlq_rejected" {
  command = plan
  variables {
    fifo        = true
    queue_names = { queue = "orders.fifo", dlq = "orders-dlq.fifo", target_dlq = "orders-target-dlq.fifo" }
  }
  expect_failures = [var.queue_names]
}

run "fifo_needs_the_suffix" {
  command = plan
  variables {
    fifo = true
  }
  expect_failures = [aws_sqs_queue.this]
}

run "aws_managed_keys_rejected" {
  command = plan
  variables {
    kms_master_key_id = "arn:aws:kms:eu-west-1:111122223333:alias/aws/kms"
  }
  expect_failures = [var.kms_master_key_id]
}

run "alarm_names_as_given" {
  command = plan
  assert {
    condition     = aws_cloudwatch_metric_alarm.dlq_not_empty.alarm_name == "orders-dlq-not-empty" && aws_cloudwatch_metric_alarm.oldest_message_age.alarm_name == "orders-oldest-message-age" && aws_cloudwatch_metric_alarm.target_dlq_not_empty.alarm_name == "orders-target-dlq-not-empty"
    error_message = "alarm names are the root's"
  }
}

run "aws_managed_sqs_key_rejected" {
  command = plan
  variables {
    kms_master_key_id = "alias/aws/sqs"
  }
  expect_failures = [var.kms_master_key_id]
}

run "retention_out_of_range" {
  command = plan
  variables {
    message_retention_seconds     = 59
    dlq_message_retention_seconds = 1209601
  }
  expect_failures = [var.message_retention_seconds, var.dlq_message_retention_seconds]
}

run "visibility_and_receive_count_out_of_range" {
  command = plan
  variables {
    visibility_timeout_seconds = 43201
    max_receive_count          = 1001
  }
  expect_failures = [var.visibility_timeout_seconds, var.max_receive_count]
}

run "max_message_size_over_provider_limit" {
  command = plan
  variables {
    max_message_size = 1048576
  }
  expect_failures = [var.max_message_size]
}

run "too_many_alarm_actions" {
  command = plan
  variables {
    alarm_actions = ["a", "b", "c", "d", "e", "f"]
  }
  expect_failures = [var.alarm_actions]
}

run "lambda_batch_size_limit" {
  command = plan
  variables {
    lambda = { function_name = "fn", batch_size = 10001, maximum_batching_window_in_seconds = 1 }
  }
  expect_failures = [var.lambda]
}

run "lambda_window_limit" {
  command = plan
  variables {
    lambda = { function_name = "fn", maximum_batching_window_in_seconds = 301 }
  }
  expect_failures = [var.lambda]
}

run "lambda_concurrency_limit" {
  command = plan
  variables {
    lambda = { function_name = "fn", maximum_concurrency = 1 }
  }
  expect_failures = [var.lambda]
}

run "lambda_concurrency_lower_bound_ok" {
  command = plan
  variables {
    lambda    = { function_name = "fn", maximum_concurrency = 2 }
    role_name = "fn-role"
  }
  assert {
    condition     = aws_lambda_event_source_mapping.this[0].scaling_config[0].maximum_concurrency == 2
    error_message = "2 is the lowest allowed maximum concurrency"
  }
}

run "bad_rule_arn" {
  command = plan
  variables {
    allowed_rule_arns = ["arn:aws:sqs:eu-west-1:111122223333:not-a-rule"]
  }
  expect_failures = [var.allowed_rule_arns]
}

run "bad_tags" {
  command = plan
  variables {
    tags = { "aws:reserved" = "x" }
  }
  expect_failures = [var.tags]
}
