mock_provider "aws" {}

variables {
  name = "billing-idempotency"
  tags = { team = "billing" }
}

run "powertools_layout" {
  command = plan

  assert {
    condition     = aws_dynamodb_table.this.name == "billing-idempotency" && aws_dynamodb_table.this.billing_mode == "PAY_PER_REQUEST"
    error_message = "on-demand table expected"
  }

  assert {
    condition     = aws_dynamodb_table.this.hash_key == "id" && aws_dynamodb_table.this.range_key == null
    error_message = "partition key must be id, no sort key"
  }

  assert {
    condition     = aws_dynamodb_table.this.attribute == toset([{ name = "id", type = "S" }])
    error_message = "id must be a string attribute"
  }

  assert {
    condition     = aws_dynamodb_table.this.ttl[0].enabled && aws_dynamodb_table.this.ttl[0].attribute_name == "expiration"
    error_message = "TTL must be on expiration"
  }

  assert {
    condition     = aws_dynamodb_table.this.point_in_time_recovery[0].enabled && aws_dynamodb_table.this.server_side_encryption[0].enabled
    error_message = "PITR and SSE must be on"
  }

  assert {
    condition     = aws_dynamodb_table.this.tags["team"] == "billing"
    error_message = "tags missing"
  }
}

run "name_too_short" {
  command = plan
  variables {
    name = "ab"
  }
  expect_failures = [var.name]
}

run "name_bad_charset" {
  command = plan
  variables {
    name = "billing idempotency"
  }
  expect_failures = [var.name]
}
