mock_provider "aws" {
  override_during = plan

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111122223333"
    }
  }

  mock_resource "aws_cloudwatch_event_archive" {
    defaults = {
      arn = "arn:aws:events:eu-west-1:111122223333:archive/mocked"
    }
  }
}

override_resource {
  target          = aws_cloudwatch_event_bus.this
  override_during = plan
  values = {
    arn = "arn:aws:events:eu-west-1:111122223333:event-bus/shop"
  }
}

variables {
  name = "shop"
  tags = { team = "platform" }
}

run "plain_bus" {
  command = plan

  assert {
    condition     = aws_cloudwatch_event_bus.this.name == "shop" && aws_cloudwatch_event_bus.this.tags["team"] == "platform"
    error_message = "bus name / tags wrong"
  }

  assert {
    condition     = length(aws_cloudwatch_event_archive.this) == 0 && output.archive_arn == null
    error_message = "no archive by default"
  }

  assert {
    condition     = length(aws_cloudwatch_event_bus_policy.this) == 0
    error_message = "no bus policy without external producers"
  }

  assert {
    condition     = output.bus_arn == "arn:aws:events:eu-west-1:111122223333:event-bus/shop" && output.bus_name == "shop"
    error_message = "outputs wrong"
  }
}

run "archive_forever" {
  command = plan

  variables {
    archive_retention_days = 0
    archive_name           = "shop-archive"
  }

  assert {
    condition     = aws_cloudwatch_event_archive.this[0].retention_days == 0 && aws_cloudwatch_event_archive.this[0].name == "shop-archive"
    error_message = "archive with retention 0 (forever) and the given name expected"
  }

  assert {
    condition     = aws_cloudwatch_event_archive.this[0].event_source_arn == "arn:aws:events:eu-west-1:111122223333:event-bus/shop"
    error_message = "archive must archive this bus"
  }

  assert {
    condition     = output.archive_arn == "arn:aws:events:eu-west-1:111122223333:archive/mocked"
    error_message = "archive_arn output expected"
  }
}

run "an_archive_needs_its_name" {
  command = plan

  variables {
    archive_retention_days = 30
  }

  expect_failures = [aws_cloudwatch_event_archive.this]
}

run "explicit_archive_name" {
  command = plan

  variables {
    archive_retention_days = 7
    archive_name           = "shop-replay"
  }

  assert {
    condition     = aws_cloudwatch_event_archive.this[0].name == "shop-replay" && aws_cloudwatch_event_archive.this[0].retention_days == 7
    error_message = "explicit archive name / retention wrong"
  }
}

run "cross_account_producers" {
  command = plan

  variables {
    producers = {
      "web-shop" = { source = "shop.web", principals = ["444455556666", "arn:aws:iam::777788889999:role/checkout"] }
      payments   = { source = "shop.payments", principals = ["444455556666"] }
      internal   = { source = "shop.internal", principals = [] }
    }
  }

  assert {
    condition     = length(aws_cloudwatch_event_bus_policy.this) == 1 && aws_cloudwatch_event_bus_policy.this[0].event_bus_name == "shop"
    error_message = "ONE bus policy expected"
  }

  assert {
    condition     = length(jsondecode(aws_cloudwatch_event_bus_policy.this[0].policy).Statement) == 2
    error_message = "one statement per producer with principals (none for same-account producers)"
  }

  assert {
    condition = [for s in jsondecode(aws_cloudwatch_event_bus_policy.this[0].policy).Statement : s if s.Sid == "PutEventswebshop"][0] == {
      Sid       = "PutEventswebshop"
      Effect    = "Allow"
      Principal = { AWS = ["444455556666", "arn:aws:iam::777788889999:role/checkout"] }
      Action    = "events:PutEvents"
      Resource  = "arn:aws:events:eu-west-1:111122223333:event-bus/shop"
      Condition = { StringEquals = { "events:source" = "shop.web" } }
    }
    error_message = "producer statement must allow exactly its principals PutEvents on this bus for its own source"
  }

  assert {
    condition     = [for s in jsondecode(aws_cloudwatch_event_bus_policy.this[0].policy).Statement : s.Condition.StringEquals["events:source"] if s.Sid == "PutEventspayments"] == ["shop.payments"]
    error_message = "each producer is limited to its own source"
  }
}

run "producer_roles_get_their_policy" {
  command = plan

  variables {
    producers = {
      orders = {
        source = "com.shop.orders"
        principals = [
          "arn:aws:iam::111122223333:role/service/orders-api", # this account: attached here
          "arn:aws:iam::444455556666:role/orders-worker",      # another account: output
          "555566667777",                                      # an account: the bus policy only
        ]
      }
      billing = {
        source     = "com.shop.billing"
        principals = ["arn:aws:iam::111122223333:role/orders-api2"]
      }
    }
  }

  assert {
    condition     = length(aws_iam_role_policy.producer) == 2
    error_message = "one policy per producer role of this account"
  }

  assert {
    condition     = aws_iam_role_policy.producer["orders arn:aws:iam::111122223333:role/service/orders-api"].role == "orders-api"
    error_message = "the policy goes on the role by its name (the last segment of its path)"
  }

  assert {
    condition = jsondecode(aws_iam_role_policy.producer["billing arn:aws:iam::111122223333:role/orders-api2"].policy).Statement[0] == {
      Sid       = "PutEventsOwnSource"
      Effect    = "Allow"
      Action    = "events:PutEvents"
      Resource  = "arn:aws:events:eu-west-1:111122223333:event-bus/shop"
      Condition = { StringEquals = { "events:source" = "com.shop.billing" } }
    }
    error_message = "PutEvents on this bus with the producer's own source only"
  }

  assert {
    condition     = keys(output.producer_role_policies) == ["orders arn:aws:iam::444455556666:role/orders-worker"]
    error_message = "the other account's role is in the output, not attached"
  }

  assert {
    condition     = jsondecode(output.producer_role_policies["orders arn:aws:iam::444455556666:role/orders-worker"].policy).Statement[0].Condition.StringEquals["events:source"] == "com.shop.orders"
    error_message = "the output policy is limited to the producer's source"
  }
}

run "a_whole_organization" {
  command = plan

  variables {
    producers = {
      orders = { source = "com.shop.orders", principals = ["111111111111"], organization = "o-a1b2c3d4e5" }
    }
  }

  assert {
    condition = jsondecode(aws_cloudwatch_event_bus_policy.this[0].policy).Statement[1] == {
      Sid       = "OrgPutEventsorders"
      Effect    = "Allow"
      Principal = "*"
      Action    = "events:PutEvents"
      Resource  = "arn:aws:events:eu-west-1:111122223333:event-bus/shop"
      Condition = { StringEquals = { "aws:PrincipalOrgID" = "o-a1b2c3d4e5", "events:source" = "com.shop.orders" } }
    }
    error_message = "the organization's statement: any principal of it, the producer's source only"
  }

  assert {
    condition     = jsondecode(aws_cloudwatch_event_bus_policy.this[0].policy).Statement[0].Principal == { AWS = ["111111111111"] }
    error_message = "the principals keep their own statement"
  }
}
