locals {
  # Only producers from other principals need a resource policy; same-account
  # producers are governed by their own IAM policies.
  external_producers = { for k, p in var.producers : k => p if length(p.principals) > 0 }
}

resource "aws_cloudwatch_event_bus" "this" {
  name = var.name
  tags = var.tags
}

resource "aws_cloudwatch_event_archive" "this" {
  count = var.archive_retention_days == null ? 0 : 1

  name             = var.archive_name
  description      = "Archive of every event on bus ${var.name}."
  event_source_arn = aws_cloudwatch_event_bus.this.arn
  retention_days   = var.archive_retention_days

  lifecycle {
    precondition {
      condition     = var.archive_name != null
      error_message = "An archive needs its name (archive_name, 1-48 characters): the root gives it."
    }
  }
}

# The bus policy resource owns the WHOLE policy of the bus: every external
# producer is one statement here, each limited to its own `source`.
resource "aws_cloudwatch_event_bus_policy" "this" {
  count = length(local.external_producers) > 0 ? 1 : 0

  event_bus_name = aws_cloudwatch_event_bus.this.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      for k in sort(keys(local.external_producers)) : {
        Sid       = "PutEvents${substr(replace(k, "/[^A-Za-z0-9]/", ""), 0, 55)}"
        Effect    = "Allow"
        Principal = { AWS = sort(distinct(local.external_producers[k].principals)) }
        Action    = "events:PutEvents"
        Resource  = aws_cloudwatch_event_bus.this.arn
        Condition = {
          StringEquals = { "events:source" = local.external_producers[k].source }
        }
      }
    ]
  })
}
