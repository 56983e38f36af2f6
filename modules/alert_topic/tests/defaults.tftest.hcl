mock_provider "aws" {
  override_during = plan
}

override_data {
  target = data.aws_caller_identity.current
  values = {
    account_id = "111122223333"
  }
}

override_resource {
  target          = aws_sns_topic.this
  override_during = plan
  values = {
    arn = "arn:aws:sns:eu-west-1:111122223333:team-billing-alerts"
  }
}

variables {
  name = "team-billing-alerts"
  tags = { team = "billing" }
}

run "topic_and_policy" {
  command = plan

  assert {
    condition     = aws_sns_topic.this.name == "team-billing-alerts" && aws_sns_topic.this.tags["team"] == "billing"
    error_message = "topic name / tags wrong"
  }

  assert {
    condition     = aws_sns_topic.this.kms_master_key_id == null
    error_message = "topic must not be encrypted with an AWS-managed key by default"
  }

  assert {
    condition     = aws_sns_topic_policy.this.arn == "arn:aws:sns:eu-west-1:111122223333:team-billing-alerts"
    error_message = "policy must be on the topic"
  }

  assert {
    condition = jsondecode(aws_sns_topic_policy.this.policy).Statement == [{
      Sid       = "AllowCloudWatchAlarms"
      Effect    = "Allow"
      Principal = { Service = "cloudwatch.amazonaws.com" }
      Action    = "sns:Publish"
      Resource  = "arn:aws:sns:eu-west-1:111122223333:team-billing-alerts"
      Condition = { StringEquals = { "aws:SourceAccount" = "111122223333" } }
    }]
    error_message = "policy must let CloudWatch of this account publish"
  }

  assert {
    condition     = output.topic_arn == "arn:aws:sns:eu-west-1:111122223333:team-billing-alerts" && output.topic_name == "team-billing-alerts"
    error_message = "outputs wrong"
  }
}

run "aws_managed_sns_key_rejected" {
  command = plan
  variables {
    kms_master_key_id = "alias/aws/sns"
  }
  expect_failures = [var.kms_master_key_id]
}

run "fifo_topic_name_rejected" {
  command = plan
  variables {
    name = "alerts.fifo"
  }
  expect_failures = [var.name]
}

run "no_subscriptions_by_default" {
  command = plan

  assert {
    condition     = length(aws_sns_topic_subscription.this) == 0
    error_message = "no subscription unless asked for"
  }
}

run "email_and_https_subscriptions" {
  command = plan
  variables {
    email = ["oncall@example.com", "lead@example.com"]
    https = ["https://events.example.com/integration/abc"]
  }

  assert {
    condition     = toset(keys(aws_sns_topic_subscription.this)) == toset(["email:oncall@example.com", "email:lead@example.com", "https:https://events.example.com/integration/abc"])
    error_message = "one subscription per endpoint"
  }

  assert {
    condition = alltrue([
      aws_sns_topic_subscription.this["email:oncall@example.com"].protocol == "email",
      aws_sns_topic_subscription.this["email:oncall@example.com"].endpoint == "oncall@example.com",
      aws_sns_topic_subscription.this["https:https://events.example.com/integration/abc"].protocol == "https",
      aws_sns_topic_subscription.this["https:https://events.example.com/integration/abc"].endpoint == "https://events.example.com/integration/abc",
      aws_sns_topic_subscription.this["email:lead@example.com"].topic_arn == "arn:aws:sns:eu-west-1:111122223333:team-billing-alerts",
    ])
    error_message = "subscriptions must carry their protocol and endpoint, on the topic"
  }
}

run "plain_http_rejected" {
  command = plan
  variables {
    https = ["http://events.example.com/integration/abc"]
  }
  expect_failures = [var.https]
}

run "email_listed_twice_rejected" {
  command = plan
  variables {
    email = ["oncall@example.com", "oncall@example.com"]
  }
  expect_failures = [var.email]
}

run "not_an_email_rejected" {
  command = plan
  variables {
    email = ["oncall at example.com"]
  }
  expect_failures = [var.email]
}
