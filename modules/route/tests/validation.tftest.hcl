mock_provider "aws" {}

variables {
  name          = "order-placed"
  bus_name      = "shop"
  alarm_names   = { failed_invocations = "shop-order-placed-failed-invocations", failed_to_dlq = "shop-order-placed-invocations-failed-to-dlq" }
  event_pattern = "{\"source\":[\"shop.orders\"]}"
  targets = {
    t1 = {
      queue_arn                    = "arn:aws:sqs:eu-west-1:111122223333:q1"
      dead_letter_arn              = "arn:aws:sqs:eu-west-1:111122223333:q1-target-dlq"
      maximum_retry_attempts       = 185
      maximum_event_age_in_seconds = 86400
    }
  }
}

run "five_targets_allowed" {
  command = plan

  variables {
    targets = { for i in range(5) : "t${i}" => {
      queue_arn                    = "arn:aws:sqs:eu-west-1:111122223333:q${i}"
      dead_letter_arn              = "arn:aws:sqs:eu-west-1:111122223333:q${i}-target-dlq"
      message_group_id             = null
      maximum_retry_attempts       = 185
      maximum_event_age_in_seconds = 86400
    } }
  }

  assert {
    condition     = length(aws_cloudwatch_event_target.this) == 5
    error_message = "five targets are allowed"
  }
}

run "six_targets_rejected" {
  command = plan

  variables {
    targets = { for i in range(6) : "t${i}" => {
      queue_arn                    = "arn:aws:sqs:eu-west-1:111122223333:q${i}"
      dead_letter_arn              = "arn:aws:sqs:eu-west-1:111122223333:q${i}-target-dlq"
      message_group_id             = null
      maximum_retry_attempts       = 185
      maximum_event_age_in_seconds = 86400
    } }
  }

  expect_failures = [var.targets]
}

run "fifo_dead_letter_queue_rejected" {
  command = plan

  variables {
    targets = {
      t1 = {
        queue_arn                    = "arn:aws:sqs:eu-west-1:111122223333:q1.fifo"
        dead_letter_arn              = "arn:aws:sqs:eu-west-1:111122223333:q1-dlq.fifo"
        message_group_id             = "g"
        maximum_retry_attempts       = 3
        maximum_event_age_in_seconds = 600
      }
    }
  }

  expect_failures = [var.targets]
}

run "fifo_target_without_group_id_rejected" {
  command = plan

  variables {
    targets = {
      t1 = {
        queue_arn                    = "arn:aws:sqs:eu-west-1:111122223333:q1.fifo"
        dead_letter_arn              = "arn:aws:sqs:eu-west-1:111122223333:q1-target-dlq"
        maximum_retry_attempts       = 3
        maximum_event_age_in_seconds = 600
      }
    }
  }

  expect_failures = [var.targets]
}

run "retry_attempts_over_185_rejected" {
  command = plan

  variables {
    targets = {
      t1 = {
        queue_arn                    = "arn:aws:sqs:eu-west-1:111122223333:q1"
        dead_letter_arn              = "arn:aws:sqs:eu-west-1:111122223333:q1-target-dlq"
        maximum_retry_attempts       = 186
        maximum_event_age_in_seconds = 600
      }
    }
  }

  expect_failures = [var.targets]
}

run "event_age_under_60_rejected" {
  command = plan

  variables {
    targets = {
      t1 = {
        queue_arn                    = "arn:aws:sqs:eu-west-1:111122223333:q1"
        dead_letter_arn              = "arn:aws:sqs:eu-west-1:111122223333:q1-target-dlq"
        maximum_retry_attempts       = 3
        maximum_event_age_in_seconds = 59
      }
    }
  }

  expect_failures = [var.targets]
}

run "bad_target_id_rejected" {
  command = plan

  variables {
    targets = {
      "has space" = {
        queue_arn                    = "arn:aws:sqs:eu-west-1:111122223333:q1"
        dead_letter_arn              = "arn:aws:sqs:eu-west-1:111122223333:q1-target-dlq"
        maximum_retry_attempts       = 3
        maximum_event_age_in_seconds = 600
      }
    }
  }

  expect_failures = [var.targets]
}

run "rule_name_too_long" {
  command = plan
  variables {
    name = "r2345678901234567890123456789012345678901234567890123456789012345"
  }
  expect_failures = [var.name]
}

run "pattern_not_json_object" {
  command = plan
  variables {
    event_pattern = "[\"source\"]"
  }
  expect_failures = [var.event_pattern]
}

run "pattern_not_json" {
  command = plan
  variables {
    event_pattern = "{source: [x]}"
  }
  expect_failures = [var.event_pattern]
}

