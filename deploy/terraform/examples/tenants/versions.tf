terraform {
  required_version = ">= 1.5"
  required_providers {
    argus = {
      source  = "registry.argus.local/argus/argus"
      version = "~> 0.1"
    }
  }
}

# url and token come from ARGUS_PROVIDER_URL and ARGUS_PROVIDER_TOKEN when not set here.
provider "argus" {
  url = var.argus_url
}
