# Layout expected by Powertools for AWS Lambda idempotency: partition key `id`
# (string), TTL on `expiration` (epoch seconds). Powertools writes `status`,
# `data`, `validation` and `in_progress_expiration`; non-key attributes need no
# declaration.
resource "aws_dynamodb_table" "this" {
  name                        = var.name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "id"
  deletion_protection_enabled = var.deletion_protection_enabled

  attribute {
    name = "id"
    type = "S"
  }

  ttl {
    attribute_name = "expiration"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }

  tags = var.tags
}
