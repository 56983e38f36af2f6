data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

# A customer-managed key for a consumer's queues. EventBridge can only write to an encrypted
# queue when the key policy lets events.amazonaws.com generate data keys with it, which the
# AWS managed key alias/aws/sqs never allows. In a key policy, Resource "*" means this key.
resource "aws_kms_key" "this" {
  description             = "edac: encrypts the queues of ${var.name}; EventBridge may use it for the listed rules only"
  enable_key_rotation     = true
  deletion_window_in_days = var.deletion_window_in_days
  tags                    = var.tags

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat([
      {
        # The account administers the key and grants use through IAM policies (the
        # consumer's role gets kms:Decrypt from its consume policy).
        Sid       = "AccountAdministersTheKey"
        Effect    = "Allow"
        Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "EventBridgeEncryptsForItsRules"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource  = "*"
        Condition = {
          ArnEquals = { "aws:SourceArn" = var.allowed_rule_arns }
        }
      },
      ], var.eventbridge_role_arn == null ? [] : [{
        # the bus's account sends as this role (a cross-account target), through SQS only
        Sid       = "TheBusAccountsEventBridgeRoleEncrypts"
        Effect    = "Allow"
        Principal = { AWS = var.eventbridge_role_arn }
        Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource  = "*"
        Condition = {
          StringEquals = { "kms:ViaService" = "sqs.${data.aws_region.current.name}.amazonaws.com" }
        }
    }])
  })
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}
