# One Argus tenant: its schema, bucket, hosts and plan, through the provider API.

terraform {
  required_providers {
    argus = {
      source  = "registry.argus.local/argus/argus"
      version = "~> 0.1"
    }
  }
}

resource "argus_tenant" "this" {
  slug           = var.slug
  name           = var.name
  plan           = var.plan
  domains        = var.domains
  api_rate_limit = var.api_rate_limit
  state          = var.suspended ? "suspended" : "active"
}