run "pattern_over_default_quota" {
  command = plan
  variables {
    event_pattern = jsonencode({ source = [for i in range(300) : "source-${i}"] })
  }
  expect_failures = [aws_cloudwatch_event_rule.this]
}

run "pattern_over_default_quota_allowed_with_raised_quota" {
  command = plan
  variables {
    event_pattern            = jsonencode({ source = [for i in range(300) : "source-${i}"] })
    event_pattern_max_length = 4096
  }
  assert {
    condition     = length(var.event_pattern) > 2048
    error_message = "test pattern must exceed the default quota"
  }
}

run "pattern_over_4096_rejected" {
  command = plan
  variables {
    event_pattern            = jsonencode({ source = [for i in range(600) : "source-${i}"] })
    event_pattern_max_length = 4096
  }
  expect_failures = [var.event_pattern]
}

run "too_many_alarm_actions" {
  command = plan
  variables {
    alarm_actions = ["a", "b", "c", "d", "e", "f"]
  }
  expect_failures = [var.alarm_actions]
}

run "bus_name_with_slash_rejected" {
  command = plan
  variables {
    bus_name = "aws.partner/x"
  }
  expect_failures = [var.bus_name]
}

run "bus_targets_put_as_their_role_with_a_dlq" {
  command = plan
  variables {
    bus_targets = {
      "forward.analytics" = {
        bus_arn         = "arn:aws:events:eu-west-1:333333333333:event-bus/analytics"
        role_arn        = "arn:aws:iam::111122223333:role/shop-bus-forwarding"
        dead_letter_arn = "arn:aws:sqs:eu-west-1:111122223333:shop-analytics-forward-dlq"
      }
    }
  }
  assert {
    condition     = aws_cloudwatch_event_target.bus["forward.analytics"].arn == "arn:aws:events:eu-west-1:333333333333:event-bus/analytics" && aws_cloudwatch_event_target.bus["forward.analytics"].role_arn == "arn:aws:iam::111122223333:role/shop-bus-forwarding"
    error_message = "a bus target puts on the bus as its role"
  }
  assert {
    condition     = aws_cloudwatch_event_target.bus["forward.analytics"].event_bus_name == "shop" && aws_cloudwatch_event_target.bus["forward.analytics"].dead_letter_config[0].arn == "arn:aws:sqs:eu-west-1:111122223333:shop-analytics-forward-dlq" && length(aws_cloudwatch_event_target.bus["forward.analytics"].retry_policy) == 0
    error_message = "a bus target names the rule's bus and its DLQ, and no retry policy (event bus targets take none)"
  }
}

run "queues_and_buses_together_at_most_five" {
  command = plan
  variables {
    targets = { for i in range(4) : "t${i}" => {
      queue_arn                    = "arn:aws:sqs:eu-west-1:111122223333:q${i}"
      dead_letter_arn              = "arn:aws:sqs:eu-west-1:111122223333:q${i}-target-dlq"
      message_group_id             = null
      maximum_retry_attempts       = 185
      maximum_event_age_in_seconds = 86400
    } }
    bus_targets = { for i in range(2) : "forward.b${i}" => {
      bus_arn         = "arn:aws:events:eu-west-1:333333333333:event-bus/b${i}"
      role_arn        = "arn:aws:iam::111122223333:role/shop-bus-forwarding"
      dead_letter_arn = "arn:aws:sqs:eu-west-1:111122223333:b${i}-forward-dlq"
    } }
  }
  expect_failures = [var.targets]
}

run "a_target_id_for_a_queue_and_a_bus_rejected" {
  command = plan
  variables {
    bus_targets = {
      t1 = {
        bus_arn         = "arn:aws:events:eu-west-1:333333333333:event-bus/analytics"
        role_arn        = "arn:aws:iam::111122223333:role/shop-bus-forwarding"
        dead_letter_arn = "arn:aws:sqs:eu-west-1:111122223333:shop-analytics-forward-dlq"
      }
    }
  }
  expect_failures = [var.targets]
}

run "a_bus_target_that_is_not_a_bus_rejected" {
  command = plan
  variables {
    bus_targets = {
      "forward.x" = {
        bus_arn         = "arn:aws:sqs:eu-west-1:333333333333:not-a-bus"
        role_arn        = "arn:aws:iam::111122223333:role/shop-bus-forwarding"
        dead_letter_arn = "arn:aws:sqs:eu-west-1:111122223333:x.fifo"
      }
    }
  }
  expect_failures = [var.bus_targets]
}
