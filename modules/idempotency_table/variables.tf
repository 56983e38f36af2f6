variable "name" {
  type        = string
  description = "Name of the DynamoDB table (3-255 characters of [a-zA-Z0-9_.-])."

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{3,255}$", var.name))
    error_message = "The table name must be 3-255 characters of letters, digits, '_', '.' and '-'."
  }
}

variable "deletion_protection_enabled" {
  type        = bool
  description = "Protect the table against deletion."
  default     = false
  nullable    = false
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
