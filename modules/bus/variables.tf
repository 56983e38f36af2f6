variable "name" {
  type        = string
  description = "Name of the custom event bus (1-256 characters of [.-_A-Za-z0-9]; \"default\" is reserved)."

  validation {
    condition     = can(regex("^[.\\-_A-Za-z0-9]{1,256}$", var.name))
    error_message = "The bus name must be 1-256 characters of letters, digits, '.', '-' and '_' (no '/' for a custom bus)."
  }

  validation {
    condition     = var.name != "default"
    error_message = "\"default\" is the reserved name of the account's default bus; choose another name for a custom bus."
  }
}

variable "archive_retention_days" {
  type        = number
  description = "Days to keep archived events. null (default) creates no archive; 0 keeps events forever."
  default     = null

  validation {
    condition     = var.archive_retention_days == null ? true : (var.archive_retention_days >= 0 && floor(var.archive_retention_days) == var.archive_retention_days)
    error_message = "archive_retention_days must be null (no archive), 0 (keep forever) or a positive whole number of days."
  }
}

variable "archive_name" {
  type        = string
  description = "Name of the archive (1-48 characters of [.-_A-Za-z0-9]), given by the root; required with archive_retention_days."
  default     = null

  validation {
    condition     = var.archive_name == null ? true : can(regex("^[.\\-_A-Za-z0-9]{1,48}$", var.archive_name))
    error_message = "The archive name must be 1-48 characters of letters, digits, '.', '-' and '_'."
  }
}

variable "producers" {
  type = map(object({
    source       = string
    principals   = list(string)
    organization = optional(string)
  }))
  description = "Producers keyed by name. Every producer with principals gets one statement in the bus policy allowing exactly those principals (12-digit account ids or IAM ARNs) events:PutEvents on this bus, limited to its own source. A producer with an `organization` (o-...) gets a statement allowing every principal of that organization, limited the same way. Producers without either (same account, IAM-governed) add nothing."
  default     = {}

  validation {
    condition = alltrue([
      for k, p in var.producers :
      length(p.source) >= 1 && length(p.source) <= 256 && !startswith(p.source, "aws.")
    ])
    error_message = "Each producer's source must be 1-256 characters and must not start with \"aws.\" (AWS service events only arrive on the default bus)."
  }

  validation {
    condition = alltrue(flatten([
      for k, p in var.producers : [
        for principal in p.principals :
        can(regex("^([0-9]{12}|arn:aws[a-z-]*:iam::[0-9]{12}:(root|role/.+|user/.+))$", principal))
      ]
    ]))
    error_message = "Each principal must be a 12-digit AWS account id or an IAM ARN (arn:<partition>:iam::<account>:root|role/...|user/...)."
  }

  validation {
    condition = alltrue([
      for k, p in var.producers : p.organization == null ? true : can(regex("^o-[a-z0-9]{10,32}$", p.organization))
    ])
    error_message = "A producer's organization is an AWS Organizations id: o- and 10-32 lowercase letters or digits."
  }

  validation {
    condition = length(distinct([
      for k in keys(var.producers) : substr(replace(k, "/[^A-Za-z0-9]/", ""), 0, 55)
    ])) == length(var.producers)
    error_message = "Producer keys must stay distinct once reduced to their first 55 letters and digits (they become policy statement ids)."
  }

  validation {
    condition     = alltrue([for k in keys(var.producers) : length(replace(k, "/[^A-Za-z0-9]/", "")) > 0])
    error_message = "Each producer key must contain at least one letter or digit."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to every taggable resource of this module."
  default     = {}

  validation {
    condition = alltrue([
      for k, v in var.tags :
      length(k) >= 1 && length(k) <= 128 && length(v) <= 256 &&
      can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*$", k)) &&
      can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*$", v)) &&
      !startswith(lower(k), "aws:")
    ])
    error_message = "Tag keys must be 1-128 and values 0-256 characters of letters, digits, spaces and _ . : / = + - @, and keys must not start with \"aws:\"."
  }
}
