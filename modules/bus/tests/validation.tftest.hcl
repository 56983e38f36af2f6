mock_provider "aws" {}

variables {
  name = "shop"
}

run "default_bus_name_rejected" {
  command = plan
  variables {
    name = "default"
  }
  expect_failures = [var.name]
}

run "slash_in_bus_name_rejected" {
  command = plan
  variables {
    name = "shop/orders"
  }
  expect_failures = [var.name]
}

run "archive_name_too_long" {
  command = plan
  variables {
    archive_retention_days = 1
    archive_name           = "a234567890123456789012345678901234567890123456789"
  }
  expect_failures = [var.archive_name]
}

run "negative_retention_rejected" {
  command = plan
  variables {
    archive_retention_days = -1
  }
  expect_failures = [var.archive_retention_days]
}

run "aws_source_rejected" {
  command = plan
  variables {
    producers = { s3 = { source = "aws.s3", principals = ["444455556666"] } }
  }
  expect_failures = [var.producers]
}

run "bad_principal_rejected" {
  command = plan
  variables {
    producers = { p = { source = "shop.p", principals = ["*"] } }
  }
  expect_failures = [var.producers]
}

run "colliding_statement_ids_rejected" {
  command = plan
  variables {
    producers = {
      "web-shop" = { source = "a", principals = ["444455556666"] }
      "web_shop" = { source = "b", principals = ["444455556666"] }
    }
  }
  expect_failures = [var.producers]
}

run "bad_organization_rejected" {
  command = plan
  variables {
    producers = { orders = { source = "com.shop.orders", principals = [], organization = "org-1" } }
  }
  expect_failures = [var.producers]
}
