locals {
  # Only producers from other principals need a resource policy; same-account
  # producers are governed by their own IAM policies.
  external_producers = { for k, p in var.producers : k => p if length(p.principals) > 0 }
  # producers open to a whole organization (aws:PrincipalOrgID)
  organization_producers = { for k, p in var.producers : k => p if p.organization != null }

  # Every producer role (a role ARN among the principals): producer/role ARN -> what it may put
  producer_roles = merge([
    for k, p in var.producers : {
      for arn in distinct(p.principals) : "${k} ${arn}" => {
        producer = k
        arn      = arn
        account  = split(":", arn)[4]
        # a role ARN's name is its last path segment (arn:...:role/path/name)
        name   = reverse(split("/", arn))[0]
        source = p.source
      } if can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/", arn))
    }
  ]...)
  account = data.aws_caller_identity.current.account_id
  # PutEvents on this bus, only with the producer's own source (events:source condition key:
  # https://docs.aws.amazon.com/eventbridge/latest/userguide/policy-keys-eventbridge.html)
  producer_policies = {
    for key, r in local.producer_roles : key => jsonencode({
      Version = "2012-10-17"
      Statement = [{
        Sid       = "PutEventsOwnSource"
        Effect    = "Allow"
        Action    = "events:PutEvents"
        Resource  = aws_cloudwatch_event_bus.this.arn
        Condition = { StringEquals = { "events:source" = r.source } }
      }]
    })
  }
}

data "aws_caller_identity" "current" {}

# The roles of this account get their policy here; a role of another account gets it from
# its own account (the output `producer_role_policies`), the bus policy letting it in.
resource "aws_iam_role_policy" "producer" {
  for_each = { for key, r in local.producer_roles : key => r if r.account == local.account }

  name   = substr("edac-put-events-${var.name}-${each.value.producer}", 0, 128)
  role   = each.value.name
  policy = local.producer_policies[each.key]
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
  count = length(local.external_producers) + length(local.organization_producers) > 0 ? 1 : 0

  event_bus_name = aws_cloudwatch_event_bus.this.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
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
      ],
      # every principal of an organization: Principal "*" scoped by aws:PrincipalOrgID (and
      # the producer's source); the ids start with "Org", never like the ones above
      [
        for k in sort(keys(local.organization_producers)) : {
          Sid       = "OrgPutEvents${substr(replace(k, "/[^A-Za-z0-9]/", ""), 0, 52)}"
          Effect    = "Allow"
          Principal = "*"
          Action    = "events:PutEvents"
          Resource  = aws_cloudwatch_event_bus.this.arn
          Condition = {
            StringEquals = {
              "aws:PrincipalOrgID" = local.organization_producers[k].organization
              "events:source"      = local.organization_producers[k].source
            }
          }
        }
      ],
    )
  })
}
